// `schema -c FILE | --system [-t cloud-config|network-config] [-i FILE] [--annotate]`:
// cloud-init's linter. Exit 0 valid (deprecations are warnings), 1 invalid. --system checks
// this instance's user-data, vendor-data and network config, and (beyond cloud-init) the
// image's cloud.cfg and cloud.cfg.d. Problems name key paths and lines, never values.
import { MODULES } from "../../../modules/index";
import { annotate, checkCloudConfig, checkNetworkConfig, describeProblem, type CheckResult } from "../../config/schema-check";
import type { Host } from "../../host/host";
import { readInstanceId } from "../../state/instance";
import { INSTANCE_DATA, INSTANCE_DATA_SENSITIVE, readInstanceDataFile } from "../../state/instance-data";
import { CONFIG_DIR, CONFIG_FILE, DATA_DIR, instancePath } from "../../state/paths";
import { JINJA_HEADER, renderJinja } from "../../userdata/jinja";
import { argumentPath, type Command, type CommandIO } from "../command";

type SchemaType = "cloud-config" | "network-config";

interface Document {
  /** How the output names it: the path, or "system userdata" as cloud-init says. */
  name: string;
  text: string;
  type: SchemaType;
  /** User-data and vendor-data must start with #cloud-config; cloud.cfg need not. */
  requireHeader: boolean;
}

export const schema: Command = {
  spec: {
    name: "schema",
    summary: "Validate cloud-config files using jsonschema.",
    options: [
      { name: "config-file", short: "c", value: true, help: "path of the cloud-config or network-config YAML file to validate" },
      { name: "schema-type", short: "t", value: true, choices: ["cloud-config", "network-config"], help: "the type of the file given with -c (default: cloud-config)" },
      { name: "instance-data", short: "i", value: true, help: `instance data for a jinja template (default: ${INSTANCE_DATA_SENSITIVE} for root, else ${INSTANCE_DATA})` },
      { name: "system", help: "validate this instance's user-data, vendor-data and network config, and the image's cloud.cfg" },
      { name: "annotate", help: "print the document with each problem marked at its line" },
    ],
  },
  async run(args, io) {
    const file = args.options["config-file"] as string | undefined;
    if (!file === !args.options.system) {
      io.stderr("Error:\nExpected one of --config-file or --system arguments\n");
      return 1;
    }
    if (args.options.system && process.getuid?.() !== 0) {
      io.stderr("Error:\nUnable to read system userdata or vendordata as non-root user. Try using sudo.\n");
      return 1;
    }
    let documents: Document[];
    if (file) {
      const text = io.host.readTextIfExists(argumentPath(file));
      if (text === undefined) {
        io.stderr(`Error:\nConfigfile ${file} does not exist\n`);
        return 1;
      }
      const type = ((args.options["schema-type"] as string | undefined) ?? "cloud-config") as SchemaType;
      documents = [{ name: file, text, type, requireHeader: true }];
    } else documents = systemDocuments(io.host);
    let failed = false;
    for (const doc of documents) {
      const result = check(doc, io, args.options["instance-data"] as string | undefined);
      if (!result) {
        failed = true;
        continue;
      }
      if (args.options.annotate && (result.errors.length || result.deprecations.length)) io.stdout(annotate(doc.text, result));
      if (result.deprecations.length) io.stderr(`Cloud config schema deprecations: ${result.deprecations.map(describeProblem).join(", ")}\n`);
      if (result.errors.length) {
        failed = true;
        io.stderr(`Invalid ${doc.type} ${doc.name}\nError:\nCloud config schema errors: ${result.errors.map(describeProblem).join(", ")}\n`);
      } else io.stdout(`Valid ${doc.type}: ${doc.name}\n`);
    }
    return failed ? 1 : 0;
  },
};

/** The document's problems; undefined (said on stderr) when it could not be prepared. */
function check(doc: Document, io: CommandIO, instanceDataFile: string | undefined): CheckResult | undefined {
  if (doc.type === "network-config") return checkNetworkConfig(doc.text, doc.name);
  let text = doc.text;
  if (JINJA_HEADER.test(text)) {
    const read = readInstanceDataFile(io.host, instanceDataFile === undefined ? undefined : argumentPath(instanceDataFile));
    if (!("data" in read)) {
      io.stderr(`Error:\n${doc.name}: a jinja template needs instance data: ${"invalid" in read ? read.invalid : `${read.path} does not exist (give one with --instance-data)`}\n`);
      return undefined;
    }
    const data = read.data;
    try {
      text = renderJinja(text.replace(JINJA_HEADER, ""), data).text;
    } catch (err) {
      io.stderr(`Error:\n${doc.name}: ${(err as Error).message}\n`);
      return undefined;
    }
  }
  return checkCloudConfig(text, MODULES.map((m) => m.schema), doc.name, doc.requireHeader);
}

/** This instance's processed user-data and vendor-data, its network config, and the image's configuration. */
function systemDocuments(host: Host): Document[] {
  const docs: Document[] = [];
  const iid = readInstanceId(host, `${DATA_DIR}/instance-id`);
  if (iid) {
    const parts: [string, string, SchemaType][] = [
      ["cloud-config.txt", "system userdata", "cloud-config"],
      ["vendor-cloud-config.txt", "system vendordata", "cloud-config"],
      ["vendor2-cloud-config.txt", "system vendordata2", "cloud-config"],
      ["network-config.json", "system network-config", "network-config"],
    ];
    for (const [file, name, type] of parts) {
      const text = host.readTextIfExists(instancePath(iid, file));
      if (text !== undefined) docs.push({ name, text, type, requireHeader: type === "cloud-config" });
    }
  }
  for (const path of [CONFIG_FILE, ...host.list(CONFIG_DIR).filter((f) => f.endsWith(".cfg")).sort().map((f) => `${CONFIG_DIR}/${f}`)]) {
    const text = host.readTextIfExists(path);
    if (text !== undefined) docs.push({ name: path, text, type: "cloud-config", requireHeader: false });
  }
  return docs;
}
