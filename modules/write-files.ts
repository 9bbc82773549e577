// write_files: files from cloud-config, written in the init stage (before users exist);
// entries with `defer: true` wait for write_files_deferred in the final stage. Every entry
// goes through Host's user-file walk: a path below a directory a user controls (a home, /tmp)
// never follows a link the user planted (cloud-init follows them).
import { gunzipSync } from "node:zlib";
import type { Config } from "../src/config/load";
import type { Schema } from "../src/config/schema";
import { isPlainObject } from "../src/config/yaml";
import { groupId, userId } from "../src/host/accounts";
import type { CloudConfigModule, ModuleContext } from "../src/module";

const ENTRY: Schema = {
  type: "object",
  required: ["path"],
  properties: {
    path: { type: "string" },
    content: { type: ["string", "object"] },
    source: { type: "object" },
    owner: { type: "string" },
    permissions: { type: ["string", "integer"] },
    encoding: { type: "string" },
    append: { type: "boolean" },
    defer: { type: "boolean" },
  },
};
const SCHEMA: Schema = { properties: { write_files: { type: "array", items: ENTRY } } };

export const writeFiles: CloudConfigModule = {
  name: "write_files",
  frequency: "once-per-instance",
  idempotent: withoutAppends,
  distros: "all",
  activateBy: ["write_files"],
  schema: SCHEMA,
  run: (ctx) => writeEntries(ctx, false),
};

export const writeFilesDeferred: CloudConfigModule = {
  name: "write_files_deferred",
  frequency: "once-per-instance",
  idempotent: withoutAppends,
  distros: "all",
  activateBy: ["write_files"],
  schema: SCHEMA,
  run: (ctx) => writeEntries(ctx, true),
};

/** Writing a file again gives the same file; appending again does not. */
function withoutAppends(config: Config): boolean {
  const entries = config.write_files;
  return !Array.isArray(entries) || !entries.some((e) => isPlainObject(e) && e.append === true);
}

async function writeEntries(ctx: ModuleContext, deferred: boolean) {
  const entries = ctx.config.write_files;
  if (!Array.isArray(entries)) throw new TypeError("write_files must be a list");
  const failures: string[] = [];
  const chosen = entries.filter((e) => isPlainObject(e) && Boolean(e.defer) === deferred);
  if (!chosen.length) return { skipped: deferred ? "no deferred entries" : "only deferred entries" };
  // Every entry is attempted; one bad entry (unknown owner, bad path) does not stop the others.
  for (const entry of chosen as Record<string, unknown>[]) {
    try {
      writeEntry(ctx, entry);
    } catch (err) {
      failures.push(`${String(entry.path)}: ${(err as Error).message}`);
    }
  }
  if (failures.length) throw new Error(`could not write ${failures.join("; ")}`);
}

function writeEntry({ host, log }: ModuleContext, entry: Record<string, unknown>): void {
  if (typeof entry.path !== "string" || !entry.path) throw new Error("an entry has no path");
  const path = entry.path.startsWith("/") ? entry.path : `/${entry.path}`;
  if (entry.source !== undefined) log.warn(`${path}: 'source' is not supported yet; using 'content'`);
  const data = decodeContent(entry.content ?? "", String(entry.encoding ?? "text/plain"), log.warn.bind(log));
  const mode = permissions(entry.permissions, (m) => log.warn(`${path}: ${m}`));
  const [uid, gid] = owner(host, String(entry.owner ?? "root:root"));
  host.writeUserFile(path, data, { mode, owner: { uid, gid }, append: entry.append === true, parent: { mode: 0o755, owner: { uid, gid } } });
  log.debug(`wrote ${path} (${data.length} bytes, mode ${mode.toString(8)})`);
}

/** Inflated content beyond this is refused: a small gzip can unpack to gigabytes. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** b64/base64, gz/gzip and their combinations, as cloud-init decodes them. */
export function decodeContent(content: unknown, encoding: string, warn: (m: string) => void): Buffer {
  const raw = content instanceof Uint8Array ? Buffer.from(content) : Buffer.from(String(content), "utf8");
  const enc = encoding.trim().toLowerCase();
  if (["gz+b64", "gz+base64", "gzip+b64", "gzip+base64"].includes(enc)) return gunzip(Buffer.from(raw.toString("latin1"), "base64"));
  if (enc === "b64" || enc === "base64") return Buffer.from(raw.toString("latin1"), "base64");
  if (enc === "gz" || enc === "gzip") return gunzip(raw);
  if (enc !== "text/plain") warn(`unknown encoding ${encoding}, assuming text/plain`);
  return raw;
}

function gunzip(bytes: Buffer): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw new Error(`gzip content inflates past ${MAX_INFLATED_BYTES} bytes; not written`);
    throw new Error(`gzip content does not inflate: ${(err as Error).message}`);
  }
}

/** YAML ints are used as they are (0644 is already 420); strings are read as octal. */
export function permissions(value: unknown, warn: (m: string) => void): number {
  if (value === undefined || value === null) return 0o644;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  const text = String(value).trim().replace(/^0o/i, "");
  if (/^[0-7]+$/.test(text)) return parseInt(text, 8);
  warn(`undecodable permissions ${JSON.stringify(value)}, using 0644`);
  return 0o644;
}

function owner(host: ModuleContext["host"], spec: string): [number, number] {
  const [user, group] = spec.split(":");
  const ignore = (s: string | undefined) => !s || s === "-1" || s.toLowerCase() === "none";
  const uid = ignore(user) ? -1 : userId(host, user);
  const gid = ignore(group) ? -1 : groupId(host, group);
  if (uid === undefined) throw new Error(`unknown user ${user}`);
  if (gid === undefined) throw new Error(`unknown group ${group}`);
  return [uid, gid];
}
