// Runs every executable regular file of a directory in name order, as cloud-init's
// util.runparts does: non-executables are warned about, failures collected, none stop the rest.
// One exception: a file named as our writer names its temps is a write in progress or one a
// crash cut short, never a script.
import type { Host } from "../host/host";
import { TEMP_NAME } from "../host/replace-file";
import type { Logger } from "../log/logger";
import { commandFailure } from "../host/command-error";

export interface RunPartsOptions {
  env?: Record<string, string>;
  output(chunk: Buffer): void;
  /** Prepended to each script's argv (scripts_vendor's `vendor_data.prefix`). */
  prefix?: string[];
}

/** Returns the paths that failed; an absent directory has nothing to run. */
export async function runParts(host: Host, dir: string, log: Logger, options: RunPartsOptions): Promise<string[]> {
  const failed: string[] = [];
  for (const name of host.list(dir)) {
    if (TEMP_NAME.test(name)) continue;
    const path = `${dir}/${name}`;
    const real = host.statFollow(path);
    if (!real || !real.isFile()) continue;
    if ((real.mode & 0o111) === 0) {
      log.warn(`${path} is not executable; skipped`);
      continue;
    }
    log.debug(`running ${path}`);
    const result = await host.run([...(options.prefix ?? []), path], { env: options.env, onOutput: options.output });
    if (result.code !== 0) {
      log.warn(commandFailure(path, result, false));
      failed.push(name);
    }
  }
  return failed;
}
