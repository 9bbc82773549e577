// The pure half of the mounts module: cloud-config `mounts:` entries completed with
// defaults and merged into /etc/fstab, where the lines cloud-init manages carry
// "comment=cloudconfig" in their options and are replaced as a set on each run.
export const MANAGED = "comment=cloudconfig";

export type Field = string | null;

export interface Fstab {
  /** Lines not managed by cloud-init, as they are. */
  kept: string[];
  /** The first field of each kept line (a device already the user's). */
  devices: Set<string>;
  /** Managed lines from an earlier run. */
  managed: string[];
}

export function parseFstab(text: string): Fstab {
  const fstab: Fstab = { kept: [], devices: new Set(), managed: [] };
  for (const line of text.split("\n")) {
    if (line.includes(MANAGED)) fstab.managed.push(line);
    else if (line.trim()) {
      fstab.kept.push(line);
      if (!line.trim().startsWith("#")) fstab.devices.add(line.trim().split(/\s+/)[0]);
    } else if (fstab.kept.length) fstab.kept.push(line);
  }
  while (fstab.kept.at(-1) === "") fstab.kept.pop();
  return fstab;
}

/**
 * One `mounts:` item completed to six fields: null or missing fields take the default; the
 * result is null for an item that is not a list (reported by the caller).
 */
export function completeEntry(item: unknown, defaults: Field[]): Field[] | null {
  if (!Array.isArray(item) || item.length === 0) return null;
  const fields = item.slice(0, 6).map((v, i) => (v === null || v === undefined ? defaults[i] : String(v)));
  return [...fields, ...defaults.slice(fields.length)];
}

/** Entries whose mount point is null remove that device (and earlier entries for it). */
export function withoutRemoved(entries: Field[][]): string[][] {
  const removed = new Set<Field>();
  const out: string[][] = [];
  for (const entry of [...entries].reverse()) {
    if (entry[1] === null || removed.has(entry[0])) removed.add(entry[0]);
    else out.unshift(entry.map((f) => f ?? ""));
  }
  return out;
}

/** One fstab line; a field with white space (which would split it or, as a newline, add a line) is refused. */
export function fstabLine(entry: string[]): string {
  if (entry.some((field) => field === "" || /\s/.test(field))) throw new Error("an fstab field is empty or contains white space");
  return [entry[0], entry[1], entry[2], `${entry[3]},${MANAGED}`, entry[4], entry[5]].join("\t");
}

export function renderFstab(fstab: Fstab, lines: string[]): string {
  return `${[...fstab.kept, ...lines].join("\n")}\n`;
}

const UNITS: Record<string, number> = { "": 1, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** "512M", "2G", "1.5G", 1048576 -> bytes (cloud-init's human2bytes). */
export function humanToBytes(value: unknown): number {
  if (typeof value === "number") return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([BKMGT]?)B?\s*$/i.exec(String(value));
  if (!m) throw new Error("a swap size or maxsize is not a size (e.g. 512M, 2G)");
  return Math.floor(Number(m[1]) * UNITS[m[2].toUpperCase()]);
}

const GB = 2 ** 30;

/** cloud-init's suggested swap: memory-sized, capped by maxsize or a quarter of the free space. */
export function suggestedSwapSize(memory: number, available: number | undefined, maxsize?: number): number {
  let max = maxsize ?? memory * 2;
  if (available !== undefined) max = maxsize === undefined ? Math.min(Math.floor(available / 4), memory * 2) : Math.min(max, Math.floor(available * 0.9));
  const min = memory < 4 * GB ? memory : memory < 16 * GB ? 4 * GB : Math.round(Math.sqrt(memory / GB)) * GB;
  return Math.min(min, max);
}
