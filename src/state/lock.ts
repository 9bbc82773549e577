// One agent at a time per root: every stage and `single` hold an exclusive flock(2) on
// /run/cloud-init/cloud-agent.lock while they work, so two agents (a unit and a manual
// `modules --mode final`, or two `init`s) never run modules side by side.
//
// Node has no flock(2), so a child holds it: `flock FILE sh -c 'echo locked; read'` takes
// the lock, says so, and keeps it until its stdin (a pipe from this process) reaches EOF:
// on release, or when the kernel closes the pipe because this process died, however it
// died. A lock file with a pid in it would instead need a stale-lock rule, and two waiters
// breaking the same stale lock can both win; the kernel's lock has no such race. The file
// also names its holder, for the message another agent prints while it waits.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import type { Host } from "../host/host";
import { RUN_DIR } from "./paths";
import { isRunning, parseIdentity, thisProcess, type ProcessIdentity } from "./process";

export const LOCK_FILE = `${RUN_DIR}/cloud-agent.lock`;

/** A stage may run for minutes (package installs); waiting longer than this means something is stuck. */
export const LOCK_WAIT_SECONDS = 900;

export interface RootLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** What this agent is doing ("stage init"), for the other agents' messages. */
  holder: string;
  waitSeconds?: number;
  /** Told once, after a second of waiting, who holds the lock. */
  onWait: (message: string) => void;
}

export async function lockRoot(host: Host, options: LockOptions): Promise<RootLock> {
  host.mkdirp(RUN_DIR);
  const file = host.path(LOCK_FILE);
  const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  fs.closeSync(fs.openSync(file, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600));
  const child = spawn("flock", ["--exclusive", file, "sh", "-c", "echo locked && read -r _"], { stdio: ["pipe", "pipe", "pipe"] });
  const waitSeconds = options.waitSeconds ?? LOCK_WAIT_SECONDS;
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    // said once another agent is seen holding it: a slow start of flock (a loaded machine, the
    // lock this process just released) is no other agent, and no warning
    const waiting = setInterval(() => {
      const holder = otherHolder(file);
      if (!holder) return;
      clearInterval(waiting);
      options.onWait(`waiting for ${holder} to finish with this root (${LOCK_FILE})`);
    }, 1000);
    const giveUp = setTimeout(() => {
      finish(new Error(`gave up after ${waitSeconds} s waiting for ${holderOf(file)} to finish with this root (${LOCK_FILE})`));
      child.stdin.destroy();
      child.kill("SIGKILL");
    }, waitSeconds * 1000);
    const finish = (err?: Error) => {
      clearInterval(waiting);
      clearTimeout(giveUp);
      if (err) reject(err);
      else resolve();
    };
    child.stdout.once("data", () => finish());
    child.once("error", (err) => finish(new Error(`could not take ${LOCK_FILE}: flock: ${err.message}`)));
    child.once("exit", (code) => finish(new Error(`could not take ${LOCK_FILE}: flock exited with ${code}: ${stderr.trim()}`)));
  });
  const me = thisProcess();
  const fd = fs.openSync(file, O_WRONLY | O_TRUNC | O_NOFOLLOW);
  try {
    fs.writeSync(fd, `${me.pid} ${me.startTime} ${options.holder}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return {
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** "cloud-agent pid 123 (stage init)" from the lock file, as far as it can be read. */
function holderOf(file: string): string {
  return describeHolder(readHolder(file));
}

/** holderOf, when the file names a running process other than this one. */
function otherHolder(file: string): string | undefined {
  const holder = readHolder(file);
  return holder && holder.identity.pid !== process.pid && isRunning(holder.identity) ? describeHolder(holder) : undefined;
}

function describeHolder(holder: Holder | undefined): string {
  return holder ? `cloud-agent pid ${holder.identity.pid} (${holder.what})` : "another cloud-agent";
}

interface Holder {
  identity: ProcessIdentity;
  what: string;
}

function readHolder(file: string): Holder | undefined {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    // gone or unreadable: nobody is named
  }
  const match = /^(\d+) (\d+) ([^\n]{1,100})/.exec(text);
  const identity = parseIdentity(match?.[1], match?.[2]);
  return match && identity ? { identity, what: match[3].replace(/[\x00-\x1f\x7f]/g, " ") } : undefined;
}
