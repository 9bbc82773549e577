// The one boundary between the agent and the machine: every path is resolved under
// `root` and every command runs inside it (through chroot when root is not "/").
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandError } from "./command-error";
import { runCommand, startDetached, type RunOptions, type RunResult } from "./exec";
import { fsyncFile, removeQuietly, replaceFile, replaceFiles, syncDirectory, TEMP_NAME, tempName } from "./replace-file";
import { spaceError } from "./space";
import { readUserFile, removeUserTemp, writeUserFile, type UserFileOptions } from "./user-files";

/**
 * The temps of writes into places users control, noted before each is made (root's, 0600):
 * sweepUserTemps finds there what a kill left among a user's files. Not fsynced: a kill
 * keeps the page cache, and a temp a power cut keeps without its note is never runnable.
 */
export const USER_TEMPS_FILE = "/var/lib/cloud/data/user-temps";
const USER_TEMPS_LIMIT = 1024 * 1024;

export interface HostOptions {
  root?: string;
  /** Kernel command line; read from ROOT/proc/cmdline when not given. */
  cmdline?: string;
}

export interface WriteOptions {
  /**
   * Durable before this call returns: first everything written through this Host so far
   * (see syncDirs), then this file's rename. For what must survive a power cut in order.
   */
  durable?: boolean;
  /**
   * Read only during this boot, through /run (which a reboot empties), and replaced by the
   * next boot before anything reads it (status.json, result.json): renamed into place with no
   * fsync of its own or of its directory, which could only keep it for nobody to read. Still
   * never half-written under its name; after a power cut it may be the older file, or empty on
   * filesystems without ext4's flush on rename.
   */
  thisBootOnly?: boolean;
}

export interface FileToWrite {
  path: string;
  data: string | Uint8Array;
  mode: number;
}

