// resizefs (every boot): grows the root filesystem to its (grown) partition with the tool
// its type needs; `resize_rootfs: noblock` lets the boot go on while it runs.
import { mountOf, partitionOf, readMounts } from "../src/disks/mounts";
import type { CloudConfigModule } from "../src/module";

const RESIZERS: [RegExp, (device: string) => string[]][] = [
  [/^ext/, (device) => ["resize2fs", device]],
  [/^xfs$/, () => ["xfs_growfs", "/"]],
  [/^btrfs$/, () => ["btrfs", "filesystem", "resize", "max", "/"]],
];

export const resizefs: CloudConfigModule = {
  name: "resizefs",
  frequency: "always",
  idempotent: true,
  distros: "all",
  schema: { properties: { resize_rootfs: { oneOf: [{ type: "boolean" }, { enum: ["noblock"] }] } } },
  async run(ctx) {
    const { host, config, log } = ctx;
    const mode = config.resize_rootfs ?? true;
    if (mode === false || String(mode).toLowerCase() === "false") return { skipped: "resize_rootfs is false" };
    const root = mountOf(readMounts(host), "/");
    if (!root) return { skipped: "no mount information for /" };
    const found = partitionOf(host, root);
    if ("none" in found) return { skipped: found.none };
    const device = "partition" in found ? found.partition.device : "mapped" in found ? found.mapped : found.device;
    const resizer = RESIZERS.find(([type]) => type.test(root.fstype));
    if (!resizer) {
      log.warn(`resizefs: no resizer for a ${root.fstype} root filesystem`);
      return;
    }
    const argv = resizer[1](device);
    if (!host.which(argv[0])) return { skipped: `${argv[0]} is not in this image` };
    const work = host.runChecked(argv).then(() => {
      log.info(`resized ${device} (${root.fstype}): ${argv.join(" ")}`);
    });
    if (String(mode).toLowerCase() === "noblock") ctx.background("resize_rootfs noblock", work);
    else await work;
  },
};
