// The one way a file's content is replaced: a new file under a random name that nobody
// could have planted (O_EXCL|O_NOFOLLOW), owner and mode set on the descriptor before the
// content lands, fsync, then rename over the old name. Whatever fails, the temp file goes.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

export interface Owner {
  /** -1 leaves the uid (or gid) as the creating process has it. */
  uid: number;
  gid: number;
}

/** A sibling name for a file on its way in: unguessable, so no one can have put a link there. */
export function tempName(name: string): string {
  return `${name}.tmp-${randomBytes(8).toString("hex")}`;
}

/** `dir` is a directory path as the kernel resolves it (a real one, or /proc/self/fd/N). */
export function replaceFile(dir: string, name: string, data: string | Uint8Array, mode: number, owner?: Owner): void {
  const temp = `${dir}/${tempName(name)}`;
  const fd = fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    try {
      // chown before chmod: chown clears set-id bits the mode may ask for
      if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
      fs.fchmodSync(fd, mode);
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, `${dir}/${name}`);
  } catch (err) {
    removeQuietly(temp);
    throw err;
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
