// System configuration, layered as cloud-init layers it (first wins):
// kernel `cc:` > /run/cloud-init/cloud.cfg > cloud.cfg.d/*.cfg (later files first) >
// /etc/cloud/cloud.cfg > builtin. A file that does not parse is skipped with a warning.
import type { Host } from "../host/host";
import type { Logger } from "../log/logger";
import { CONFIG_DIR, CONFIG_FILE, RUN_DIR } from "../state/paths";
import { builtinConfig } from "./builtin";
import { mergeConfigs } from "./merge";
import { kindOf } from "./schema";
import type { YamlCache } from "./yaml-cache";
import { isPlainObject, parseYaml } from "./yaml";

export type Config = Record<string, unknown>;

export function loadSystemConfig(host: Host, cmdline: string, log: Logger, cache: YamlCache): Config {
  const layers: Config[] = [];
  const cmdlineConfig = kernelCmdlineConfig(cmdline, log);
  if (cmdlineConfig) layers.push(cmdlineConfig);
  const files = [
    `${RUN_DIR}/cloud.cfg`,
    ...host.list(CONFIG_DIR).filter((f) => f.endsWith(".cfg")).reverse().map((f) => `${CONFIG_DIR}/${f}`),
    CONFIG_FILE,
  ];
  for (const file of files) {
    const layer = readConfigFile(cache, file, log);
    if (layer) layers.push(layer);
  }
  layers.push(builtinConfig());
  return mergeConfigs(layers);
}

/** One YAML config file as a mapping; undefined (with a warning when broken) otherwise. */
export function readConfigFile(cache: YamlCache, file: string, log: Logger): Config | undefined {
  return asConfig(() => cache.read(file)?.value, file, log);
}

export function configFromText(text: string, source: string, log: Logger): Config | undefined {
  return asConfig(() => parseYaml(text), source, log);
}

function asConfig(parse: () => unknown, source: string, log: Logger): Config | undefined {
  try {
    const value = parse();
    if (value === null || value === undefined) return undefined;
    if (!isPlainObject(value)) {
      log.warn(`${source}: config must be a mapping, got ${kindOf(value)}; ignored`);
      return undefined;
    }
    return value;
  } catch (err) {
    log.warn(`${source}: invalid YAML, ignored: ${(err as Error).message}`);
    return undefined;
  }
}

/** `cc: <yaml> end_cc` pieces of the kernel command line (\n may be written as \\n). */
function kernelCmdlineConfig(cmdline: string, log: Logger): Config | undefined {
  const pieces: string[] = [];
  const re = /(?:^|\s)cc:(.*?)(?:\send_cc(?=\s|$)|$)/g;
  for (let m = re.exec(cmdline); m; m = re.exec(cmdline)) pieces.push(m[1].trim().replace(/\\n/g, "\n"));
  if (!pieces.length) return undefined;
  return configFromText(pieces.join("\n"), "kernel command line cc:", log);
}
