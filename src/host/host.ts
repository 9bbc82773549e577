// The one boundary between the agent and the machine: every path is resolved under
// `root` and every command runs inside it (through chroot when root is not "/").
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCommand, startDetached, type RunOptions, type RunResult } from "./exec";
import { removeQuietly, replaceFile, tempName } from "./replace-file";
import { readUserFile, writeUserFile, type UserFileOptions } from "./user-files";

export interface HostOptions {
  root?: string;
  /** Kernel command line; read from ROOT/proc/cmdline when not given. */
  cmdline?: string;
}

export class Host {
  readonly root: string;

  constructor(options: HostOptions = {}) {
    this.root = path.resolve(options.root ?? "/");
  }

  /** Maps a guest path (always absolute) to where it lives on this machine. */
  path(guestPath: string): string {
    if (!guestPath.startsWith("/")) throw new Error(`not an absolute path: ${guestPath}`);
    const normal = path.posix.normalize(guestPath);
    return this.root === "/" ? normal : path.join(this.root, normal);
  }

  exists(p: string): boolean {
    return fs.existsSync(this.path(p));
  }

  isDirectory(p: string): boolean {
    try {
      return fs.statSync(this.path(p)).isDirectory();
    } catch {
      return false;
    }
  }

  readText(p: string): string {
    return fs.readFileSync(this.path(p), "utf8");
  }

  readBytes(p: string): Buffer {
    return fs.readFileSync(this.path(p));
  }

  /** Reads a file, or returns undefined when it does not exist. */
  readTextIfExists(p: string): string | undefined {
    return unlessMissing(() => this.readText(p));
  }

  readBytesIfExists(p: string): Buffer | undefined {
    return unlessMissing(() => this.readBytes(p));
  }

  list(p: string): string[] {
    try {
      return fs.readdirSync(this.path(p)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  stat(p: string): fs.Stats | undefined {
    try {
      return fs.lstatSync(this.path(p));
    } catch {
      return undefined;
    }
  }

  /** Like stat(), but follows a symlink to what it points at. */
  statFollow(p: string): fs.Stats | undefined {
    try {
      return fs.statSync(this.path(p));
    } catch {
      return undefined;
    }
  }

  mkdirp(p: string, mode = 0o755): void {
    fs.mkdirSync(this.path(p), { recursive: true, mode });
  }

  /**
   * Root-owned state: writes through a random temp name, fsync and rename so a crash never
   * leaves a half-written file; the mode is set before the content lands, so secrets are
   * never world-readable. (The directory is not fsynced: a crash may lose the newest
   * version, never the file.) A file that already holds these bytes with this mode is left
   * alone: most state is the same on every boot, and each fsync costs.
   * Anywhere a user may control, use writeUserFile.
   */
  writeAtomic(p: string, data: string | Uint8Array, mode = 0o644): void {
    const target = this.path(p);
    if (sameContent(target, data, mode)) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    replaceFile(path.dirname(target), path.basename(target), data, mode);
  }

  /**
   * Writes a file in a place a user may control (a home, write_files anywhere): no symlink
   * a user planted is followed, owner and mode are set on the descriptor (see user-files.ts).
   */
  writeUserFile(p: string, data: string | Uint8Array, options: UserFileOptions): void {
    writeUserFile(this.root, p, data, options);
  }

  /** Reads a file in a place a user may control for `reader` (a uid), refusing what a user planted; bounded. */
  readUserFile(p: string, reader: number, limit?: number): Buffer | undefined {
    return readUserFile(this.root, p, reader, limit);
  }

  append(p: string, data: string | Uint8Array, mode = 0o644): void {
    const target = this.path(p);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.appendFileSync(target, data, { mode });
  }

  chmod(p: string, mode: number): void {
    fs.chmodSync(this.path(p), mode);
  }

  rename(from: string, to: string): void {
    fs.renameSync(this.path(from), this.path(to));
  }

  /** Replaces `p` with a symlink to `target` (a guest path or a relative one). */
  symlink(target: string, p: string): void {
    const link = this.path(p);
    const temp = path.join(path.dirname(link), tempName(path.basename(link)));
    try {
      fs.symlinkSync(target, temp);
      fs.renameSync(temp, link);
    } catch (err) {
      removeQuietly(temp);
      throw err;
    }
  }

  readlink(p: string): string | undefined {
    try {
      return fs.readlinkSync(this.path(p));
    } catch {
      return undefined;
    }
  }

  remove(p: string): void {
    fs.rmSync(this.path(p), { recursive: true, force: true });
  }

  copyFile(from: string, to: string, mode: number): void {
    const target = this.path(to);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), tempName(path.basename(target)));
    try {
      fs.copyFileSync(from, temp, fs.constants.COPYFILE_EXCL);
      const fd = fs.openSync(temp, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        fs.fchmodSync(fd, mode);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, target);
    } catch (err) {
      removeQuietly(temp);
      throw err;
    }
  }

  /** Makes named pipes (0600). A file operation, so the machine's own mkfifo does it. */
  makeFifos(paths: string[]): void {
    const result = spawnSync("mkfifo", ["-m", "0600", ...paths.map((p) => this.path(p))], { stdio: ["ignore", "ignore", "pipe"] });
    if (result.status !== 0) throw new Error(`mkfifo failed: ${result.stderr?.toString().trim() || result.error?.message}`);
  }

  /** Runs argv inside the root; never through a shell unless argv[0] is one. */
  run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return runCommand(this.root, argv, options);
  }

  /** Starts argv inside the root without waiting for it; it outlives the agent. */
  startDetached(argv: string[]): void {
    startDetached(this.root, argv);
  }

  /** Finds an executable the way the guest's PATH would. */
  which(name: string): string | undefined {
    for (const dir of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
      const candidate = `${dir}/${name}`;
      try {
        fs.accessSync(this.path(candidate), fs.constants.X_OK);
        return candidate;
      } catch {
        // not in this directory
      }
    }
    return undefined;
  }

  /** Seconds since boot, as /proc/uptime says (the host's kernel even under --root). */
  uptime(): number {
    try {
      return Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    } catch {
      return process.uptime();
    }
  }
}

/** Never follows a link: a link where a file should be is a difference, and gets replaced. */
function sameContent(target: string, data: string | Uint8Array, mode: number): boolean {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  let fd: number;
  try {
    fd = fs.openSync(target, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || (st.mode & 0o7777) !== mode || st.size !== bytes.length) return false;
    return fs.readFileSync(fd).equals(bytes);
  } finally {
    fs.closeSync(fd);
  }
}

function unlessMissing<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
