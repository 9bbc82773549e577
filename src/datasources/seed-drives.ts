// Finds a drive by filesystem label (cidata, config-2) among the block devices in
// /sys/class/block and reads it in place: no blkid, no mount, works in early boot.
import * as os from "node:os";
import type { Host } from "../host/host";
import type { Logger } from "../log/logger";
import { withSeedImage, type SeedImage } from "../seed-drive/index";

const NOT_SEED_DEVICES = /^(loop|ram|zram|nbd|md|dm-)/;
const { ENOMEDIUM, EBUSY, ENXIO, ENODEV, ENOENT } = os.constants.errno as Record<string, number>;
const NO_MEDIUM = [ENOMEDIUM ?? 123, EBUSY, ENXIO, ENODEV, ENOENT];

/**
 * Calls `use` with the first drive (devices sorted descending, as cloud-init does) whose
 * label is one of `labels`; a drive that cannot be read is logged and skipped.
 */
export function readLabelledDrive<T>(host: Host, labels: string[], log: Logger, use: (image: SeedImage, device: string) => T): T | undefined {
  const devices = host.list("/sys/class/block").filter((name) => !NOT_SEED_DEVICES.test(name)).sort().reverse();
  for (const name of devices) {
    const device = `/dev/${name}`;
    if (!host.exists(device)) continue;
    try {
      const found = withSeedImage(host.path(device), (image) => (labels.includes(image.label) ? { value: use(image, device) } : undefined));
      if (found) return found.value;
    } catch (err) {
      // an empty CD-ROM drive (libuv has no name for ENOMEDIUM) or a gone device is no seed
      const errno = Math.abs((err as NodeJS.ErrnoException).errno ?? 0);
      if (!NO_MEDIUM.includes(errno)) log.error(`${device}: ${(err as Error).message}`);
    }
  }
  return undefined;
}
