// Turns user-data (or vendor-data) into what the stages act on: one merged cloud-config,
// scripts for the final stage, boothooks for the network stage, and problems by part.
// Parsing is pure; fetching #include URLs and instance data come in through UserDataEnv.
import { isPlainObject, parseJson, parseYaml } from "../config/yaml";
import { mergeInto, parseMergeSpec, PART_MERGE } from "../config/merge";
import { JINJA_HEADER, renderJinja } from "./jinja";
import { applyJsonPatch } from "./json-patch";
import { MAX_PARTS, maybeGunzip, splitParts, type Part } from "./mime";

export type ScriptFrequency = "per-instance" | "per-boot" | "per-once" | "user";

export interface Script {
  filename: string;
  content: Buffer;
  frequency: ScriptFrequency;
}

export interface ProcessedUserData {
  cloudConfig: Record<string, unknown>;
  /** Every part after includes, archives and templates, as one MIME message (user-data.txt.i). */
  processed: Buffer;
  scripts: Script[];
  boothooks: Script[];
  /** Problems a part had; each names the part. The rest of the user-data still applies. */
  problems: string[];
}

export interface UserDataEnv {
  /** Fetches an #include URL (`once`: #include-once, kept for the instance). */
  fetch?: (url: string, once: boolean) => Promise<Buffer>;
  /** instance-data-sensitive.json, for `## template: jinja` parts (read only when one comes). */
  instanceData?: () => Record<string, unknown> | undefined;
  /** Whether a part of this content type is left out (vendor_data.disabled_handlers); it says why. */
  skip?: (type: string, where: string) => boolean;
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

/** The part types a user-data MIME part may declare, by cloud-init's short names ("cloud-config", "x-shellscript", ...). */
export function userDataTypes(): string[] {
  const types = [...STARTS.map(([, type]) => type), ...Object.keys(SCRIPT_TYPES)].filter((t) => t !== "text/upstart-job");
  return [...new Set(types.map((t) => t.replace(/^text\//, "")))].sort();
}

/** Includes nested deeper than this are refused (a URL that includes itself). */
const MAX_INCLUDE_DEPTH = 8;
/** Most bytes all #include URLs of one user-data may bring in together. */
export const MAX_INCLUDED_BYTES = 64 * 1024 * 1024;

export function typeOf(part: Part): string | undefined {
  const declared = part.contentType;
  if (declared && declared !== "text/plain" && declared !== "text/x-not-multipart") return declared;
  const head = part.body.subarray(0, 64).toString("utf8").replace(/^\s+/, "").toLowerCase();
  return STARTS.find(([prefix]) => head.startsWith(prefix))?.[1];
}

interface Named {
  part: Part;
  where: string;
}

/** What one user-data has used of its bounds so far, and its problems. */
interface Expansion {
  env: UserDataEnv;
  problems: string[];
  parts: number;
  includedBytes: number;
}

export async function processUserData(raw: Buffer, label = "user-data", env: UserDataEnv = {}): Promise<ProcessedUserData> {
  const out: ProcessedUserData = { cloudConfig: {}, processed: Buffer.alloc(0), scripts: [], boothooks: [], problems: [] };
  if (!raw.length) return out;
  const parts = await expand(raw, label, { env, problems: out.problems, parts: 0, includedBytes: 0 }, 0);
  out.processed = toMime(parts);
  let merged: unknown = undefined;
  parts.forEach(({ part, where }, index) => {
    const name = part.filename ?? `part-${String(index + 1).padStart(3, "0")}`;
    const type = typeOf(part);
    if (type && env.skip?.(type, where)) return;
    if (type === "text/cloud-config") {
      const config = parseCloudConfig(part.body.toString("utf8"), where, out.problems);
      if (!config) return;
      const spec = parseMergeSpec(config.merge_how ?? config.merge_type ?? part.headers["merge-type"]) ?? parseMergeSpec(PART_MERGE)!;
      // each part's config is freshly parsed and used once: folding in place keeps many parts linear
      merged = merged === undefined ? config : mergeInto(merged, config, spec);
    } else if (type === "text/cloud-config-jsonp") {
      try {
        const patch = parseJson(stripFirstLine(part.body).toString("utf8"));
        merged = applyJsonPatch(isPlainObject(merged) ? merged : {}, patch);
      } catch (err) {
        out.problems.push(`${where}: #cloud-config-jsonp: ${(err as Error).message}`);
      }
    } else if (type && type in SCRIPT_TYPES) {
      out.scripts.push({ filename: safeName(name), content: part.body, frequency: SCRIPT_TYPES[type] });
    } else if (type === "text/cloud-boothook") {
      out.boothooks.push({ filename: safeName(name), content: stripFirstLine(part.body), frequency: "per-boot" });
    } else if (type === "text/part-handler") {
      out.problems.push(`${where}: #part-handler parts run Python and are not supported by cloud-agent; part ignored`);
    } else if (type === undefined) {
      // never quote it: user-data may hold a password
      if (part.body.toString("utf8").trim()) out.problems.push(`${where}: unhandled: ${part.body.length} bytes that start with no known header (#cloud-config, #!, #include, ...) and are not MIME; ignored`);
    } else {
      out.problems.push(`${where}: content type ${type} is not handled by cloud-agent; part ignored`);
    }
  });
  if (isPlainObject(merged)) {
    const { merge_how: _how, merge_type: _type, ...rest } = merged;
    out.cloudConfig = rest;
  }
  return out;
}

/** Splits into parts and replaces includes, archives and templates by what they hold. */
async function expand(raw: Buffer, label: string, run: Expansion, depth: number): Promise<Named[]> {
  const { env, problems } = run;
  let parts: Part[];
  try {
    parts = splitParts(maybeGunzip(raw), MAX_PARTS - run.parts);
  } catch (err) {
    problems.push(`${label}: cannot be unpacked: ${(err as Error).message}`);
    return [];
  }
  run.parts += parts.length;
  const out: Named[] = [];
  for (const [i, part] of parts.entries()) {
    const where = parts.length > 1 ? `${label} ${part.filename ?? `part-${String(i + 1).padStart(3, "0")}`}` : label;
    const type = typeOf(part);
    if (type === "text/x-include-url" || type === "text/x-include-once-url") {
      for (const named of await includes(part, where, type.includes("once"), run, depth)) out.push(named);
    } else if (type === "text/cloud-config-archive") {
      for (const named of archiveParts(part, where, run)) out.push(named);
    } else if (type === "text/jinja2") {
      if (env.skip?.(type, where)) continue;
      const rendered = render(part, where, env, problems);
      if (rendered) out.push(rendered);
    } else {
      out.push({ part, where });
    }
  }
  return out;
}

async function includes(part: Part, where: string, once: boolean, run: Expansion, depth: number): Promise<Named[]> {
  const { env, problems } = run;
  // a URL may follow the header on its line; other lines starting with "#" are comments
  const urls = part.body
    .toString("utf8")
    .split("\n")
    .map((l) => l.trim().replace(/^#include(-once)?\s*/, ""))
    .filter((l) => l && !l.startsWith("#"));
  const out: Named[] = [];
  for (const given of urls) {
    const url = withoutCredentials(given);
    if (depth >= MAX_INCLUDE_DEPTH) {
      problems.push(`${where}: #include ${url}: includes nested deeper than ${MAX_INCLUDE_DEPTH}; not followed`);
    } else if (!env.fetch) {
      problems.push(`${where}: #include ${url}: fetching is not available here`);
    } else if (run.includedBytes >= MAX_INCLUDED_BYTES) {
      problems.push(`${where}: #include ${url}: the includes already brought ${MAX_INCLUDED_BYTES} bytes; not followed`);
    } else {
      try {
        const body = await env.fetch(given, once);
        run.includedBytes += body.length;
        if (run.includedBytes > MAX_INCLUDED_BYTES) throw new Error(`the includes together exceed ${MAX_INCLUDED_BYTES} bytes; refused`);
        for (const named of await expand(body, `${where} -> ${url}`, run, depth + 1)) out.push(named);
      } catch (err) {
        problems.push(`${where}: #include ${url} failed: ${withoutCredentials((err as Error).message)}`);
      }
    }
  }
  return out;
}

/** #cloud-config-archive: a YAML list of strings or {content, type, filename} mappings. */
function archiveParts(part: Part, where: string, run: Expansion): Named[] {
  const { problems } = run;
  let items: unknown;
  try {
    items = parseYaml(part.body.toString("utf8"));
  } catch (err) {
    problems.push(`${where}: invalid #cloud-config-archive YAML: ${(err as Error).message}`);
    return [];
  }
  if (!Array.isArray(items)) {
    problems.push(`${where}: #cloud-config-archive must be a list`);
    return [];
  }
  if (items.length > MAX_PARTS - run.parts) {
    problems.push(`${where}: #cloud-config-archive: more than ${MAX_PARTS} parts; refused`);
    return [];
  }
  run.parts += items.length;
  return items.flatMap((item, i): Named[] => {
    const entry = typeof item === "string" ? { content: item } : isPlainObject(item) ? item : undefined;
    if (!entry || entry.content === undefined) {
      problems.push(`${where} item ${i}: needs 'content'`);
      return [];
    }
    const body = Buffer.from(String(entry.content));
    const filename = typeof entry.filename === "string" ? entry.filename : undefined;
    const contentType = typeof entry.type === "string" ? entry.type.toLowerCase() : undefined;
    return [{ part: { body, filename, contentType, headers: {} }, where: `${where} item ${i}` }];
  });
}

/** Only #cloud-config, #! scripts and #cloud-boothook may come out of a template. */
function render(part: Part, where: string, env: UserDataEnv, problems: string[]): Named | undefined {
  const template = part.body.toString("utf8");
  if (!JINJA_HEADER.test(template)) {
    problems.push(`${where}: a jinja template must start with the line '## template: jinja'`);
    return undefined;
  }
  const instanceData = env.instanceData?.();
  if (!instanceData) {
    problems.push(`${where}: no instance data to render the jinja template with; part ignored`);
    return undefined;
  }
  try {
    const { text, missing } = renderJinja(template, instanceData);
    for (const name of missing) problems.push(`${where}: jinja variable '${name}' is not in the instance data`);
    const body = Buffer.from(text);
    const rendered: Part = { body, filename: part.filename, headers: part.headers };
    const type = typeOf(rendered);
    if (type !== "text/cloud-config" && type !== "text/cloud-boothook" && type !== "text/x-shellscript") {
      problems.push(`${where}: a rendered jinja template must be #cloud-config, a #! script or #cloud-boothook; part ignored`);
      return undefined;
    }
    return { part: rendered, where };
  } catch (err) {
    // nunjucks' message quotes the template's text, which may hold a secret: only where it failed
    const at = /\[Line (\d+), Column (\d+)\]/.exec((err as Error).message);
    problems.push(`${where}: jinja template error${at ? ` at line ${at[1]}, column ${at[2]}` : ""}; part ignored`);
    return undefined;
  }
}

/** The expanded parts as a multipart/mixed message, each with its type and file name. */
function toMime(parts: Named[]): Buffer {
  const boundary = "===============cloud-agent-processed==";
  const chunks: Buffer[] = [Buffer.from(`Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\nNumber-Attachments: ${parts.length}\n\n`)];
  parts.forEach(({ part }, i) => {
    const name = part.filename ?? `part-${String(i + 1).padStart(3, "0")}`;
    const type = typeOf(part) ?? "text/x-not-multipart";
    chunks.push(Buffer.from(`--${boundary}\nContent-Type: ${type}\nMIME-Version: 1.0\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="${name}"\n\n`));
    chunks.push(Buffer.from(`${part.body.toString("base64").replace(/.{76}/g, "$&\n")}\n`));
  });
  chunks.push(Buffer.from(`--${boundary}--\n`));
  return Buffer.concat(chunks);
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

/** URLs for messages: "user:password@" and the query (a presigned URL's signature) taken out. */
function withoutCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)(?:[^/@\s]*@)?([^?#\s:]*(?::\d+)?[^?#\s:]*)([?#][^\s:]*)?/gi, (_, scheme: string, rest: string, query?: string) => `${scheme}${rest}${query ? "?…" : ""}`);
}
