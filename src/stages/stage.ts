// cloud-init's status_wrapper: marks a stage started and finished in status.json, keeps its
// errors and the WARNING+ log records of the process (config problems included), and survives
// the stage throwing. The process exit code is the stage's error count, as cloud-init's.
// A stage holds the root's lock (src/state/lock.ts) from before it reads status.json until
// after it writes it. A stage of this boot found started and unfinished was interrupted
// (killed, or its process crashed): it keeps that error for the rest of the boot.
import { writeStderr } from "../host/stdio";
import { describeError } from "../log/logger";
import { emptyStatus, interruptedError, markInterrupted, recoverableErrors, STAGES, type StageKey, type StatusFile } from "../state/status";
import { readRunningMarker, readStatus, removeRunningMarker, resetStatus, writeResult, writeRunningMarker, writeStatus } from "../state/status-store";
import type { StageEnv } from "./env";
import { epochSeconds } from "../host/clock";

export interface StageResult {
  errors: string[];
  datasource?: string;
}

export async function runStage(env: StageEnv, key: StageKey, body: () => Promise<StageResult>): Promise<number> {
  let lock;
  try {
    lock = await env.takeLock({ holder: `stage ${key}`, onWait: (message) => env.log.warn(message) });
  } catch (err) {
    env.log.error(`stage ${key} not run: ${describeError(err)}`);
    return 1;
  }
  try {
    return await runLocked(env, key, body);
  } finally {
    // not awaited: the holder frees the lock as soon as it reads the line, and a later lock of
    // this process queues behind it; waiting for its answer cost each stage about a millisecond
    lock.release().catch((err: unknown) => writeStderr(`cloud-agent: releasing the lock after stage ${key}: ${describeError(err)}\n`));
  }
}

async function runLocked(env: StageEnv, key: StageKey, body: () => Promise<StageResult>): Promise<number> {
  const { host, sink } = env;
  // bookkeeping that fails is this stage's error, recorded like any other; the stage goes on
  const bookkeeping: string[] = [];
  const note = (problem: string) => {
    env.log.error(problem);
    bookkeeping.push(problem);
  };
  const status = startingStatus(env, key, note);
  const carried = status.v1[key].finished === null ? status.v1[key].errors.filter((e) => e.startsWith(interruptedError(key))) : [];
  status.v1.stage = key;
  status.v1[key] = { errors: [...carried, ...bookkeeping], finished: null, recoverable_errors: {}, start: now() };
  attempt(() => writeRunningMarker(host, key), "could not write the running-stage marker", note);
  // what `status` shows while the stage runs
  persist(env, status, key, note);
  const bodyStarted = performance.now();
  let result: StageResult;
  try {
    result = await body();
  } catch (err) {
    env.log.error(`stage ${key} failed: ${describeError(err)}`);
    result = { errors: [describeError(err)] };
  }
  if (env.settleBackground) result.errors.push(...(await env.background.settle()));
  attempt(() => env.yamlCache.save(), "could not save the YAML cache", note);
  // the state this stage wrote (instance data, user-data, scripts) survives a power cut from here on
  attempt(() => host.syncDirs(), "could not make this stage's state durable", note);
  if (result.datasource) status.v1.datasource = result.datasource;
  status.v1[key].errors = [...carried, ...bookkeeping, ...result.errors];
  status.v1[key].finished = now();
  status.v1.stage = null;
  const errors = status.v1[key].errors;
  status.v1[key].recoverable_errors = recoverableErrors(sink.records.filter((r) => !errors.includes(r.message)));
  persist(env, status, key, note);
  if (key === "modules-final") {
    const all = STAGES.flatMap((k) => status.v1[k].errors);
    attempt(() => {
      const problem = writeResult(host, { v1: { datasource: status.v1.datasource, errors: all } });
      if (problem) note(problem);
    }, "could not write result.json", note);
  }
  attempt(() => removeRunningMarker(host), "could not remove the running-stage marker", note);
  // the stage's own event, as cloud-init's reporter logs it: `analyze` closes the stage with it
  const [event, description] = STAGE_EVENTS[key];
  env.log.debug(`finish: ${event}: ${errors.length ? "FAIL" : "SUCCESS"}: ${description}`);
  const took = (performance.now() - bodyStarted).toFixed(1);
  env.log.debug(`stage ${key} done in ${took} ms (${bodyStarted.toFixed(1)} ms after process start; max RSS ${process.resourceUsage().maxRSS} KiB)`);
  // problems after the last status write (result.json, the marker) still count for the exit code
  return new Set([...status.v1[key].errors, ...bookkeeping]).size;
}

/** cloud-init's event name and description of each stage (cloudinit/cmd/main.py). */
const STAGE_EVENTS: Record<StageKey, [string, string]> = {
  "init-local": ["init-local", "searching for local datasources"],
  init: ["init-network", "searching for network datasources"],
  "modules-config": ["modules-config", "running modules for config"],
  "modules-final": ["modules-final", "running modules for final"],
};

/**
 * This boot's status so far: init-local starts afresh; a later stage takes what /run holds
 * (nothing else is running: we hold the lock), recording stages that never finished.
 */
function startingStatus(env: StageEnv, key: StageKey, note: (problem: string) => void): StatusFile {
  if (key === "init-local") {
    const { status, problems } = resetStatus(env.host);
    for (const problem of problems) note(problem);
    return status;
  }
  const warn = (message: string) => env.log.warn(message);
  const status = readStatus(env.host, warn) ?? emptyStatus();
  const marker = readRunningMarker(env.host, warn);
  for (const stage of markInterrupted(status, () => false, marker)) {
    if (stage !== key) env.log.warn(`stage ${stage} was interrupted earlier in this boot; its remaining modules did not run`);
  }
  return status;
}

/** Writes status.json; a copy kept in /run only is recorded as an error of the stage, in that copy too. */
function persist(env: StageEnv, status: StatusFile, key: StageKey, note: (problem: string) => void): void {
  attempt(() => {
    const problem = writeStatus(env.host, status);
    if (problem && !status.v1[key].errors.includes(problem)) {
      note(problem);
      status.v1[key].errors.push(problem);
      writeStatus(env.host, status);
    }
  }, "could not write status.json", note);
}

function attempt(work: () => void, what: string, note: (problem: string) => void): void {
  try {
    work();
  } catch (err) {
    note(`${what}: ${describeError(err)}`);
  }
}

/** Seconds since the epoch, as cloud-init 22.4 records them (last_update prints a real date). */
function now(): number {
  return Math.round(epochSeconds() * 1000) / 1000;
}
