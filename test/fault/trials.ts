// Boots with one fault each, and the trial that wraps one: a root, the faulty boot, a clean
// boot after it, the invariants checked after both, and the count of what was injected.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  agentArgv,
  inMountNamespace,
  makeWorkloadRoot,
  runShim,
  runStage,
  stageFinished,
  stageStarted,
  startBoot,
  startGroup,
  STAGES,
  status,
  type Run,
  type StageKey,
  type Workload,
} from "./harness";
import { checkBoot, TEMP_NAME, type BootRecord, type StageRecord, type Violation } from "./invariants";

/** What the suite injected and found, in all and by kind of trial, for its summary lines. */
export const tally = { trials: 0, faults: 0, violations: 0, byKind: new Map<string, { trials: number; faults: number; violations: Violation[] }>() };

export function summary(seed: number): string {
  const kinds = [...tally.byKind].filter(([, k]) => k.violations.length).map(([kind, k]) => `${kind}: ${[...new Set(k.violations.map((x) => x.invariant))].sort().join("")}`);
  return `fault suite: seed ${seed}, ${tally.trials} trials, ${tally.faults} faults injected, ${tally.violations} invariant violations${kinds.length ? ` (${kinds.join("; ")})` : ""}`;
}

/** "kind trials/faults" for every kind, to see that each kind's faults landed. */
export function summaryByKind(): string {
  return `fault suite by kind (trials/faults): ${[...tally.byKind].map(([kind, k]) => `${kind} ${k.trials}/${k.faults}`).join(", ")}`;
}

export interface Trial {
  root: string;
  workload: Workload;
  boots: BootRecord[];
  violations: Violation[];
  /** records a boot and checks the invariants after it */
  record(boot: BootRecord): void;
  /** counts a fault injected into this trial; `lasting`: it stays on disk through the next boot */
  fault(lasting?: "lasting"): void;
}

/**
 * Runs `body` on a fresh root seeded with the workload, then one clean boot (the "next boot"
 * of every invariant), and returns every violation found after either.
 */
