// Files in places a user may control (homes, anything below a directory a non-root user
// owns or others may write), written and read by root without following what a user planted.
// The path is walked one component at a time from the root, each directory held open:
// Node has no openat(2), so the next name is opened through /proc/self/fd/<fd>/<name>, which
// resolves to the directory we hold (not to a path a user could swap meanwhile) and lets
// O_NOFOLLOW apply to <name> alone. Symlinks are followed only inside directories no user
// controls (/home -> /srv/home is fine); below the point where a user gains control a
// symlink, a non-regular file or a file with a second hard link is refused, and old content
// is handed on only to someone who could read it already: a hard link to /etc/shadow that
// went stale when shadow was rewritten has one link left, but it is still root's 0640 file.
import * as fs from "node:fs";
import * as path from "node:path";
import { replaceFile, TEMP_NAME, tempName, type Owner } from "./replace-file";
import { spaceError } from "./space";

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = fs.constants;
// Without /proc (a minimal container) directories are opened by their real path instead:
// each is still lstat-checked and opened O_NOFOLLOW, but a component checked earlier could
// be swapped before a later open. The /proc route has no such window.
const BY_DESCRIPTOR = fs.existsSync("/proc/self/fd");
const MAX_SYMLINKS = 40;
export const USER_FILE_READ_LIMIT = 1024 * 1024;

export interface UserFileOptions {
  mode: number;
  owner?: Owner;
  /** Adds to the end of the file (made if missing) instead of replacing it. */
  append?: boolean;
  /** For the file's directory when it has to be made; directories made above it are root's, 0755. */
  parent?: { mode: number; owner?: Owner };
  /**
   * Told the temp's guest path before the temp is made: our sweep at boot covers only our own
   * directories, so one a kill leaves among a user's files is found again through this note.
   */
  noteTemp?: (guestTemp: string) => void;
}

interface Dir {
  fd: number;
  /** The directory as the kernel should resolve it. */
  ref: string;
  guest: string;
  /** A user (not root) could have put or changed entries here, or in a directory above. */
  userControlled: boolean;
}

/** Replaces (or appends to) the file at guestPath under root; see the header for what is refused. */
export function writeUserFile(root: string, guestPath: string, data: string | Uint8Array, options: UserFileOptions): void {
  // an append, like cloud-init's, lands where a root-made link points (/etc/resolv.conf)
  withParent(root, guestPath, options.parent ?? { mode: 0o755 }, options.append === true, (dir, name) => {
    const guest = child(dir, name);
    if (options.append) return appendTo(dir, name, guest, data, options);
    const existing = lstat(`${dir.ref}/${name}`);
    if (existing && dir.userControlled) checkUserFile(existing, guest);
    const temp = tempName(name);
    options.noteTemp?.(child(dir, temp));
    replaceFile(dir.ref, name, data, options.mode, { owner: options.owner, shownAs: guest, temp });
    // the new name durable too: write_files' file must not vanish in a power cut its semaphore survives
    fs.fsyncSync(dir.fd);
  });
}

/**
 * Removes a temp a write into a user's place left (noted by noteTemp), walking there as a
 * write does: only a regular file with one link and our temp name goes. Returns whether one did.
 */
export function removeUserTemp(root: string, guestPath: string): boolean {
  return (
    withParent(root, guestPath, undefined, false, (dir, name) => {
      const st = lstat(`${dir.ref}/${name}`);
      if (!TEMP_NAME.test(name) || !st?.isFile() || st.nlink !== 1) return false;
      fs.unlinkSync(`${dir.ref}/${name}`);
      return true;
    }) ?? false
  );
}

/**
 * The file's bytes, or undefined when it (or a directory above it) does not exist. `reader`
 * is the uid the content is read for (it ends up in its file, or on the console for it).
 */
