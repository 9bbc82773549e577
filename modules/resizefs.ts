// resizefs (every boot): grows the root filesystem, and that of every other mount point
// growpart.devices lists (an extension: cloud-init 22.4.2 grows only /), to its grown partition
// or logical volume with the tool its type needs; `resize_rootfs: noblock` lets the boot go on
// while they run. A filesystem that cannot be grown stays as it was and usable.
import { isPlainObject, toList } from "../src/config/yaml";
import { mountOf, partitionOf, readMounts, type Mount } from "../src/disks/mounts";
import { commandFailure } from "../src/host/command-error";
import type { CloudConfigModule } from "../src/module";

const RESIZERS: [RegExp, (device: string, mountPoint: string) => string[]][] = [
  [/^ext/, (device) => ["resize2fs", device]],
  [/^xfs$/, (_, mountPoint) => ["xfs_growfs", mountPoint]],
  [/^btrfs$/, (_, mountPoint) => ["btrfs", "filesystem", "resize", "max", mountPoint]],
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
    const mounts = readMounts(host);
    const growpart = isPlainObject(config.growpart) ? config.growpart : {};
    // growpart's own list (mount points; growpart skips device paths too), / always first
    const targets = ["/", ...toList(growpart.devices ?? []).filter((t) => !t.startsWith("/dev/"))];
    const filesystems = new Map<string, Mount>();
    const skipped: string[] = [];
    for (const target of targets) {
      // the filesystem holding the path, once however many listed paths it holds
      const mount = mountOf(mounts, target);
      if (!mount) skipped.push(`no mount information for ${target}`);
      else if (!filesystems.has(mount.majorMinor)) filesystems.set(mount.majorMinor, mount);
    }
    const resizes: { device: string; mount: Mount; argv: string[] }[] = [];
    for (const mount of filesystems.values()) {
      const found = partitionOf(host, mount);
      if ("none" in found) {
        skipped.push(found.none);
        continue;
      }
      const device = "partition" in found ? found.partition.device : "mapped" in found ? found.mapped : found.device;
      const resizer = RESIZERS.find(([type]) => type.test(mount.fstype));
      if (!resizer) {
        log.warn(`resizefs: no resizer for a ${mount.fstype} filesystem (${mount.mountPoint})`);
        continue;
      }
      const argv = resizer[1](device, mount.mountPoint);
      if (host.which(argv[0])) resizes.push({ device, mount, argv });
      else skipped.push(`${argv[0]} is not in this image (${mount.mountPoint})`);
    }
    if (!resizes.length) return skipped.length ? { skipped: skipped.join("; ") } : undefined;
    for (const why of skipped) log.info(`resizefs: ${why}; not resized`);
    // one after another; one that fails does not stop the next
    const work = (async () => {
      const failures: string[] = [];
      for (const { device, mount, argv } of resizes) {
        const result = await host.run(argv);
        if (result.code === 0) log.info(`resized ${device} (${mount.fstype}, ${mount.mountPoint}): ${argv.join(" ")}`);
        else failures.push(commandFailure(argv.join(" "), result));
      }
      // nothing grown is a failure of the module; some grown, a warning for each that was not
      if (failures.length === resizes.length) throw new Error(failures.join("; "));
      for (const failure of failures) log.warn(`resizefs: ${failure}`);
    })();
    if (String(mode).toLowerCase() === "noblock") ctx.background("resize_rootfs noblock", work);
    else await work;
  },
};