export async function trial(kind: string, instanceId: string, body: (t: Trial) => Promise<void>, scale = 1): Promise<Violation[]> {
  const { root, workload } = makeWorkloadRoot(instanceId, scale);
  let lasting = false;
  let faults = 0;
  const t: Trial = {
    root,
    workload,
    boots: [],
    violations: [],
    record(boot) {
      this.boots.push(boot);
      // what breaks an invariant once (a line run twice) stays broken: count it once
      const seen = new Set(this.violations.map((v) => `${v.invariant} ${v.message}`));
      this.violations.push(...checkBoot(root, workload, this.boots).filter((v) => !seen.has(`${v.invariant} ${v.message}`)));
    },
    fault(kind) {
      faults++;
      lasting ||= kind === "lasting";
    },
  };
  try {
    await body(t);
    const next = await cleanBoot(root, t.boots.length + 1);
    t.record(lasting ? { ...next, faulty: true, lasting } : next);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  tally.trials++;
  tally.faults += faults;
  tally.violations += t.violations.length;
  const byKind = tally.byKind.get(kind) ?? { trials: 0, faults: 0, violations: [] };
  tally.byKind.set(kind, { trials: byKind.trials + 1, faults: byKind.faults + faults, violations: [...byKind.violations, ...t.violations] });
  return t.violations;
}

function stageRecord(key: StageKey, run: Run, interrupted = false): StageRecord {
  return { key, code: run.code, killed: run.killed, interrupted };
}

/** Whether `status`, asked right after a kill, shows the stage began and did not finish. */
function interruptedPerStatus(root: string, key: StageKey): boolean {
  const report = status(root);
  return stageStarted(report, key) && !stageFinished(report, key);
}

export async function cleanBoot(root: string, number: number): Promise<BootRecord> {
  startBoot(root, number);
  const stages: StageRecord[] = [];
  for (const { key } of STAGES) stages.push(stageRecord(key, await runStage(root, key)));
  return { number, faulty: false, concurrent: false, stages };
}

/**
 * How long a stage takes here: from its start (`ms`), and from when it holds the root (its
 * first file under /run/cloud-init names it) to its exit (`heldMs`), where kills land.
 */
export async function timeStage(root: string, key: StageKey): Promise<{ ms: number; heldMs: number }> {
  const group = startGroup(agentArgv(root, STAGES.find((s) => s.key === key)!.args));
  let exited = false;
  void group.result.then(() => (exited = true));
  while (!exited && !filesNamingPid(root, group.pid!).length) await sleep(1);
  const held = performance.now();
  const run = await group.result;
  if (run.code !== 0) throw new Error(`calibration: ${key} exited ${run.code}: ${run.stderr}`);
  return { ms: run.ms, heldMs: performance.now() - held };
}

/**
 * A boot whose `target` stage is killed (-9, with its children) `delayMs` after it took the
 * root (a file under /run/cloud-init names its pid): before that it has done nothing.
 */
export async function bootKillingStage(root: string, number: number, target: StageKey, delayMs: number): Promise<BootRecord> {
  startBoot(root, number);
  const stages: StageRecord[] = [];
  for (const { key } of STAGES) {
    let run: Run;
    if (key === target) {
      const group = startGroup(agentArgv(root, STAGES.find((s) => s.key === key)!.args));
      let exited = false;
      void group.result.then(() => (exited = true));
      while (!exited && !filesNamingPid(root, group.pid!).length) await sleep(1);
      const timer = setTimeout(() => group.kill(), delayMs);
      run = await group.result;
      clearTimeout(timer);
    } else run = await runStage(root, key);
    stages.push(stageRecord(key, run, run.killed && interruptedPerStatus(root, key)));
  }
  return { number, faulty: true, concurrent: false, stages };
}

/**
 * A boot as systemd runs it with the boot process: `boot` plus the four shims. The boot
 * process is killed `delayMs` after the shim of `during` started (past the stage's end, it
 * dies between stages); the shims after it run their stages alone.
 */
export async function bootKillingBootProcess(root: string, number: number, during: StageKey, delayMs: number): Promise<BootRecord> {
  startBoot(root, number);
  const main = startGroup(agentArgv(root, ["boot"]));
  const ready = join(root, "run/cloud-init/share/main.pid");
  while (!existsSync(ready)) await sleep(5);
  const stages: StageRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  for (const { key } of STAGES) {
    if (key === during) timer = setTimeout(() => main.kill(), delayMs);
    const run = await runShim(root, key);
    const lost = /the boot process exited during stage/.test(run.stderr);
    stages.push({ key, code: run.code, killed: lost, interrupted: lost && interruptedPerStatus(root, key) });
  }
  clearTimeout(timer);
  main.kill();
  await main.result;
  return { number, faulty: true, concurrent: false, stages };
}

/**
 * A boot whose stage `twice` runs as two processes at once (a unit and a manual run, or two
 * units). The first is stopped (SIGSTOP, with its children) `stopAfterMs` after it took the
 * root, the second is started, and the first goes on only once the second says it waits for
 * the first: so the two overlap every time, and a second that finishes its stage while the
 * first is stopped ran beside it, which `overlap` reports.
 */
export async function bootRunningTwice(root: string, number: number, twice: StageKey, stopAfterMs: number): Promise<{ boot: BootRecord; overlap?: string }> {
  startBoot(root, number);
  const stages: StageRecord[] = [];
  let overlap: string | undefined;
  for (const { key, args } of STAGES) {
    if (key !== twice) {
      stages.push(stageRecord(key, await runStage(root, key)));
      continue;
    }
    const first = startGroup(agentArgv(root, args));
    let firstExited = false;
    void first.result.then(() => (firstExited = true));
    while (!firstExited && !filesNamingPid(root, first.pid!).length) await sleep(1);
    await sleep(stopAfterMs);
    if (firstExited) throw new Error(`the first ${key} finished within ${stopAfterMs.toFixed(0)} ms, before the second could start beside it`);
    process.kill(-first.pid!, "SIGSTOP");
    const second = startGroup(agentArgv(root, args));
    try {
      let secondExited = false;
      void second.result.then(() => (secondExited = true));
      const waits = new RegExp(`waiting for cloud-agent pid ${first.pid} \\(stage ${key}\\)`);
      const giveUp = performance.now() + 10_000;
      while (!secondExited && !waits.test(second.stderr()) && performance.now() < giveUp) await sleep(5);
      if (!waits.test(second.stderr())) overlap = secondExited ? `the second ${key} ran its stage while the first, stopped, held the root` : `the second ${key} said nothing of the first in 10 s`;
    } finally {
      process.kill(-first.pid!, "SIGCONT");
    }
    for (const run of await Promise.all([first.result, second.result])) stages.push(stageRecord(key, run));
  }
  return { boot: { number, faulty: true, concurrent: true, stages }, overlap };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A boot whose four stages run in a private mount namespace where `dir` (under the root) is
 * a tmpfs with `freeKb` of room over what it holds (`full`), or read-only (`readonly`).
 * The tmpfs's content is copied back after, so what the stages left there stays for the checks.
 */
export function bootWithDisk(root: string, number: number, dir: string, disk: { full: number } | "readonly"): BootRecord {
  startBoot(root, number);
  const setup =
    disk === "readonly"
      ? 'mount --bind "$TARGET" "$TARGET"; mount -o remount,ro,bind "$TARGET"'
      : 'mount --bind "$TARGET" "$STASH"; size=$(( $(du -sk "$STASH" | cut -f1) + FREE_KB )); mount -t tmpfs -o "size=${size}k,mode=755" tmpfs "$TARGET"; cp -a "$STASH/." "$TARGET/"';
  const teardown = disk === "readonly" ? ":" : 'find "$STASH" -mindepth 1 -delete; cp -a "$TARGET/." "$STASH/"';
  const stash = join(root, "..", `${root.split("/").pop()}-stash`);
  const script = `
    mkdir -p "$TARGET" "$STASH"
    ${setup}
    for stage in "init --local" init "modules --mode=config" "modules --mode=final"; do
      rc=0; $AGENT --root "$ROOT" $stage >/dev/null 2>&1 || rc=$?; echo "$rc"
    done
    ${teardown}`;
  const r = inMountNamespace(root, script, { TARGET: join(root, dir), STASH: stash, FREE_KB: String(disk === "readonly" ? 0 : disk.full) });
  rmSync(stash, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`mount namespace script failed (${r.code}): ${r.stderr}`);
  const codes = r.stdout.trim().split("\n").map(Number);
  const stages = STAGES.map(({ key }, i) => ({ key, code: codes[i], killed: false, interrupted: false }));
  return { number, faulty: true, concurrent: false, stages };
}

/** This instance's directory under the root. */
export function instanceDir(root: string, workload: Workload): string {
  return join(root, "var/lib/cloud/instances", workload.instanceId);
}

/** Files under /run/cloud-init that name `pid` (the running marker, whatever its format). */
export function filesNamingPid(root: string, pid: number): string[] {
  const dir = join(root, "run/cloud-init");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !TEMP_NAME.test(name))
    .map((name) => join(dir, name))
    .filter((f) => {
      try {
        return new RegExp(`\\b${pid}\\b`).test(readFileSync(f, "utf8"));
      } catch {
        return false;
      }
    });
}

export function replacePid(file: string, from: number, to: number): void {
  writeFileSync(file, readFileSync(file, "utf8").replace(new RegExp(`\\b${from}\\b`), String(to)));
}

/** Whether this boot's status.json (in /run) records that `key` started. */
export function stageStartRecorded(root: string, key: StageKey): boolean {
  try {
    const file = JSON.parse(readFileSync(join(root, "run/cloud-init/status.json"), "utf8")) as { v1?: Record<string, { start?: unknown }> };
    return typeof file.v1?.[key]?.start === "number";
  } catch {
    return false;
  }
}
