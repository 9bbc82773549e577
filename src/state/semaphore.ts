// Frequencies and their semaphore files (cloudinit/helpers.py FileSemaphores).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Host } from "../host/host";
import { CLOUD_DIR, instancePath } from "./paths";
import { epochSeconds } from "../host/clock";

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
 * Claims the run of work that must run at most once, before it starts, as cloud-init does:
 * a module that fails or is killed midway is not run again for this instance. The claim is
 * durable (the file, and every directory written through `host` so far) before this returns,
 * so not even a power cut lets the work start twice. The file is created with O_EXCL, so of
 * two agents only one can claim it. Returns false when it was already claimed (the module
 * ran); throws when it cannot be written (then the module must not run). `always` keeps no
 * semaphore and is always claimed.
 */
export function claimRun(host: Host, semaphore: string | undefined): boolean {
  if (semaphore === undefined) return true;
  if (!createSemaphore(host, semaphore, true)) return false;
  host.syncDirs([path.posix.dirname(semaphore)]);
  return true;
}

/** Whether the run `semaphore` records happened; a semaphore that is a dangling link still counts. */
export function hasRun(host: Host, semaphore: string | undefined): boolean {
  return semaphore !== undefined && host.stat(semaphore) !== undefined;
}

/**
 * Records runs of idempotent work once that work is durable (host.syncFilesystems): the
 * files, then one fsync per directory for all of them. A power cut before that leaves no
 * semaphore, and the work runs again. Returns the semaphores that could not be written, with why.
 */
export function recordRuns(host: Host, semaphores: string[]): { semaphore: string; error: unknown }[] {
  const failed: { semaphore: string; error: unknown }[] = [];
  const written: string[] = [];
  for (const semaphore of semaphores) {
    try {
      createSemaphore(host, semaphore, false);
      written.push(semaphore);
    } catch (error) {
      failed.push({ semaphore, error });
    }
  }
  try {
    host.syncDirs([...new Set(written.map((s) => path.posix.dirname(s)))]);
  } catch (error) {
    failed.push(...written.map((semaphore) => ({ semaphore, error })));
  }
  return failed;
}

/** O_EXCL|O_NOFOLLOW: false when it exists. Its existence is the record; the text is for people. */
function createSemaphore(host: Host, semaphore: string, sync: boolean): boolean {
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
    fs.writeSync(fd, `${process.pid}: ${epochSeconds()}\n`);
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}
