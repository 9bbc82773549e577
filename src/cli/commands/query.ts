// `query [--all | --list-keys | KEY]` over instance data: root reads the sensitive file
// (plus userdata/vendordata), others the redacted one.
import { isPlainObject } from "../../config/yaml";
import { DATA_DIR, instancePath } from "../../state/paths";
import { INSTANCE_DATA, INSTANCE_DATA_SENSITIVE } from "../../state/instance-data";
import { readInstanceId } from "../../state/instance";
import type { Command } from "../command";

export const query: Command = {
  spec: {
    name: "query",
    summary: "Query standardized instance metadata from the command line.",
    options: [
      { name: "all", short: "a", help: "dump all available instance-data" },
      { name: "list-keys", short: "l", help: "list keys of the instance data (or of the KEY given)" },
    ],
    positionals: [{ name: "varname", optional: true, help: "a dot-delimited key, e.g. v1.local_hostname or ds.meta_data" }],
  },
  async run(args, io) {
    const { host } = io;
    const root = process.getuid?.() === 0;
    const text = host.readTextIfExists(root ? INSTANCE_DATA_SENSITIVE : INSTANCE_DATA) ?? host.readTextIfExists(INSTANCE_DATA);
    if (text === undefined) {
      io.stderr(`Missing instance-data file: ${INSTANCE_DATA}. Is cloud-init done?\n`);
      return 1;
    }
    const data = JSON.parse(text) as Record<string, unknown>;
    const iid = readInstanceId(host, `${DATA_DIR}/instance-id`);
    if (root && iid) {
      data.userdata = host.readTextIfExists(instancePath(iid, "user-data.txt")) ?? "";
      data.vendordata = host.readTextIfExists(instancePath(iid, "vendor-data.txt")) ?? "";
    }
    if (isPlainObject(data.v1)) for (const [k, v] of Object.entries(data.v1)) if (!(k in data)) data[k] = v;
    const key = args.positionals[0];
    if (!key && !args.options.all && !args.options["list-keys"]) {
      io.stderr("Expected one of the options: --all, --format, --list-keys or varname\n");
      return 1;
    }
    let value: unknown = data;
    if (key) {
      for (const part of key.split(".")) {
        const found = isPlainObject(value) ? lookup(value, part) : undefined;
        if (found === undefined) {
          io.stderr(`Undefined instance-data key '${key}'\n`);
          return 1;
        }
        value = found;
      }
    }
    if (args.options["list-keys"]) {
      if (!isPlainObject(value)) {
        io.stderr(`--list-keys provided but '${key}' is not a dict\n`);
        return 1;
      }
      io.stdout(`${Object.keys(value).sort().join("\n")}\n`);
    } else {
      io.stdout(typeof value === "string" ? `${value}\n` : `${JSON.stringify(value, null, 1)}\n`);
    }
    return 0;
  },
};

/** Keys match as written or with jinja-hostile characters (-, ., /) read as "_". */
function lookup(obj: Record<string, unknown>, part: string): unknown {
  if (part in obj) return obj[part];
  const alias = Object.keys(obj).find((k) => k.replace(/[-./ ]/g, "_") === part);
  return alias === undefined ? undefined : obj[alias];
}
