// A full disk named: which filesystem (its mount point, from /proc/self/mountinfo) and how
// many bytes the write needed, so the log says what to grow or clean.
import * as fs from "node:fs";
import * as path from "node:path";

export interface Mount {
  point: string;
  type: string;
}

/** The mount holding `file` (the longest mount point above it), or undefined without /proc. */
export function mountOf(file: string, mountinfo = readMountinfo()): Mount | undefined {
  if (mountinfo === undefined) return undefined;
  const real = realDirectory(file);
  let best: Mount | undefined;
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (fields.length < 5 || dash < 0) continue;
    const point = fields[4].replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    const inside = point === "/" || real === point || real.startsWith(`${point}/`);
    // a later line with the same mount point is mounted over the earlier one
    if (inside && (!best || point.length >= best.point.length)) best = { point, type: fields[dash + 1] ?? "?" };
  }
  return best;
}

/**
 * ENOSPC (and EDQUOT) rewritten to name the filesystem and the bytes needed; the code stays,
 * so callers can still tell it apart. Any other error is returned as it is.
 */
export function spaceError(err: unknown, file: string, needed: number, shownAs = file): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== "ENOSPC" && code !== "EDQUOT") return err;
  const mount = mountOf(file);
  const where = mount ? `the ${mount.type} filesystem mounted at ${mount.point}` : `the filesystem holding ${path.dirname(shownAs)}`;
  const free = available(path.dirname(file));
  const left = free === undefined ? "" : `, ${free} available`;
  const reason = code === "EDQUOT" ? "disk quota exceeded" : "no space left";
  const wrapped = new Error(`${reason} on ${where}: writing ${shownAs} needed ${needed} bytes${left}; the previous version is kept`) as NodeJS.ErrnoException;
  wrapped.code = code;
  return wrapped;
}

function readMountinfo(): string | undefined {
  try {
    return fs.readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return undefined;
  }
}

/** The real path of the directory holding `file` (which may not exist yet, or be /proc/self/fd/N/x). */
function realDirectory(file: string): string {
  try {
    return fs.realpathSync(path.dirname(file));
  } catch {
    return path.resolve(path.dirname(file));
  }
}

function available(dir: string): number | undefined {
  try {
    const st = fs.statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}
