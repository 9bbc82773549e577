// Parsing YAML is the costliest step of a boot with nothing to do, and every stage reads
// the same files. Parsed results are kept, keyed by each file's inode, size, mtime and ctime
// (an edit that restores the mtime still moves the ctime), in one 0600 file (config can hold
// secrets); a file that changed is parsed again. The cache is only ever a shortcut: one that
// is not what we wrote is dropped with a warning and rebuilt, never taken as a verdict.
import type { Host } from "../host/host";
import { DATA_DIR } from "../state/paths";
import { VERSION } from "../version";
import { parseYaml } from "./yaml";

const CACHE_FILE = `${DATA_DIR}/yaml-cache.json`;

type Entry = { signature: string; value?: unknown; error?: string };

export class YamlCache {
  private entries: Record<string, Entry> | undefined;
  private dirty = false;

  constructor(
    private readonly host: Host,
    private readonly warn: (message: string) => void,
  ) {}

  /** The parsed file; undefined when it does not exist; throws the parse error, as parseYaml. */
  read(path: string): { text: string | undefined; value: unknown } | undefined {
    const signature = this.signature(path);
    if (signature === undefined) return undefined;
    const hit = this.load()[path];
    if (hit?.signature === signature) {
      if (hit.error !== undefined) throw new Error(hit.error);
      return { text: undefined, value: hit.value };
    }
    const text = this.host.readText(path);
    try {
      const value = parseYaml(text);
      this.remember(path, { signature, value });
      return { text, value };
    } catch (err) {
      this.remember(path, { signature, error: (err as Error).message });
      throw err;
    }
  }

  /** Keeps what a stage already parsed for a file it has just written. */
  prime(path: string, value: unknown): void {
    const signature = this.signature(path);
    if (signature !== undefined) this.remember(path, { signature, value });
  }

  save(): void {
    if (!this.dirty || !this.host.isDirectory(DATA_DIR)) return;
    // bytes (YAML !!binary) survive the round trip as {"$bytes": base64}
    const json = JSON.stringify(this.entries, (_k, v: unknown) => (v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString("base64") } : v));
    this.host.writeAtomic(CACHE_FILE, json, 0o600);
    this.dirty = false;
  }

  private signature(path: string): string | undefined {
    const st = this.host.statFollow(path);
    // the parse rules are the binary's: another version parses every file again
    return st?.isFile() ? `${VERSION}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : undefined;
  }

  private remember(path: string, entry: Entry): void {
    this.load()[path] = entry;
    this.dirty = true;
  }

  private load(): Record<string, Entry> {
    if (!this.entries) {
      this.entries = Object.create(null) as Record<string, Entry>;
      let stored: unknown;
      try {
        const revive = (_k: string, v: unknown) =>
          v && typeof v === "object" && typeof (v as { $bytes?: unknown }).$bytes === "string" ? Buffer.from((v as { $bytes: string }).$bytes, "base64") : v;
        stored = JSON.parse(this.host.readTextIfExists(CACHE_FILE) ?? "{}", revive);
      } catch (err) {
        stored = err;
      }
      if (stored === null || typeof stored !== "object" || Array.isArray(stored) || stored instanceof Error) {
        this.warn(`${CACHE_FILE} is not a cache this agent wrote (${stored instanceof Error ? "not JSON" : kindOf(stored)}); every file is parsed again and the cache rebuilt`);
        this.dirty = true;
        return this.entries;
      }
      // an entry of the wrong shape is a miss: that file alone is parsed again
      for (const [path, entry] of Object.entries(stored)) if (isEntry(entry)) this.entries[path] = entry;
    }
    return this.entries;
  }
}

function isEntry(value: unknown): value is Entry {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.signature === "string" && (typeof entry.error === "string" || (entry.error === undefined && "value" in entry));
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "a list" : `a ${typeof value}`;
}