export function readUserFile(root: string, guestPath: string, reader: number, limit = USER_FILE_READ_LIMIT): Buffer | undefined {
  return withParent(root, guestPath, undefined, false, (dir, name) => {
    const guest = child(dir, name);
    let fd: number;
    try {
      fd = fs.openSync(`${dir.ref}/${name}`, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw refusal(err, guest);
    }
    try {
      const st = fs.fstatSync(fd);
      if (dir.userControlled) {
        checkUserFile(st, guest);
        if (reader > 0 && st.uid !== reader && (st.mode & 0o004) === 0) throw new Error(`${guest} belongs to uid ${st.uid}, not to uid ${reader}, and is not world-readable; refused`);
      } else if (!st.isFile()) throw new Error(`${guest} is not a regular file; refused`);
      if (st.size > limit) throw new Error(`${guest} is larger than ${limit} bytes; not read`);
      const buffer = Buffer.allocUnsafe(limit + 1);
      let length = 0;
      for (let n; length <= limit && (n = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
      if (length > limit) throw new Error(`${guest} grew past ${limit} bytes while read; not read`);
      return buffer.subarray(0, length);
    } finally {
      fs.closeSync(fd);
    }
  });
}

function appendTo(dir: Dir, name: string, guest: string, data: string | Uint8Array, options: UserFileOptions): void {
  let fd: number;
  try {
    // O_NOFOLLOW holds with O_CREAT too: a planted link (even a dangling one) fails with ELOOP
    fd = fs.openSync(`${dir.ref}/${name}`, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600);
  } catch (err) {
    throw refusal(err, guest);
  }
  try {
    const st = fs.fstatSync(fd);
    if (dir.userControlled) {
      checkUserFile(st, guest);
      checkAppendKeepsPrivate(st, guest, options.mode, options.owner);
    } else if (!st.isFile()) throw new Error(`${guest} is not a regular file; refused`);
    if (options.owner) fs.fchownSync(fd, options.owner.uid, options.owner.gid);
    fs.fchmodSync(fd, options.mode);
    try {
      fs.writeFileSync(fd, data);
    } catch (err) {
      throw spaceError(err, `${dir.ref}/${name}`, Buffer.byteLength(data), guest);
    }
    fs.fsyncSync(fd);
    if (st.size === 0) fs.fsyncSync(dir.fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Walks to the directory holding guestPath's last component (making missing ones when `make`
 * is given). The last component itself is followed only with `followLast`, and only as any
 * other link: where no user controls the directory it is in.
 */
function withParent<T>(
  root: string,
  guestPath: string,
  make: UserFileOptions["parent"],
  followLast: boolean,
  use: (dir: Dir, name: string) => T,
): T | undefined {
  if (!guestPath.startsWith("/")) throw new Error(`not an absolute path: ${guestPath}`);
  const pending = guestPath.split("/").filter(Boolean);
  const rootFd = fs.openSync(root, O_RDONLY | O_DIRECTORY);
  const opened = [rootFd];
  const chain: Dir[] = [{ fd: rootFd, ref: BY_DESCRIPTOR ? `/proc/self/fd/${rootFd}` : root, guest: "/", userControlled: false }];
  try {
    let links = 0;
    for (;;) {
      const part = pending.shift();
      const dir = chain[chain.length - 1];
      if (part === undefined) throw new Error(`${guestPath} does not name a file`);
      if (part === "." || part === "..") {
        if (part === ".." && chain.length > 1) chain.pop();
        continue;
      }
      const last = pending.length === 0;
      const guest = child(dir, part);
      const st = lstat(`${dir.ref}/${part}`);
      if (st?.isSymbolicLink() && !dir.userControlled && (!last || followLast)) {
        if (++links > MAX_SYMLINKS) throw new Error(`${guestPath}: too many levels of symlinks`);
        const target = fs.readlinkSync(`${dir.ref}/${part}`);
        if (target.startsWith("/")) chain.length = 1;
        pending.unshift(...target.split("/").filter(Boolean));
      } else if (last) {
        return use(dir, part);
      } else if (!st) {
        if (!make) return undefined;
        const spec = pending.length > 1 ? { mode: 0o755 } : make;
        fs.mkdirSync(`${dir.ref}/${part}`, spec.mode);
        chain.push(openDir(dir, part, opened, spec));
      } else if (st.isSymbolicLink()) {
        throw new Error(`${guest} is a symlink in a directory a user controls; refused`);
      } else if (st.isDirectory()) {
        chain.push(openDir(dir, part, opened));
      } else {
        throw new Error(`${guest} is not a directory`);
      }
    }
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
}

/** Opens a directory entry checked a moment ago; `made` when we just made it. */
function openDir(parent: Dir, name: string, opened: number[], made?: { mode: number; owner?: Owner }): Dir {
  const guest = child(parent, name);
  let fd: number;
  try {
    fd = fs.openSync(`${parent.ref}/${name}`, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (err) {
    throw refusal(err, guest);
  }
  opened.push(fd);
  if (made) {
    // ours unless a user replaced it between mkdir and open
    if (fs.fstatSync(fd).uid !== process.getuid?.()) throw new Error(`${guest} was replaced while it was made; refused`);
    if (made.owner) fs.fchownSync(fd, made.owner.uid, made.owner.gid);
    fs.fchmodSync(fd, made.mode);
  }
  const userControlled = parent.userControlled || othersMayChange(fs.fstatSync(fd));
  return { fd, ref: BY_DESCRIPTOR ? `/proc/self/fd/${fd}` : path.join(parent.ref, name), guest, userControlled };
}

/** Owned by someone other than root, or writable by others (sticky or not: they can add names). */
function othersMayChange(st: fs.Stats): boolean {
  return st.uid !== 0 || (st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && st.gid !== 0);
}

function checkUserFile(st: fs.Stats, guest: string): void {
  if (st.isSymbolicLink()) throw new Error(`${guest} is a symlink in a directory a user controls; refused`);
  if (!st.isFile()) throw new Error(`${guest} is not a regular file; refused`);
  if (st.nlink > 1) throw new Error(`${guest} has ${st.nlink} hard links; refused`);
}

/** After the append the old content is `owner`'s with `mode`: no one may gain read access to it. */
function checkAppendKeepsPrivate(st: fs.Stats, guest: string, mode: number, owner?: Owner): void {
  if ((st.mode & 0o004) !== 0) return;
  const uid = owner && owner.uid >= 0 ? owner.uid : st.uid;
  const gid = owner && owner.gid >= 0 ? owner.gid : st.gid;
  const groupGains = (mode & 0o040) !== 0 && !(gid === st.gid && (st.mode & 0o040) !== 0);
  if ((mode & 0o004) !== 0 || (uid !== st.uid && uid !== 0) || groupGains) {
    throw new Error(`${guest} is not world-readable, and appending as uid ${uid} with mode ${mode.toString(8)} would show it to others; refused`);
  }
}

/** An open that O_NOFOLLOW stopped, said as what it is. */
function refusal(err: unknown, guest: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ELOOP") return new Error(`${guest} is a symlink; refused`);
  if (code === "ENOTDIR") return new Error(`${guest} is not a directory; refused`);
  return err as Error;
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function child(dir: Dir, name: string): string {
  return `${dir.guest === "/" ? "" : dir.guest}/${name}`;
}