export class Host {
  readonly root: string;
  /** Directories (machine paths) whose entries changed since the last syncDirs. */
  private readonly unsynced = new Set<string>();

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
    this.makeDirectory(this.path(p), mode);
  }

  /**
   * Root-owned state: writes through a random hidden temp name (0600 until complete), fsync
   * and rename, so a crash never leaves a half-written file under the name, nor a runnable
   * one anywhere. The directory is fsynced by the next syncDirs (or now, with `durable`).
   * A file that already holds these bytes with this mode is left alone: most state is the
   * same on every boot, and each fsync costs. Anywhere a user may control, use writeUserFile.
   */
  writeAtomic(p: string, data: string | Uint8Array, mode = 0o644, options: WriteOptions = {}): void {
    const target = this.path(p);
    if (!sameContent(target, data, mode)) {
      this.makeDirectory(path.dirname(target));
      replaceFile(path.dirname(target), path.basename(target), data, mode, { shownAs: p, sync: !options.thisBootOnly });
      if (!options.thisBootOnly) this.unsynced.add(path.dirname(target));
    }
    if (options.durable) this.syncDirs([path.posix.dirname(p)]);
  }

  /**
   * writeAtomic for many files at once (user-data scripts): all written, their content made
   * durable in one go, then renamed into place. A write that fails replaces none of them.
   */
  writeAtomicAll(files: FileToWrite[]): void {
    const changed = files.filter((f) => !sameContent(this.path(f.path), f.data, f.mode));
    const entries = changed.map((f) => {
      const target = this.path(f.path);
      return { dir: path.dirname(target), name: path.basename(target), data: f.data, mode: f.mode, shownAs: f.path };
    });
    for (const dir of new Set(entries.map((e) => e.dir))) this.makeDirectory(dir);
    replaceFiles(entries, syncFilesystems);
    for (const e of entries) this.unsynced.add(e.dir);
  }

  /**
   * Makes the directory entries changed through this Host since the last call (and those of
   * `dirs`, guest paths) durable: one fsync per directory, however many files changed in it.
   * Stages call it before a semaphore that records the work as done.
   */
  syncDirs(dirs: string[] = []): void {
    for (const dir of dirs) this.unsynced.add(this.path(dir));
    for (const dir of this.unsynced) syncDirectory(dir);
    this.unsynced.clear();
  }

  /**
   * Makes durable everything written so far on the filesystems holding the root, `dirs`
   * (guest paths) and the directories changed through this Host, by this Host or by the
   * programs it ran (useradd, ssh-keygen, update-ca-certificates): one syncfs(2) per
   * filesystem. Work synced so is safe to record as done. Throws when a sync failed.
   */
  syncFilesystems(dirs: string[] = []): void {
    const byDevice = new Map<number, string>();
    for (const dir of [this.root, ...dirs.map((d) => this.path(d)), ...this.unsynced]) {
      const device = deviceOf(dir);
      if (device !== undefined && !byDevice.has(device)) byDevice.set(device, dir);
    }
    const paths = [...byDevice.values()];
    if (!syncFilesystems(paths)) throw new Error(`could not sync the filesystems of ${paths.join(", ")} (sync -f failed)`);
    // syncfs wrote every directory too
    this.unsynced.clear();
  }

  /** fsyncs files another program wrote (before they are renamed into place). */
  syncFiles(files: string[]): void {
    for (const file of files) fsyncFile(this.path(file));
  }

  /**
   * Removes temp files and directories a crash left behind (names only tempName makes) under
   * each directory, at any depth, never following a link. Returns their guest paths.
   */
  sweepTemps(dirs: string[]): string[] {
    const removed: string[] = [];
    const walk = (guest: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(this.path(guest), { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const child = `${guest}/${entry.name}`;
        if (!TEMP_NAME.test(entry.name)) {
          if (entry.isDirectory()) walk(child);
        } else if (entry.isFile() || entry.isSymbolicLink() || entry.isDirectory()) {
          fs.rmSync(this.path(child), { recursive: true, force: true });
          this.unsynced.add(this.path(guest));
          removed.push(child);
        }
      }
    };
    dirs.forEach(walk);
    return removed;
  }

  /**
   * Writes a file in a place a user may control (a home, write_files anywhere): no symlink
   * a user planted is followed, owner and mode are set on the descriptor (see user-files.ts).
   */
  writeUserFile(p: string, data: string | Uint8Array, options: UserFileOptions): void {
    writeUserFile(this.root, p, data, { ...options, noteTemp: (temp) => this.noteUserTemp(temp) });
  }

  /** Best effort: state that cannot be written (read-only) must not stop the user's file. */
  private noteUserTemp(guestTemp: string): void {
    let fd: number | undefined;
    try {
      this.makeDirectory(path.dirname(this.path(USER_TEMPS_FILE)));
      fd = fs.openSync(this.path(USER_TEMPS_FILE), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
      // one JSON string a line: a path holding a line break stays one entry
      fs.writeSync(fd, `${JSON.stringify(guestTemp)}\n`);
    } catch {
      // the write goes on; only a kill in the middle of it would leave its temp unnoted
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /**
   * Removes the temps USER_TEMPS_FILE notes that are still there (a write killed midway), each
   * reached as a user file is (links refused), then forgets them. Returns the removed paths.
   */
  sweepUserTemps(): { removed: string[]; problems: string[] } {
    const removed: string[] = [];
    const problems: string[] = [];
    let noted = "";
    try {
      noted = this.readUserFile(USER_TEMPS_FILE, 0, USER_TEMPS_LIMIT)?.toString("utf8") ?? "";
    } catch (err) {
      problems.push((err as Error).message);
    }
    for (const temp of new Set(noted.split("\n").flatMap(notedPath))) {
      try {
        if (removeUserTemp(this.root, temp)) removed.push(temp);
      } catch (err) {
        problems.push(`${temp}: ${(err as Error).message}`);
      }
    }
    this.remove(USER_TEMPS_FILE);
    return { removed, problems };
  }

  /** Reads a file in a place a user may control for `reader` (a uid), refusing what a user planted; bounded. */
  readUserFile(p: string, reader: number, limit?: number): Buffer | undefined {
    return readUserFile(this.root, p, reader, limit);
  }

  append(p: string, data: string | Uint8Array, mode = 0o644): void {
    const target = this.path(p);
    this.makeDirectory(path.dirname(target));
    try {
      fs.appendFileSync(target, data, { mode });
    } catch (err) {
      throw spaceError(err, target, Buffer.byteLength(data), p);
    }
  }

  chmod(p: string, mode: number): void {
    fs.chmodSync(this.path(p), mode);
  }

  rename(from: string, to: string): void {
    fs.renameSync(this.path(from), this.path(to));
    this.unsynced.add(path.dirname(this.path(from)));
    this.unsynced.add(path.dirname(this.path(to)));
  }

  /** Replaces `p` with a symlink to `target` (a guest path or a relative one). */
  symlink(target: string, p: string): void {
    const link = this.path(p);
    const temp = path.join(path.dirname(link), tempName(path.basename(link)));
    try {
      fs.symlinkSync(target, temp);
      fs.renameSync(temp, link);
      this.unsynced.add(path.dirname(link));
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
    this.unsynced.add(path.dirname(this.path(p)));
  }

  /** Copies a machine file (`from`, not under the root) to a guest path, as writeAtomic writes. */
  copyFile(from: string, to: string, mode: number): void {
    this.writeAtomic(to, fs.readFileSync(from), mode);
  }

  /** mkdir -p that remembers the parent of the first directory it made, for syncDirs. */
  private makeDirectory(dir: string, mode = 0o755): void {
    const first = fs.mkdirSync(dir, { recursive: true, mode });
    if (first !== undefined) this.unsynced.add(path.dirname(first));
  }

  /** Runs argv inside the root; never through a shell unless argv[0] is one. */
  run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return runCommand(this.root, argv, options);
  }

  /**
   * Runs argv and throws a CommandError unless it exits 0: the one way a module treats a
   * command that must succeed. `what` names it in the message (argv joined when not given);
   * `quoteOutput: false` for the user's own commands (see commandFailure).
   */
  async runChecked(argv: string[], options: RunOptions & { what?: string; quoteOutput?: boolean } = {}): Promise<RunResult> {
    const result = await runCommand(this.root, argv, options);
    if (result.code !== 0 || result.timedOut) throw new CommandError(options.what ?? argv.join(" "), result, options.quoteOutput);
    return result;
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

/** syncfs(2) through coreutils' `sync -f` (node has no binding); false when that failed. */
function syncFilesystems(dirs: string[]): boolean {
  return spawnSync("sync", ["-f", ...dirs], { stdio: "ignore" }).status === 0;
}

/** The device a directory is on; undefined when it is gone (nothing of it to sync). */
function deviceOf(dir: string): number | undefined {
  try {
    return fs.statSync(dir).dev;
  } catch {
    return undefined;
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

/** A line of USER_TEMPS_FILE: the absolute path of one of our temps, or nothing. */
function notedPath(line: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return [];
  }
  return typeof value === "string" && value.startsWith("/") && TEMP_NAME.test(path.posix.basename(value)) ? [value] : [];
}
