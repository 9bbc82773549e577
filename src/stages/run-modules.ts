// Runs one of cloud.cfg's module lists: resolves names, gates by distro and activating
// keys, honours frequencies through semaphores, times each module, and records failures
// without letting one module stop the next.
//
// After a power cut (cloud-init's contract), work that must not run twice runs at most once,
// and idempotent work is either done and durable or done again. Each module says which it is
// (CloudConfigModule.idempotent) and the order follows: at-most-once work claims a durable
// semaphore before it starts; idempotent work gets its semaphore only at the end of the list,
// after one sync of the filesystems has made the work of all of them durable. So a module
// killed midway is run again later when it is idempotent, and never again when it is not.
import { validate } from "../config/schema";
import type { Config } from "../config/load";
import { isPlainObject } from "../config/yaml";
import type { InstanceData } from "../datasources/types";
import { describeError } from "../log/logger";
import type { CloudConfigModule, ModuleContext } from "../module";
import { claimRun, FREQUENCIES, hasRun, recordRuns, semaphoreFor, type Frequency } from "../state/semaphore";
import { moduleByName, normalModuleName } from "../../modules/index";
import type { StageEnv } from "./env";

export interface ModuleEntry {
  name: string;
  frequency?: string;
  args: unknown[];
}

/** A list entry is "name", [name, frequency, args...] or {name, frequency, args}. */
export function parseModuleEntry(entry: unknown): ModuleEntry | undefined {
  if (typeof entry === "string") return { name: normalModuleName(entry), args: [] };
  if (Array.isArray(entry) && typeof entry[0] === "string") {
    return { name: normalModuleName(entry[0]), frequency: entry[1] === undefined ? undefined : String(entry[1]), args: entry.slice(2) };
  }
  if (isPlainObject(entry) && typeof entry.name === "string") {
    const args = Array.isArray(entry.args) ? entry.args : entry.args === undefined ? [] : [entry.args];
    return { name: normalModuleName(entry.name), frequency: entry.frequency as string | undefined, args };
  }
  return undefined;
}

export interface RunOptions {
  stage: string;
  /** `single --frequency`: overrides the list's and the module's frequency. */
  forceFrequency?: Frequency;
  /** `single` ignores distro and activation gates, as cloud-init's does. */
  ungated?: boolean;
}

/** An idempotent module that ran in this list, whose semaphore waits for its work to be durable. */
interface Ran {
  name: string;
  semaphore: string;
  /** Work it left running (a host key): its semaphore waits for that too. */
  background: Promise<void>[];
}

/**
 * On a new instance, in a process that runs on to the later stages: starts the work ahead of
 * every module in the system config's lists that declares some (CloudConfigModule.ahead).
 */
export function startWorkAhead(env: StageEnv): void {
  if (env.settleBackground) return; // this process ends with this stage: nobody would take it
  const started = new Set<string>();
  for (const key of ["cloud_init_modules", "cloud_config_modules", "cloud_final_modules"]) {
    const list = env.config[key];
    for (const raw of Array.isArray(list) ? list : []) {
      const entry = parseModuleEntry(raw);
      const mod = entry && moduleByName(entry.name);
      if (!mod?.ahead || started.has(mod.name)) continue;
      started.add(mod.name);
      const work = mod.ahead(env.host);
      if (!work) continue;
      env.log.debug(`module ${mod.name}: started its work ahead`);
      env.background.startAhead(mod.name, work);
    }
  }
}

/** Runs the entries in order; returns one error string per failed module. */
export async function runModules(env: StageEnv, config: Config, instance: InstanceData, entries: unknown[], options: RunOptions): Promise<string[]> {
  const errors: string[] = [];
  const ran: Ran[] = [];
  for (const [index, raw] of entries.entries()) {
    const entry = parseModuleEntry(raw);
    if (!entry) {
      env.log.warn(`${options.stage}: module list entry ${index} is not a name, a list or a mapping; skipped`);
      continue;
    }
    const mod = moduleByName(entry.name);
    if (!mod) {
      env.log.info(`module ${entry.name} is not provided by cloud-agent; skipped`);
      continue;
    }
    const error = await runOne(env, config, instance, mod, entry, options, ran);
    if (error) errors.push(error);
  }
  errors.push(...recordIdempotentRuns(env, ran.filter((r) => !r.background.length)));
  const waiting = ran.filter((r) => r.background.length);
  if (waiting.length) {
    const settled = Promise.allSettled(waiting.flatMap((r) => r.background));
    env.background.add(
      `recording the runs of ${waiting.map((r) => r.name).join(", ")}`,
      settled.then(() => {
        const problems = recordIdempotentRuns(env, waiting);
        if (problems.length) throw new Error(problems.join("; "));
      }),
    );
  }
  return errors;
}

