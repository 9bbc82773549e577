// One agent at a time per root: every stage and `single` hold an exclusive flock(2) on
// /run/cloud-init/cloud-agent.lock while they work, so two agents (a unit and a manual
// `modules --mode final`, or two `init`s) never run modules side by side.
//
// Node has no flock(2), so a child holds it: the process's helper shell for the lock file
// (src/host/helper-shell.ts) keeps the file open and runs flock(1) on it for "lock", closes
// it for "unlock", and ends when this process dies, however it died, which frees the lock.
// A lock file with a pid in it would instead need a stale-lock rule, and two waiters
// breaking the same stale lock can both win; the kernel's lock has no such race. The file
// also names its holder, for the message another agent prints while it waits.
import * as fs from "node:fs";
import { HelperShell } from "../host/helper-shell";
import type { Host } from "../host/host";
import { RUN_DIR } from "./paths";
import { isRunning, parseIdentity, thisProcess, type ProcessIdentity } from "./process";

export const LOCK_FILE = `${RUN_DIR}/cloud-agent.lock`;

/** A stage may run for minutes (package installs); waiting longer than this means something is stuck. */
export const LOCK_WAIT_SECONDS = 900;

export interface RootLock {
  release(): Promise<void>;
  /** Whether the program holding the lock for this process still runs (its death frees it). */
  stillHeld(): boolean;
}

export interface LockOptions {
  /** What this agent is doing ("stage init"), for the other agents' messages. */
  holder: string;
  waitSeconds?: number;
  /** Told once, after a second of waiting, who holds the lock. */
  onWait: (message: string) => void;
}

/** The helper shell of each lock file this process has taken, and the end of its last use. */
const holders = new Map<string, { holder: HelperShell; idle: Promise<void> }>();

/**
 * The helper shell that holds the root's lock for this process, started now if it is not
 * running: the boot process also has it run its few programs (see HelperShell).
 */
export function lockHelper(host: Host): HelperShell {
  return lockEntry(host).holder;
}

function lockEntry(host: Host): { holder: HelperShell; idle: Promise<void> } {
  host.mkdirp(RUN_DIR);
  const file = host.path(LOCK_FILE);
  const { O_WRONLY, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  fs.closeSync(fs.openSync(file, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600));
  const entry = holders.get(file) ?? { holder: new HelperShell(file), idle: Promise.resolve() };
  holders.set(file, entry);
  return entry;
}

export async function lockRoot(host: Host, options: LockOptions): Promise<RootLock> {
  const file = host.path(LOCK_FILE);
  // one lock at a time per process: a second taker here waits for the first to release
  const entry = lockEntry(host);
  let released!: () => void;
  const previous = entry.idle;
  entry.idle = new Promise((resolve) => (released = resolve));
  await previous;
  const waitSeconds = options.waitSeconds ?? LOCK_WAIT_SECONDS;
  // said once another agent is seen holding it: a slow start of flock (a loaded machine, the
  // lock this process just released) is no other agent, and no warning
  const waiting = setInterval(() => {
    const holder = otherHolder(file);
    if (!holder) return;
    clearInterval(waiting);
    options.onWait(`waiting for ${holder} to finish with this root (${LOCK_FILE})`);
  }, 1000);
  let locked: boolean;
  try {
    locked = await entry.holder.lock(waitSeconds);
  } catch (err) {
    released();
    throw new Error(`could not take ${LOCK_FILE}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearInterval(waiting);
  }
  if (!locked) {
    released();
    throw new Error(`gave up after ${waitSeconds} s waiting for ${holderOf(file)} to finish with this root (${LOCK_FILE})`);
  }
  nameHolder(file, options.holder);
  const stillHeld = entry.holder.holding();
  return {
    stillHeld,
    release: async () => {
      try {
        await entry.holder.unlock();
      } finally {
        released();
      }
    },
  };
}

/** How a stage takes the root's lock: afresh (lockRoot), or from the boot process's KeptLock. */
export type TakeLock = (options: LockOptions) => Promise<RootLock>;

/**
 * The boot process's lock. Its stages follow one another within milliseconds on a warm boot,
 * and a flock(1) run per stage cost 4-11 ms of each unit's time there: so the lock is taken
 * before the first stage asks for it and kept between stages, and let go only once no stage
 * has held it for `idleMs`, so that a stage that does not come soon (the network stage
 * waiting for the network, a boot into rescue.target) never keeps a manual `single` or
 * `modules` waiting for long.
 */
export class KeptLock {
  private held: Promise<RootLock> | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: Host,
    private readonly idleMs: number,
    /** Told who holds the lock while it waits, and why letting it go failed. */
    private readonly warn: (message: string) => void,
  ) {}

  /** Starts taking the lock now, for a stage that asks for it soon. */
  takeAhead(): void {
    this.holding({ holder: "boot process, between stages", onWait: this.warn }).catch(() => {
      // the stage that asks for it gets the same error
    });
  }

  readonly take: TakeLock = async (options) => {
    clearTimeout(this.idle);
    let lock = await this.holding(options);
    if (!lock.stillHeld()) {
      // its holder died between stages (killed, out of memory): the kernel freed the lock,
      // which another agent may hold now, so it is taken afresh (after the dead one is let
      // go, which the next lockRoot of this process waits for)
      this.held = undefined;
      await lock.release().catch(() => undefined);
      lock = await this.holding(options);
    }
    nameHolder(this.host.path(LOCK_FILE), options.holder);
    return {
      stillHeld: () => lock.stillHeld(),
      release: async () => {
        nameHolder(this.host.path(LOCK_FILE), "boot process, between stages");
        this.idle = setTimeout(() => this.letGo(lock), this.idleMs);
        this.idle.unref();
      },
    };
  };

  private holding(options: LockOptions): Promise<RootLock> {
    if (!this.held) {
      const held = lockRoot(this.host, options);
      this.held = held;
      held.catch(() => {
        if (this.held === held) this.held = undefined;
      });
    }
    return this.held;
  }

  private letGo(lock: RootLock): void {
    this.held = undefined;
    lock.release().catch((err: unknown) => this.warn(`releasing ${LOCK_FILE}: ${err instanceof Error ? err.message : String(err)}`));
  }
}

/** Writes who holds the lock into its file, for the messages of agents that wait for it. */
function nameHolder(file: string, holder: string): void {
  const me = thisProcess();
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW);
  try {
    fs.writeSync(fd, `${me.pid} ${me.startTime} ${holder}\n`);
  } finally {
    fs.closeSync(fd);
  }
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
