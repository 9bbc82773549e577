// Frequencies and their semaphore files (cloudinit/helpers.py FileSemaphores).
import type { Host } from "../host/host";
import { CLOUD_DIR, instancePath } from "./paths";

export type Frequency = "always" | "once-per-instance" | "once";
export const FREQUENCIES: readonly Frequency[] = ["always", "once-per-instance", "once"];

/**
 * The semaphore that records `name` ran ("config-runcmd", "consume_data"); undefined for
 * `always`, which keeps none. File names use "_" for "-", as cloud-init's do.
 */
export function semaphoreFor(frequency: Frequency, instanceId: string, name: string): string | undefined {
  const file = name.replace(/-/g, "_");
  if (frequency === "once") return `${CLOUD_DIR}/sem/${file}.once`;
  if (frequency === "once-per-instance") return instancePath(instanceId, `sem/${file}`);
  return undefined;
}

export function hasRun(host: Host, semaphore: string | undefined): boolean {
  return semaphore !== undefined && host.exists(semaphore);
}

/** Written before the work runs, as cloud-init does: a failed per-instance run is not retried. */
export function markRun(host: Host, semaphore: string | undefined): void {
  if (semaphore === undefined) return;
  host.writeAtomic(semaphore, `${process.pid}: ${Date.now() / 1000}\n`);
}
