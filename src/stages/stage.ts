// cloud-init's status_wrapper: marks a stage started and finished in status.json, keeps its
// errors and the WARNING+ log records of the process (config problems included), and survives the stage throwing. The process exit
// code is the stage's error count, as cloud-init's.
import { describeError } from "../log/logger";
import { RUN_DIR } from "../state/paths";
import { recoverableErrors, type StageKey, type StatusFile } from "../state/status";
import { readStatus, resetStatus, writeResult, writeStatus } from "../state/status-store";
import type { StageEnv } from "./env";

export const RUNNING_MARKER = `${RUN_DIR}/.running-stage`;

export interface StageResult {
  errors: string[];
  datasource?: string;
}

export async function runStage(env: StageEnv, key: StageKey, body: () => Promise<StageResult>): Promise<number> {
  const { host, sink } = env;
  const status: StatusFile = key === "init-local" ? resetStatus(host) : (readStatus(host) ?? resetStatus(host));
  status.v1.stage = key;
  status.v1[key] = { errors: [], finished: null, recoverable_errors: {}, start: now() };
  writeStatus(host, status);
  host.writeAtomic(RUNNING_MARKER, `${process.pid} ${key}\n`);
  const bodyStarted = performance.now();
  let result: StageResult;
  try {
    result = await body();
  } catch (err) {
    env.log.error(`stage ${key} failed: ${describeError(err)}`);
    result = { errors: [describeError(err)] };
  }
  if (env.settleBackground) result.errors.push(...(await env.background.settle()));
  if (result.datasource) status.v1.datasource = result.datasource;
  status.v1[key].errors = result.errors;
  status.v1[key].recoverable_errors = recoverableErrors(sink.records.filter((r) => !result.errors.includes(r.message)));
  status.v1[key].finished = now();
  status.v1.stage = null;
  writeStatus(host, status);
  host.remove(RUNNING_MARKER);
  env.yamlCache.save();
  const took = (performance.now() - bodyStarted).toFixed(1);
  env.log.debug(`stage ${key} done in ${took} ms (${bodyStarted.toFixed(1)} ms after process start; max RSS ${process.resourceUsage().maxRSS} KiB)`);
  if (key === "modules-final") {
    const errors = ["init-local", "init", "modules-config", "modules-final"].flatMap((k) => status.v1[k as StageKey].errors);
    writeResult(host, { v1: { datasource: status.v1.datasource, errors } });
  }
  return result.errors.length;
}

/** Seconds since the epoch, as cloud-init 22.4 records them (last_update prints a real date). */
function now(): number {
  return Math.round(Date.now()) / 1000;
}
