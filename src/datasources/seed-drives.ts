// Finds a drive by filesystem label (cidata, config-2) among the block devices in
// /sys/class/block and reads it in place: no blkid, no mount, works in early boot.
import * as os from "node:os";
import type { Host } from "../host/host";
import type { Logger } from "../log/logger";
import { withSeedImage, type SeedImage } from "../seed-drive/index";

const NOT_SEED_DEVICES = /^(loop|ram|zram|nbd|md|dm-)/;
const { ENOMEDIUM, EBUSY, ENXIO, ENODEV, ENOENT } = os.constants.errno as Record<string, number>;
const NO_MEDIUM = [ENOMEDIUM ?? 123, EBUSY, ENXIO, ENODEV, ENOENT];

/** Candidate seed devices, sorted descending as cloud-init does. */
function seedDevices(host: Host): string[] {
  return host.list("/sys/class/block").filter((name) => !NOT_SEED_DEVICES.test(name)).sort().reverse().map((name) => `/dev/${name}`).filter((device) => host.exists(device));
}

/**
 * Calls `use` with the first drive whose label is one of `labels`; a drive that cannot be
 * read is logged and skipped.
 */
export function readLabelledDrive<T>(host: Host, labels: string[], log: Logger, use: (image: SeedImage, device: string) => T): T | undefined {
  for (const device of seedDevices(host)) {
    try {
      const found = withSeedImage(host.path(device), (image) => (labels.includes(image.label) ? { value: use(image, device) } : undefined));
      if (found) return found.value;
    } catch (err) {
      if (!noMedium(err)) log.error(`${device}: ${(err as Error).message}`);
    }
  }
  return undefined;
}

/** Whether some drive carries one of `labels`; a drive that cannot be read may be one, for read() to report. */
export function hasLabelledDrive(host: Host, labels: string[]): boolean {
  return seedDevices(host).some((device) => {
    try {
      return withSeedImage(host.path(device), (image) => labels.includes(image.label)) ?? false;
    } catch (err) {
      return !noMedium(err);
    }
  });
}

/** An empty CD-ROM drive (libuv has no name for ENOMEDIUM) or a gone device is no seed. */
function noMedium(err: unknown): boolean {
  return NO_MEDIUM.includes(Math.abs((err as NodeJS.ErrnoException).errno ?? 0));
}