async function runOne(env: StageEnv, config: Config, instance: InstanceData, mod: CloudConfigModule, entry: ModuleEntry, options: RunOptions, ran: Ran[]): Promise<string | undefined> {
  const log = env.log.child(mod.name);
  const label = `${options.stage}/config-${entry.name}`;
  if (!options.ungated && mod.distros !== "all" && !mod.distros.includes(env.distro.name)) {
    log.info(`skipping ${mod.name}: not verified on distro ${env.distro.name}`);
    return undefined;
  }
  if (!options.ungated && mod.activateBy && !mod.activateBy.some((key) => key in config)) {
    log.debug(`skipping ${mod.name}: none of ${mod.activateBy.join(", ")} in config`);
    return undefined;
  }
  const frequency = options.forceFrequency ?? frequencyFor(entry, mod, log);
  const semaphore = semaphoreFor(frequency, instance.instanceId, `config-${entry.name}`);
  const idempotent = typeof mod.idempotent === "function" ? mod.idempotent(config) : mod.idempotent;
  try {
    const claimed = idempotent ? !hasRun(env.host, semaphore) && !ran.some((r) => r.semaphore === semaphore) : claimRun(env.host, semaphore);
    if (!claimed) {
      log.debug(`${mod.name} already ran (${frequency}); skipped`);
      return undefined;
    }
  } catch (err) {
    // the run cannot be recorded, so it could run again: this module fails, the others go on
    return failed(env, mod.name, `module ${mod.name} not run: could not record its run in ${semaphore}: ${describeError(err)}`);
  }
  const background: Promise<void>[] = [];
  // recorded even when the module fails, as cloud-init records it; not when it is killed
  if (idempotent && semaphore) ran.push({ name: mod.name, semaphore, background });
  for (const issue of validate(config, mod.schema)) {
    const text = `${mod.name}: ${issue.path}: ${issue.message}`;
    if (issue.deprecation) log.deprecated(text);
    else log.warn(`invalid cloud-config: ${text}`);
  }
  const started = process.hrtime.bigint();
  const finish = (result: string) => log.debug(`finish: ${label}: ${result} (duration: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(3)}s)`);
  log.debug(`start: ${label}: running config-${entry.name} with frequency ${frequency}`);
  try {
    const outcome = await mod.run(moduleContext(env, config, instance, entry, log, background));
    if (outcome?.skipped) log.info(`${mod.name}: ${outcome.skipped}`);
    finish(`SUCCESS: config-${entry.name} ran successfully`);
    return undefined;
  } catch (err) {
    const message = failed(env, mod.name, `module ${mod.name} failed: ${describeError(err)}`);
    finish(`FAIL: ${message}`);
    return message;
  }
}

/**
 * The semaphores of the idempotent modules that ran, once everything they (and the programs
 * they ran) wrote is durable: one syncfs per filesystem and one fsync per semaphore directory
 * for the whole list. What cannot be made durable or recorded is an error of its module, which
 * then runs again on the next boot.
 */
function recordIdempotentRuns(env: StageEnv, ran: Ran[]): string[] {
  if (!ran.length) return [];
  try {
    env.host.syncFilesystems();
  } catch (err) {
    return ran.map((r) => failed(env, r.name, `module ${r.name} ran, but its work could not be made durable (${describeError(err)}); it will run again on the next boot`));
  }
  return recordRuns(
    env.host,
    ran.map((r) => r.semaphore),
  ).map(({ semaphore, error }) => {
    const name = ran.find((r) => r.semaphore === semaphore)!.name;
    return failed(env, name, `module ${name} ran, but its run could not be recorded in ${semaphore}: ${describeError(error)}; it will run again`);
  });
}

/** A module's error, in the log and in the list the stage reports. */
function failed(env: StageEnv, name: string, message: string): string {
  env.sink.write(name, "ERROR", message);
  return message;
}

function frequencyFor(entry: ModuleEntry, mod: CloudConfigModule, log: StageEnv["log"]): Frequency {
  if (entry.frequency === undefined) return mod.frequency;
  if ((FREQUENCIES as readonly string[]).includes(entry.frequency)) return entry.frequency as Frequency;
  log.deprecated(`module ${mod.name}: its frequency is not one of ${FREQUENCIES.join(", ")}; using ${mod.frequency}`);
  return mod.frequency;
}

/** `started` collects the background work the module starts. */
function moduleContext(env: StageEnv, config: Config, instance: InstanceData, entry: ModuleEntry, log: StageEnv["log"], started: Promise<void>[]): ModuleContext {
  return {
    host: env.host,
    config,
    args: entry.args,
    instance,
    distro: env.distro,
    log,
    version: env.version,
    output: (text) => env.sink.output(text),
    background: (label, work) => {
      started.push(work);
      env.background.add(`module ${entry.name}: ${label}`, work);
    },
    backgroundIdle: () => env.background.idle(),
    takeAhead: () => env.background.takeAhead(entry.name),
  };
}
