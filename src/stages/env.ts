// What every stage of one process shares: the host, the kernel command line, the log,
// and the facts read once (no module-level caches; this is passed explicitly).
import { loadSystemConfig, type Config } from "../config/load";
import { YamlCache } from "../config/yaml-cache";
import { BackgroundWork } from "./background";
import { detectDistro, type Distro } from "../system/distro";
import type { Host } from "../host/host";
import { LogFiles, Logger, LogSink } from "../log/logger";
import { lockRoot, type TakeLock } from "../state/lock";
import { VERSION } from "../version";

export interface StageEnv {
  host: Host;
  cmdline: string;
  sink: LogSink;
  log: Logger;
  config: Config;
  distro: Distro;
  version: string;
  yamlCache: YamlCache;
  background: BackgroundWork;
  /** Whether this stage waits for background work (the last stage of a process does). */
  settleBackground: boolean;
  /** How the stage takes the root's lock (the boot process keeps one across its stages). */
  takeLock: TakeLock;
}

/** `logFiles`: the log files the stages of one process share (by default the stage's own). */
export function stageEnv(host: Host, options: { echo?: boolean; background?: BackgroundWork; settleBackground?: boolean; takeLock?: TakeLock; logFiles?: LogFiles } = {}): StageEnv {
  const sink = new LogSink(host, { echo: options.echo ?? true, files: options.logFiles });
  const log = new Logger(sink, "stages");
  const cmdline = readCmdline(host);
  const yamlCache = new YamlCache(host, (message) => log.child("config").warn(message));
  const config = loadSystemConfig(host, cmdline, log.child("config"), yamlCache);
  const distro = detectDistro(host, config.system_info as Record<string, unknown> | undefined);
  const background = options.background ?? new BackgroundWork();
  const takeLock = options.takeLock ?? ((lockOptions) => lockRoot(host, lockOptions));
  return { host, cmdline, sink, log, config, distro, version: VERSION, yamlCache, background, settleBackground: options.settleBackground ?? true, takeLock };
}

/** The guest's kernel command line; under --root a test may place ROOT/proc/cmdline. */
export function readCmdline(host: Host): string {
  return (host.readTextIfExists("/proc/cmdline") ?? "").trim();
}
