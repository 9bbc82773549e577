// The one way a file's content is replaced: a new file under a random name that nobody
// could have planted (O_EXCL|O_NOFOLLOW), created 0600 and given its mode only once the
// content is complete and on disk, then renamed over the old name. Whatever fails, the temp
// file goes, and the previous version stays as it was.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { spaceError } from "./space";

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY } = fs.constants;

export interface Owner {
  /** -1 leaves the uid (or gid) as the creating process has it. */
  uid: number;
  gid: number;
}

export interface ReplaceOptions {
  owner?: Owner;
  /** fsync the file before the rename (the default); false when the caller syncs the batch or the file needs no durability. */
  sync?: boolean;
  /** The path a message names (a guest path), when `dir` is not one a reader knows. */
  shownAs?: string;
  /** The temp's name in `dir` (a tempName), when the caller must know it before it exists. */
  temp?: string;
}

/** Room for the marker and suffix within a 255-byte name. */
const MAX_STEM = 200;

/**
 * A sibling name for a file on its way in: unguessable, so no one can have put a link there;
 * hidden, so a listing (or a run-parts directory) passes it over; recognisable by
 * TEMP_NAME, so a temp left by a crash can be swept.
 */
export function tempName(name: string): string {
  return `.${name.slice(0, MAX_STEM)}.tmp-${randomBytes(8).toString("hex")}`;
}

/** Names made by tempName, and only those. */
export const TEMP_NAME = /^\..*\.tmp-[0-9a-f]{16}$/s;

/**
 * `dir` is a directory path as the kernel resolves it (a real one, or /proc/self/fd/N).
 * Until its content is complete and durable the temp is 0600: never runnable, never readable
 * by others, even if a crash leaves it half written.
 */
export function replaceFile(dir: string, name: string, data: string | Uint8Array, mode: number, options: ReplaceOptions = {}): void {
  const temp = `${dir}/${options.temp ?? tempName(name)}`;
  try {
    writeTemp(temp, data, mode, options);
    fs.renameSync(temp, `${dir}/${name}`);
  } catch (err) {
    removeQuietly(temp);
    throw spaceError(err, `${dir}/${name}`, Buffer.byteLength(data), options.shownAs);
  }
}

export interface NewFile {
  dir: string;
  name: string;
  data: string | Uint8Array;
  mode: number;
  shownAs?: string;
}

/**
 * From this many files on, one syncfs(2) of the filesystem is cheaper than an fsync per file
 * (10,000 small files: 0.6 s against 8 s on ext4), and it costs a fixed ~tens of ms however
 * few files there are.
 */
export const SYNCFS_FROM = 64;

/**
 * Replaces many files as replaceFile does each: every temp is written first, the content is
 * made durable once for the batch (syncFilesystems; false when it could not, and each file is
 * fsynced instead), then each is renamed into place. When a write fails no file of the batch
 * is replaced, and no temp is left.
 */
export function replaceFiles(files: NewFile[], syncFilesystems: (dirs: string[]) => boolean): void {
  const temps: string[] = [];
  const batched = files.length >= SYNCFS_FROM;
  try {
    for (const f of files) {
      const temp = `${f.dir}/${tempName(f.name)}`;
      temps.push(temp);
      try {
        writeTemp(temp, f.data, batched ? undefined : f.mode, { sync: !batched });
      } catch (err) {
        throw spaceError(err, `${f.dir}/${f.name}`, Buffer.byteLength(f.data), f.shownAs);
      }
    }
    if (batched && !syncFilesystems([...new Set(files.map((f) => f.dir))])) temps.forEach(fsyncFile);
    files.forEach((f, i) => {
      if (batched) setMode(temps[i], f.mode);
      fs.renameSync(temps[i], `${f.dir}/${f.name}`);
      temps[i] = "";
    });
  } catch (err) {
    for (const temp of temps) if (temp) removeQuietly(temp);
    throw err;
  }
}

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The mode comes last: after chown (which clears set-id bits), and after the content is on
 * disk, so neither a kill nor a power cut leaves a runnable file that is not complete.
 * (Journalled filesystems commit the chmod no later than the rename that follows it.)
 */
/** `mode` undefined: the temp stays 0600 until its batch is durable (setMode). */
function writeTemp(temp: string, data: string | Uint8Array, mode: number | undefined, { owner, sync = true }: ReplaceOptions): void {
  const fd = fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
    fs.writeFileSync(fd, data);
    if (sync) fs.fsyncSync(fd);
    if (mode !== undefined) fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}

/** The batch's second half of writeTemp: once the content is durable, the mode. */
function setMode(temp: string, mode: number): void {
  const fd = fs.openSync(temp, O_RDONLY | O_NOFOLLOW);
  try {
    fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Makes renames and new names in a directory durable: after a power cut the directory holds
 * the new file, not the old one or none. A directory that cannot be opened (gone since) is
 * skipped; a failing fsync is an I/O error and is thrown.
 */
export function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY);
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Cleanup after a failure: the original error is the one worth reporting. */
export function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone, or never made
  }
}
