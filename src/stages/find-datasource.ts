// Walks datasource_list in order and returns the first datasource that detects and reads,
// as cloud-init's find_source does; a datasource that throws is logged and the next tried.
// In the local stage a datasource may ask for the network (Ec2Local, OpenStackLocal): it
// gets an ephemeral lease, and one that failed with it is not asked again in the network
// stage, so a metadata service that does not answer costs its max_wait once per boot.
import { isPlainObject } from "../config/yaml";
import { datasourceByName } from "../datasources/index";
import { datasourceList } from "../datasources/recognise";
import type { DatasourceStage, InstanceData } from "../datasources/types";
import { describeError } from "../log/logger";
import { LeaseUnavailable, withEphemeralLease } from "../network/ephemeral-lease";
import { instanceIdLine } from "../state/instance";
import { RUN_DIR } from "../state/paths";
import type { StageEnv } from "./env";

const FAILED_WITH_LEASE = `${RUN_DIR}/datasources-failed-local`;

export async function findDatasource(env: StageEnv, stage: DatasourceStage): Promise<InstanceData | undefined> {
  const list = datasourceList(env.cmdline, env.config);
  const settings = isPlainObject(env.config.datasource) ? env.config.datasource : {};
  // only the network stage heeds what the local stage noted
  const failedWithLease = stage === "network" ? (env.host.readTextIfExists(FAILED_WITH_LEASE) ?? "").split("\n") : [];
  for (const name of list) {
    const ds = datasourceByName(name);
    if (!ds) {
      env.log.debug(`datasource ${name} is not provided by cloud-agent; skipped`);
      continue;
    }
    if (!ds.stages.includes(stage)) continue;
    if (stage === "network" && failedWithLease.includes(ds.name)) {
      env.log.info(`datasource ${ds.name} was read over an ephemeral lease in the local stage and failed (logged there); not asked again`);
      continue;
    }
    let leased = false;
    const log = env.log.child(`DataSource${ds.name}`);
    const ctx = {
      host: env.host,
      cmdline: env.cmdline,
      config: env.config,
      settings: isPlainObject(settings[ds.name]) ? (settings[ds.name] as Record<string, unknown>) : {},
      log,
      stage,
      withNetwork: <T>(read: () => Promise<T>): Promise<T> => {
        if (stage === "network") return read();
        return withEphemeralLease(env.host, log, () => {
          leased = true;
          return read();
        });
      },
    };
    // cloud-init's search event, which its `analyze` times each datasource by
    const event = `${stage === "local" ? "init-local" : "init-network"}/search-${ds.name}`;
    env.log.debug(`start: ${event}: searching for ${stage} data from DataSource${ds.name}`);
    let outcome = `SUCCESS: no ${stage} data found from DataSource${ds.name}`;
    try {
      if (!(await ds.detect(ctx))) continue;
      const data = await ds.read(ctx);
      if (data && data.dsmode !== "disabled") {
        outcome = `SUCCESS: found ${stage} data from DataSource${ds.name}`;
        env.log.info(`found ${data.description} (instance-id ${instanceIdLine(data.instanceId)})`);
        return data;
      }
    } catch (err) {
      if (err instanceof LeaseUnavailable) {
        env.log.info(`datasource ${ds.name}: ${err.message}; the network stage will ask again`);
        continue;
      }
      outcome = `FAIL: no ${stage} data found from DataSource${ds.name}`;
      // it said it was here and then could not be read: the user's platform data is lost
      env.log.error(`datasource ${ds.name}: ${describeError(err)}`);
      if (leased) env.host.append(FAILED_WITH_LEASE, `${ds.name}\n`);
    } finally {
      env.log.debug(`finish: ${event}: ${outcome}`);
    }
  }
  return undefined;
}
