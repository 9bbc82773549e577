// The four boot stages as short lists of named steps. Each returns its errors; runStage
// turns them into status.json entries and the process exit code.
import { readConfigFile, type Config } from "../config/load";
import { mergeConfigs } from "../config/merge";
import type { InstanceData } from "../datasources/types";
import { describeError } from "../log/logger";
import { CLOUD_DIR, INITIAL_DIRS, instancePath, RUN_DIR } from "../state/paths";
import { instanceDataDocument, writeInstanceData } from "../state/instance-data";
import { forgetBootFinished, instanceIdLine, instancify, restoreThisBoot } from "../state/instance";
import { repairHostKeys } from "../ssh/host-keys";
import { consumeUserData } from "./consume";
import type { StageEnv } from "./env";
import { findDatasource } from "./find-datasource";
import { applyNetworkConfig } from "./network-config";
import { runModules, startWorkAhead } from "./run-modules";
import { runStage } from "./stage";

export type ModulesMode = "config" | "final";

export function initLocal(env: StageEnv): Promise<number> {
  return runStage(env, "init-local", async () => {
    const dirErrors = prepareDirectories(env);
    // temps a crash or a full disk left in the last boot: never scripts, only space taken
    for (const temp of env.host.sweepTemps([CLOUD_DIR, RUN_DIR])) env.log.info(`removed ${temp}, left by an interrupted write`);
    const users = env.host.sweepUserTemps();
    for (const temp of users.removed) env.log.info(`removed ${temp}, left by an interrupted write`);
    for (const problem of users.problems) env.log.warn(`a temp an interrupted write left could not be removed: ${problem}`);
    // before sshd starts, and before any module of this boot may be making a key in the
    // background (RSA runs on through the stages): a key a power cut emptied is made again
    await repairHostKeys(env.host, env.log.child("ssh"));
    forgetBootFinished(env.host, warnTo(env));
    const data = await findDatasource(env, "local");
    if (!data) {
      env.log.info("no local datasource found; the network stage will search again");
      return { errors: [...dirErrors, ...(await applyNetworkConfig(env, undefined, false))] };
    }
    const newInstance = adopt(env, data);
    if (newInstance) startWorkAhead(env);
    const networkErrors = [...dirErrors, ...(await applyNetworkConfig(env, data, newInstance))];
    if (data.dsmode !== "local") return { errors: networkErrors, datasource: data.description };
    // dsmode local: everything the network stage does happens now (cloud-init's rule)
    return { errors: [...networkErrors, ...(await initModules(env, data))], datasource: data.description };
  });
}

export function initNetwork(env: StageEnv): Promise<number> {
  return runStage(env, "init", async () => {
    const dirErrors = prepareDirectories(env);
    const cached = restoreThisBoot(env.host, warnTo(env));
    if (cached?.dsmode === "local") return { errors: dirErrors, datasource: cached.description };
    const data = cached ?? (await findDatasource(env, "network"));
    if (!data) return { errors: [...dirErrors, "No instance datasource found."] };
    // cloud-init instancifies again here, so after a full boot previous-instance-id holds
    // the current id (observed with 22.4 on a clone); we keep that for tools that read it
    if (cached) instancify(env.host, cached, warnTo(env));
    const networkErrors = cached ? [] : await applyNetworkConfig(env, data, adopt(env, data));
    return { errors: [...dirErrors, ...networkErrors, ...(await initModules(env, data))], datasource: data.description };
  });
}

export function modulesStage(env: StageEnv, mode: ModulesMode): Promise<number> {
  return runStage(env, `modules-${mode}`, async () => {
    const data = restoreThisBoot(env.host, warnTo(env));
    if (!data) return { errors: [`Can not apply stage modules-${mode}, no datasource found! Likely bad things to come!`] };
    const config = mergedConfig(env, data);
    const list = config[`cloud_${mode}_modules`];
    const errors = await runModules(env, config, data, Array.isArray(list) ? list : [], { stage: `modules-${mode}` });
    return { errors, datasource: data.description };
  });
}

/**
 * The state directories; one that cannot be made (a file in its place, a read-only disk) is
 * an error of the stage, and what needs it fails on its own later, not the whole stage now.
 */
function prepareDirectories(env: StageEnv): string[] {
  const errors: string[] = [];
  for (const [dir, mode] of [...INITIAL_DIRS.map((d) => [d, 0o755] as const), ["/run/cloud-init/tmp", 0o700] as const]) {
    try {
      env.host.mkdirp(dir, mode);
    } catch (err) {
      const message = `could not create ${dir}: ${describeError(err)}`;
      env.log.error(message);
      errors.push(message);
    }
  }
  return errors;
}

/** Where a state file read back in the wrong shape is reported. */
function warnTo(env: StageEnv): (message: string) => void {
  return (message) => env.log.warn(message);
}

/** Returns whether this is a new instance. */
function adopt(env: StageEnv, data: InstanceData): boolean {
  const { newInstance } = instancify(env.host, data, warnTo(env));
  env.log.info(`instance ${instanceIdLine(data.instanceId)} (${newInstance ? "new" : "same as last boot"})`);
  writeInstanceData(env.host, instanceDataDocument(data, env.distro, env.config));
  return newInstance;
}

async function initModules(env: StageEnv, data: InstanceData): Promise<string[]> {
  await consumeUserData(env, data);
  const config = mergedConfig(env, data);
  const list = config.cloud_init_modules;
  return runModules(env, config, data, Array.isArray(list) ? list : [], { stage: "init-network" });
}

/** User cloud-config over vendor2 and vendor cloud-config over the system config (first wins). */
export function mergedConfig(env: StageEnv, data: InstanceData): Config {
  const read = (name: string) => readConfigFile(env.yamlCache, instancePath(data.instanceId, name), env.log);
  // vendor2 (OpenStack's dynamic vendor data) outranks vendor, as in cloud-init's ConfigMerger
  const layers = [read("cloud-config.txt"), read("vendor2-cloud-config.txt"), read("vendor-cloud-config.txt"), env.config].filter((c): c is Config => c !== undefined);
  return mergeConfigs(layers);
}
