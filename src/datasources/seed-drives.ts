// Finds a drive by filesystem label (cidata, config-2) among the block devices in
// /sys/class/block and reads it in place: no blkid, no mount, works in early boot.
import type { Host } from "../host/host";
import type { Logger } from "../log/logger";
import { withSeedImage, type SeedImage } from "../seed-drive/index";

const NOT_SEED_DEVICES = /^(loop|ram|zram|nbd|md|dm-)/;

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
      const code = (err as NodeJS.ErrnoException).code;
      // an empty CD-ROM drive or a busy device is no seed
      if (code !== "ENOMEDIUM" && code !== "EBUSY" && code !== "ENXIO") log.error(`${device}: ${(err as Error).message}`);
    }
  }
  return undefined;
}
