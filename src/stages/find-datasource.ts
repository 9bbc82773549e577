// Walks datasource_list in order and returns the first datasource that detects and reads,
// as cloud-init's find_source does; a datasource that throws is logged and the next tried.
import { isPlainObject } from "../config/yaml";
import { datasourceByName } from "../datasources/index";
import { datasourceList } from "../datasources/recognise";
import type { DatasourceStage, InstanceData } from "../datasources/types";
import { describeError } from "../log/logger";
import { instanceIdLine } from "../state/instance";
import type { StageEnv } from "./env";

export async function findDatasource(env: StageEnv, stage: DatasourceStage): Promise<InstanceData | undefined> {
  const list = datasourceList(env.cmdline, env.config);
  const settings = isPlainObject(env.config.datasource) ? env.config.datasource : {};
  for (const name of list) {
    const ds = datasourceByName(name);
    if (!ds) {
      env.log.debug(`datasource ${name} is not provided by cloud-agent; skipped`);
      continue;
    }
    if (!ds.stages.includes(stage)) continue;
    const ctx = {
      host: env.host,
      cmdline: env.cmdline,
      config: env.config,
      settings: isPlainObject(settings[ds.name]) ? (settings[ds.name] as Record<string, unknown>) : {},
      log: env.log.child(`DataSource${ds.name}`),
      stage,
    };
    try {
      if (!(await ds.detect(ctx))) continue;
      const data = await ds.read(ctx);
      if (data && data.dsmode !== "disabled") {
        env.log.info(`found ${data.description} (instance-id ${instanceIdLine(data.instanceId)})`);
        return data;
      }
    } catch (err) {
      // it said it was here and then could not be read: the user's platform data is lost
      env.log.error(`datasource ${ds.name}: ${describeError(err)}`);
    }
  }
  return undefined;
}
