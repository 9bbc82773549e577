// `cloud-id [-j] [-l] [-i FILE]` (also `cloud-agent cloud-id`, and the `cloud-id` link): the
// platform as cloud-init names it, from instance-data.json. Exit 0, 1 error, 2 disabled, 3 not run.
import { isPlainObject, parseJson } from "../../config/yaml";
import { readCmdline } from "../../stages/env";
import { canonicalCloudId, INSTANCE_DATA } from "../../state/instance-data";
import { readSummary, stateJson } from "../../state/status-store";
import { argumentPath, type Command } from "../command";

export const cloudId: Command = {
  spec: {
    name: "cloud-id",
    summary: "Report the canonical cloud-id for this instance.",
    options: [
      { name: "json", short: "j", help: "report all standardized cloud-id information as json" },
      { name: "long", short: "l", help: "report extended cloud-id information as a tab-delimited string" },
      { name: "instance-data", short: "i", value: true, help: `path to instance-data.json (default: ${INSTANCE_DATA})` },
    ],
  },
  async run(args, io) {
    const { summary } = readSummary(io.host, readCmdline(io.host), (message) => io.stderr(`warning: ${message}\n`));
    if (summary.status === "disabled" || summary.status === "not started") {
      io.stdout(`${summary.status === "disabled" ? "disabled" : "not run"}\n`);
      return summary.status === "disabled" ? 2 : 3;
    }
    const path = (args.options["instance-data"] as string | undefined) ?? INSTANCE_DATA;
    const text = io.host.readTextIfExists(argumentPath(path));
    if (text === undefined) {
      io.stderr(`ERROR: File not found '${path}'. Provide a path to instance data json file using --instance-data\n`);
      return 1;
    }
    let doc: unknown;
    try {
      doc = parseJson(text);
    } catch (err) {
      io.stderr(`ERROR: File '${path}' is not valid json. ${(err as Error).message}\n`);
      return 1;
    }
    const v1 = isPlainObject(doc) && isPlainObject(doc.v1) ? { ...doc.v1 } : {};
    const field = (key: string) => (typeof v1[key] === "string" ? (v1[key] as string) : "unknown");
    const id = canonicalCloudId(field("cloud_name"), field("region"), field("platform"));
    if (args.options.json) {
      io.stderr("DEPRECATED: Use: cloud-init query v1\n");
      io.stdout(stateJson({ ...v1, cloud_id: id }));
    } else io.stdout(args.options.long ? `${id}\t${regionText(v1)}\n` : `${id}\n`);
    return 0;
  },
};

/** The region as cloud-init prints it: Python's str() of the value, so an unknown (null) region is "None". */
function regionText(v1: Record<string, unknown>): string {
  if (!Object.hasOwn(v1, "region")) return "unknown";
  return v1.region === null ? "None" : String(v1.region);
}
