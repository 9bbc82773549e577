// `devel net-convert`: cloud-init's offline conversion of a network config (v1/v2 YAML,
// OpenStack network_data.json or interfaces(5) text) into one renderer's files under a
// directory, through the same parse, resolve and render steps as the boot.
import { makeMime, render } from "./devel-userdata";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseJson, parseYaml, toYaml } from "../../config/yaml";
import { OS_FAMILIES } from "../../system/distro";
import { Host } from "../../host/host";
import { describeError } from "../../log/logger";
import { parseEniNetwork } from "../../network/eni-parse";
import type { NetworkModel } from "../../network/model";
import { parseNetworkData } from "../../network/openstack";
import { parseNetworkConfig } from "../../network/parse";
import { RENDERERS, type RenderedFile } from "../../network/render/index";
import { resolveInterfaces } from "../../network/resolve";
import { renderOptions } from "../../stages/network-config";
import { UsageError } from "../args";
import type { Command, CommandGroup } from "../command";

// cloud-init's kinds; the last two read Azure's IMDS and VMware's customization files
const KINDS = ["eni", "network_data.json", "yaml", "azure-imds", "vmware-imc"];

const netConvert: Command = {
  spec: {
    name: "devel net-convert",
    summary: "Convert a network config between formats offline, as cloud-init's net-convert does.",
    options: [
      { name: "network-data", short: "p", value: true, required: true, help: "the network configuration to read" },
      { name: "kind", short: "k", value: true, required: true, choices: KINDS, help: "the format of the given network config" },
      { name: "directory", short: "d", value: true, required: true, help: "directory to place output in (a target root: files land under it)" },
      { name: "distro", short: "D", value: true, required: true, choices: Object.values(OS_FAMILIES).flat(), help: "the distro the files are for" },
      { name: "mac", short: "m", value: true, repeat: true, help: "name,mac: a NIC of the machine (repeat for each); interfaces found by MAC take its name" },
      { name: "output-kind", short: "O", value: true, required: true, choices: Object.keys(RENDERERS).sort(), help: "the network config format to emit" },
    ],
  },
  async run(args, io) {
    const option = (name: string) => args.options[name] as string;
    const [kind, distro, outputKind, source] = [option("kind"), option("distro"), option("output-kind"), option("network-data")];
    const directory = option("directory").endsWith("/") ? option("directory") : `${option("directory")}/`;
    const family = Object.keys(OS_FAMILIES).find((f) => OS_FAMILIES[f].includes(distro)) as string;
    const nics = ((args.options.mac as string[] | undefined) ?? []).map((item) => {
      const comma = item.indexOf(",");
      if (comma < 0) throw new UsageError(`argument -m/--mac: expected name,mac, got '${item}'`);
      return { name: item.slice(0, comma), mac: item.slice(comma + 1).toLowerCase() };
    });
    const fail = (message: string) => {
      io.stderr(`${io.prog} devel net-convert: error: ${message}\n`);
      return 1;
    };
    if (kind === "azure-imds" || kind === "vmware-imc") return fail(`input kind '${kind}' is not supported by cloud-agent (eni, network_data.json and yaml are)`);
    // cloud-init's suse flavour writes another layout under /etc/sysconfig/network
    if (outputKind === "sysconfig" && family === "suse") return fail(`sysconfig for the suse family (${distro}) is not supported by cloud-agent`);
    let model: NetworkModel;
    let files: RenderedFile[];
    try {
      const text = readFileSync(source, "utf8");
      if (kind === "yaml") {
        const document = parseYaml(text);
        if (args.options.debug) io.stderr(`Input YAML\n${toYaml(document)}\n`);
        model = parseNetworkConfig(document);
      } else model = kind === "eni" ? parseEniNetwork(text) : parseNetworkData(parseJson(text));
      // with the machine's NICs, interfaces found by MAC take their names, as at boot
      const warn = (message: string) => io.stderr(`WARNING: ${message}\n`);
      if (nics.length) {
        const resolved = resolveInterfaces(model, nics);
        resolved.missing.forEach(warn);
        model = resolved.model;
      }
      if (args.options.debug) io.stderr(`\nInternal State\n${toYaml(model)}\n`);
      files = RENDERERS[outputKind](model, { ...renderOptions(family), warn });
    } catch (err) {
      return fail(`${source}: ${describeError(err)}`);
    }
    io.stderr(`Read input format '${kind}' from '${source}'.\nWrote output format '${outputKind}' to '${directory}'\n\n`);
    const target = new Host({ root: path.resolve(directory) });
    for (const file of files) target.writeAtomic(file.path, file.content, file.mode);
    return 0;
  },
};

export const devel: CommandGroup = {
  spec: { name: "devel", summary: "Run development tools." },
  subcommands: { "make-mime": makeMime, "net-convert": netConvert, render },
};
