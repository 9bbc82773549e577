// Turns user-data (or vendor-data) into what the stages act on: one merged cloud-config,
// scripts for the final stage, boothooks for the network stage, and problems by part.
import { isPlainObject, parseYaml } from "../config/yaml";
import { mergeWith, parseMergeSpec, PART_MERGE } from "../config/merge";
import { maybeGunzip, splitParts, type Part } from "./mime";

export type ScriptFrequency = "per-instance" | "per-boot" | "per-once" | "user";

export interface Script {
  filename: string;
  content: Buffer;
  frequency: ScriptFrequency;
}

export interface ProcessedUserData {
  cloudConfig: Record<string, unknown>;
  scripts: Script[];
  boothooks: Script[];
  /** Problems a part had; each names the part. The rest of the user-data still applies. */
  problems: string[];
}

/** First-line headers and MIME types (cloudinit/handlers INCLUSION_TYPES_MAP). */
const STARTS: [string, string][] = [
  ["#include-once", "text/x-include-once-url"],
  ["#include", "text/x-include-url"],
  ["#cloud-config-archive", "text/cloud-config-archive"],
  ["#cloud-config-jsonp", "text/cloud-config-jsonp"],
  ["#cloud-config", "text/cloud-config"],
  ["#cloud-boothook", "text/cloud-boothook"],
  ["#part-handler", "text/part-handler"],
  ["#upstart-job", "text/upstart-job"],
  ["## template: jinja", "text/jinja2"],
  ["#!", "text/x-shellscript"],
];

const SCRIPT_TYPES: Record<string, ScriptFrequency> = {
  "text/x-shellscript": "user",
  "text/x-shellscript-per-boot": "per-boot",
  "text/x-shellscript-per-instance": "per-instance",
  "text/x-shellscript-per-once": "per-once",
};

export function typeOf(part: Part): string | undefined {
  const declared = part.contentType;
  if (declared && declared !== "text/plain" && declared !== "text/x-not-multipart") return declared;
  const head = part.body.subarray(0, 64).toString("utf8").replace(/^\s+/, "").toLowerCase();
  return STARTS.find(([prefix]) => head.startsWith(prefix))?.[1];
}

export function processUserData(raw: Buffer, label = "user-data"): ProcessedUserData {
  const out: ProcessedUserData = { cloudConfig: {}, scripts: [], boothooks: [], problems: [] };
  if (!raw.length) return out;
  let parts: Part[];
  try {
    parts = splitParts(maybeGunzip(raw));
  } catch (err) {
    out.problems.push(`${label}: cannot be unpacked: ${(err as Error).message}`);
    return out;
  }
  let merged: unknown = undefined;
  parts.forEach((part, index) => {
    const name = part.filename ?? `part-${String(index + 1).padStart(3, "0")}`;
    const where = parts.length > 1 ? `${label} ${name}` : label;
    const type = typeOf(part);
    if (type === "text/cloud-config") {
      const config = parseCloudConfig(part.body.toString("utf8"), where, out.problems);
      if (!config) return;
      const spec = parseMergeSpec(config.merge_how ?? config.merge_type ?? part.headers["merge-type"]) ?? parseMergeSpec(PART_MERGE)!;
      merged = merged === undefined ? config : mergeWith(merged, config, spec);
    } else if (type && type in SCRIPT_TYPES) {
      out.scripts.push({ filename: safeName(name), content: part.body, frequency: SCRIPT_TYPES[type] });
    } else if (type === "text/cloud-boothook") {
      out.boothooks.push({ filename: safeName(name), content: stripFirstLine(part.body), frequency: "per-boot" });
    } else if (type === undefined) {
      if (part.body.toString("utf8").trim()) out.problems.push(`${where}: unhandled non-multipart user-data starting '${firstLine(part.body)}'`);
    } else {
      out.problems.push(`${where}: content type ${type} is not handled yet by cloud-agent; part ignored`);
    }
  });
  if (isPlainObject(merged)) {
    const { merge_how: _how, merge_type: _type, ...rest } = merged;
    out.cloudConfig = rest;
  }
  return out;
}

function parseCloudConfig(text: string, where: string, problems: string[]): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    problems.push(`${where}: invalid cloud-config YAML: ${(err as Error).message}`);
    return undefined;
  }
  if (value === null || value === undefined) return undefined;
  if (!isPlainObject(value)) {
    problems.push(`${where}: cloud-config must be a mapping at the top level`);
    return undefined;
  }
  return value;
}

/** A part's file name can come from a MIME header: keep it inside the scripts directory. */
function safeName(name: string): string {
  const base = name.split("/").pop()!.replace(/[^A-Za-z0-9._-]/g, "_");
  return base && base !== "." && base !== ".." ? base : "part";
}

function stripFirstLine(body: Buffer): Buffer {
  const nl = body.indexOf(0x0a);
  return nl < 0 ? Buffer.alloc(0) : body.subarray(nl + 1);
}

function firstLine(body: Buffer): string {
  return body.subarray(0, 80).toString("utf8").split("\n")[0];
}
