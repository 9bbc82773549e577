// growpart (every boot): grows the partition under each configured mount point ("/" by
// default) to the end of its disk with the growpart tool; NOCHANGE is success. A failure
// leaves the disk as growpart left it (it changes nothing it cannot finish) and is reported.
import { isPlainObject } from "../src/config/yaml";
import { mountOf, partitionOf, readMounts } from "../src/disks/mounts";
import type { Host } from "../src/host/host";
import type { CloudConfigModule } from "../src/module";
import { toList } from "../src/users";
import { commandFailure } from "../src/host/command-error";

export const growpart: CloudConfigModule = {
  name: "growpart",
  frequency: "always",
  idempotent: true,
  distros: "all",
  schema: {
    properties: {
      growpart: {
        type: "object",
        properties: { mode: { type: ["string", "boolean"] }, devices: { type: "array", items: { type: "string" } }, ignore_growroot_disabled: { type: "boolean" } },
      },
    },
  },
  async run({ host, config, log }) {
    const settings = isPlainObject(config.growpart) ? config.growpart : {};
    const mode = String(settings.mode ?? "auto").toLowerCase();
    if (mode === "off" || mode === "false") return { skipped: "growpart mode is off" };
    if (host.exists("/etc/growroot-disabled") && settings.ignore_growroot_disabled !== true) return { skipped: "/etc/growroot-disabled exists" };
    if (!host.which("growpart")) {
      if (mode === "growpart") throw new Error("growpart mode was asked for but the growpart tool is not in this image");
      return { skipped: "the growpart tool (cloud-guest-utils) is not in this image" };
    }
    const mounts = readMounts(host);
    for (const target of toList(settings.devices ?? ["/"])) {
      const mount = target.startsWith("/dev/") ? undefined : mountOf(mounts, target);
      const found = mount ? partitionOf(host, mount) : undefined;
      if (!found || "none" in found) {
        log.info(`growpart ${target}: ${found && "none" in found ? found.none : "no such mount"}; skipped`);
        continue;
      }
      if ("mapped" in found) {
        log.info(`growpart ${target}: on the mapped device ${found.mapped}; not grown (as cloud-init)`);
        continue;
      }
      if ("notPartition" in found) {
        log.info(`growpart ${target}: ${found.device} is a whole disk, not a partition; skipped`);
        continue;
      }
      const { disk, number, device } = found.partition;
      if (reachesEndOfDisk(host, device, disk)) {
        log.debug(`growpart ${device}: already at the end of ${disk}; NOCHANGE without running growpart`);
        continue;
      }
      const dry = await host.run(["growpart", "--dry-run", disk, String(number)], { env: { LANG: "C" } });
      if (dry.code === 1) {
        log.debug(`growpart ${device}: NOCHANGE`);
        continue;
      }
      const grown = dry.code === 0 ? await host.run(["growpart", disk, String(number)], { env: { LANG: "C" } }) : dry;
      if (grown.code === 0) log.info(`growpart ${device}: CHANGED: ${grown.stdout.trim().split("\n").pop()}`);
      else log.warn(commandFailure(`growpart ${disk} ${number}`, grown));
    }
  },
};

/**
 * Partition start + size against the disk's size, from /sys (in 512-byte sectors): on every
 * boot after the first this answers NOCHANGE without spawning growpart and sfdisk.
 */
function reachesEndOfDisk(host: Host, device: string, disk: string): boolean {
  const sectors = (path: string) => Number(host.readTextIfExists(path)?.trim());
  const name = (dev: string) => dev.replace(/^\/dev\//, "");
  const start = sectors(`/sys/class/block/${name(device)}/start`);
  const size = sectors(`/sys/class/block/${name(device)}/size`);
  const total = sectors(`/sys/class/block/${name(disk)}/size`);
  // growpart leaves up to 1 MiB at the end (alignment, a GPT backup header)
  return Number.isFinite(start + size + total) && total > 0 && start + size >= total - 2048;
}
