// Frequencies and their semaphore files (cloudinit/helpers.py FileSemaphores).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Host } from "../host/host";
import { CLOUD_DIR, instancePath } from "./paths";

export type Frequency = "always" | "once-per-instance" | "once";
export const FREQUENCIES: readonly Frequency[] = ["always", "once-per-instance", "once"];

/**
 * The semaphore that records `name` ran ("config-runcmd", "consume_data"); undefined for
 * `always`, which keeps none. File names use "_" for "-", as cloud-init's do.
 */
export function semaphoreFor(frequency: Frequency, instanceId: string, name: string): string | undefined {
  const file = name.replace(/-/g, "_");
  if (frequency === "once") return `${CLOUD_DIR}/sem/${file}.once`;
  if (frequency === "once-per-instance") return instancePath(instanceId, `sem/${file}`);
  return undefined;
}

/**
 * Claims the run before the work starts, as cloud-init does: a per-instance module that
 * fails or is killed midway is not run again for this instance. The file is created with
 * O_EXCL, so of two agents only one can claim it. Returns false when it was already claimed
 * (the module ran); throws when it cannot be written (then the module must not run).
 * `always` keeps no semaphore and is always claimed.
 */
export function claimRun(host: Host, semaphore: string | undefined): boolean {
  if (semaphore === undefined) return true;
  host.mkdirp(path.posix.dirname(semaphore));
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(host.path(semaphore), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    fs.writeSync(fd, `${process.pid}: ${Date.now() / 1000}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}
