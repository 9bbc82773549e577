// `install --root DIR`: lays cloud-agent into an image root without dpkg (the .deb is built
// from the same layout with --package, leaving /etc to its maintainer scripts).
import defaultConfig from "../../../units/cloud.cfg";
import configUnit from "../../../units/cloud-agent-config.service";
import finalUnit from "../../../units/cloud-agent-final.service";
import localUnit from "../../../units/cloud-agent-local.service";
import mainUnit from "../../../units/cloud-agent-main.service";
import networkUnit from "../../../units/cloud-agent-network.service";
import stageShim from "../../../units/cloud-agent-stage.sh";
import target from "../../../units/cloud-agent.target";
import { generatorScript } from "../../datasources/generator";
import type { Host } from "../../host/host";
import { CONFIG_DIR, CONFIG_FILE } from "../../state/paths";
import { LINKED_COMMANDS, type Command } from "../command";

const UNIT_DIR = "/lib/systemd/system";
/** The units cloud-agent.target wants: the boot process and the four stage shims. */
export const BOOT_UNITS: Record<string, string> = {
  "cloud-agent-main.service": mainUnit,
  "cloud-agent-local.service": localUnit,
  "cloud-agent-network.service": networkUnit,
  "cloud-agent-config.service": configUnit,
  "cloud-agent-final.service": finalUnit,
};

export const install: Command = {
  spec: {
    name: "install",
    summary: "Install cloud-agent (binary, cloud-init symlink, units, generator, default config) into the root given by --root.",
    options: [
      { name: "package", help: "lay out the package's files only: no /etc/cloud/cloud.cfg, no unit enablement (building the .deb)" },
      { name: "configure", help: "only install /etc/cloud/cloud.cfg when missing and enable the units (the .deb's postinst)" },
    ],
  },
  async run(args, io) {
    const { host } = io;
    if (args.options.configure) {
      configure(host);
      return 0;
    }
    if (!isSingleExecutable()) {
      io.stderr("install: run the built single executable (build/out/cloud-agent), not a development copy\n");
      return 1;
    }
    host.copyFile(process.execPath, "/usr/bin/cloud-agent", 0o755);
    for (const link of ["cloud-init", ...LINKED_COMMANDS].map((name) => `/usr/bin/${name}`)) {
      if (host.readlink(link) === "cloud-agent") continue;
      host.remove(link);
      host.symlink("cloud-agent", link);
    }
    for (const [name, text] of Object.entries({ ...BOOT_UNITS, "cloud-agent.target": target })) host.writeAtomic(`${UNIT_DIR}/${name}`, text);
    host.writeAtomic("/lib/systemd/system-generators/cloud-agent-generator", generatorScript(), 0o755);
    host.writeAtomic("/usr/lib/cloud-agent/cloud-agent-stage", stageShim, 0o755);
    host.writeAtomic("/usr/share/cloud-agent/cloud.cfg", defaultConfig);
    if (!args.options.package) configure(host);
    io.stdout(`installed cloud-agent into ${host.root}\n`);
    return 0;
  },
};

function configure(host: Host): void {
  host.mkdirp(CONFIG_DIR);
  if (!host.exists(CONFIG_FILE)) host.writeAtomic(CONFIG_FILE, defaultConfig);
  const wants = "/etc/systemd/system/cloud-agent.target.wants";
  host.mkdirp(wants);
  for (const name of Object.keys(BOOT_UNITS)) host.symlink(`${UNIT_DIR}/${name}`, `${wants}/${name}`);
}

/** A Node single executable carries its blob in its own binary; plain node has none. */
function isSingleExecutable(): boolean {
  try {
    return (require("node:sea") as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}
