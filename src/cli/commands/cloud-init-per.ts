// `cloud-init-per once|instance|always NAME CMD [ARG...]` (also as the `cloud-init-per` link):
// cloud-init's helper for bootcmd and boothooks. CMD runs unless NAME's marker for the
// frequency exists (always: every time); the marker is written after it ran, whatever its
// exit status, and the exit status is CMD's. Markers are cloud-init's: sem/bootper.NAME.FREQ,
// per instance under the instance's sem/, dashes in NAME read as underscores.
import { readInstanceId } from "../../state/instance";
import { CLOUD_DIR, DATA_DIR, instancePath } from "../../state/paths";
import type { Command } from "../command";
import { epochSeconds } from "../../host/clock";

const FREQUENCIES = ["once", "instance", "always"];

export const cloudInitPer: Command = {
  spec: {
    name: "cloud-init-per",
    summary: "Run a command once, once per instance, or always, recording it as cloud-init does.",
    options: [],
    positionals: [
      { name: "frequency", optional: false, help: "once (ever), instance (once per instance-id) or always" },
      { name: "name", optional: false, help: "the marker's name" },
      { name: "cmd", optional: false, help: "the command and its arguments", remainder: true },
    ],
  },
  async run(args, io) {
    const [frequency, name, ...cmd] = args.positionals;
    if (!FREQUENCIES.includes(frequency)) {
      io.stderr(`cloud-init-per: invalid frequency '${frequency}' (once, instance or always)\n`);
      return 1;
    }
    // the name becomes part of a file name in sem/: a slash would place the marker anywhere
    if (!name || name.includes("/") || name.includes("\0")) {
      io.stderr("cloud-init-per: NAME must be a non-empty name without '/'\n");
      return 1;
    }
    if (process.getuid?.() !== 0) {
      io.stderr("cloud-init-per: must be run as root\n");
      return 1;
    }
    let dir = `${CLOUD_DIR}/sem`;
    if (frequency === "instance") {
      const iid = readInstanceId(io.host, `${DATA_DIR}/instance-id`);
      if (!iid) {
        io.stderr("cloud-init-per: no instance yet: 'instance' needs the instance-id a boot records\n");
        return 1;
      }
      dir = instancePath(iid, "sem");
    }
    const marker = `${dir}/bootper.${name.replace(/-/g, "_")}.${frequency}`;
    // a marker of an earlier cloud-init written with the dashes kept counts, under its new name
    const legacy = `${dir}/bootper.${name}.${frequency}`;
    if (legacy !== marker && io.host.exists(legacy) && !io.host.exists(marker)) io.host.rename(legacy, marker);
    if (frequency !== "always" && io.host.exists(marker)) return 0;
    const result = await io.host.run(cmd);
    io.stdout(result.stdout);
    io.stderr(result.stderr);
    try {
      io.host.mkdirp(dir);
      io.host.writeAtomic(marker, `${Math.floor(epochSeconds())}\n`);
    } catch (err) {
      io.stderr(`cloud-init-per: failed to write ${marker}: ${(err as Error).message}\n`);
      return 1;
    }
    return result.code;
  },
};
