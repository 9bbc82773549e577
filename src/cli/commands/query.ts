// `query [--all | --list-keys | KEY | --format TEMPLATE] [-i FILE] [-u FILE] [-v FILE]` over
// instance data: root reads the sensitive file (plus userdata/vendordata), others the
// redacted one. --format renders a Jinja template with the engine user-data templates use.
import { isPlainObject } from "../../config/yaml";
import { renderJinja } from "../../userdata/jinja";
import { DATA_DIR, instancePath } from "../../state/paths";
import { INSTANCE_DATA, INSTANCE_DATA_SENSITIVE, readInstanceDataFile } from "../../state/instance-data";
import { readInstanceId } from "../../state/instance";
import { argumentPath, type Command } from "../command";

export const query: Command = {
  spec: {
    name: "query",
    summary: "Query standardized instance metadata from the command line.",
    options: [
      { name: "all", short: "a", help: "dump all available instance-data" },
      { name: "list-keys", short: "l", help: "list keys of the instance data (or of the KEY given)" },
      { name: "format", short: "f", value: true, help: "a Jinja template over the instance data, e.g. '{{ v1.local_hostname }}'" },
      { name: "instance-data", short: "i", value: true, help: `the instance data file (default: ${INSTANCE_DATA_SENSITIVE} for root, else ${INSTANCE_DATA})` },
      { name: "user-data", short: "u", value: true, help: "the user-data file behind the userdata key (default: this instance's user-data.txt; root only)" },
      { name: "vendor-data", short: "v", value: true, help: "the vendor-data file behind the vendordata key (default: this instance's vendor-data.txt; root only)" },
    ],
    positionals: [{ name: "varname", optional: true, help: "a dot-delimited key, e.g. v1.local_hostname or ds.meta_data" }],
  },
  async run(args, io) {
    const { host } = io;
    const root = process.getuid?.() === 0;
    const given = args.options["instance-data"] as string | undefined;
    const read = readInstanceDataFile(host, given === undefined ? undefined : argumentPath(given));
    if ("missing" in read) {
      io.stderr(given ? `Missing instance-data file: ${given}\n` : `Missing instance-data file: ${INSTANCE_DATA}. Is cloud-init done?\n`);
      return 1;
    }
    if ("invalid" in read) {
      io.stderr(`Instance data ${read.invalid}\n`);
      return 1;
    }
    const data = read.data;
    const iid = readInstanceId(host, `${DATA_DIR}/instance-id`);
    // user-data may hold secrets: only root reads it, as cloud-init
    if (root) {
      const userData = (args.options["user-data"] as string | undefined) ?? (iid ? instancePath(iid, "user-data.txt") : undefined);
      const vendorData = (args.options["vendor-data"] as string | undefined) ?? (iid ? instancePath(iid, "vendor-data.txt") : undefined);
      data.userdata = (userData && host.readTextIfExists(argumentPath(userData))) ?? "";
      data.vendordata = (vendorData && host.readTextIfExists(argumentPath(vendorData))) ?? "";
    }
    if (isPlainObject(data.v1)) for (const [k, v] of Object.entries(data.v1)) if (!(k in data)) data[k] = v;
    const format = args.options.format as string | undefined;
    if (format !== undefined) {
      try {
        io.stdout(`${renderJinja(format, data).text}\n`);
        return 0;
      } catch (err) {
        io.stderr(`query --format: ${(err as Error).message}\n`);
        return 1;
      }
    }
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
