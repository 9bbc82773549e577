// growpart (every boot): grows the partition under each configured mount point ("/" by
// default) to the end of its disk with the growpart tool; NOCHANGE is success. A mount point on
// an LVM logical volume is grown through its chain: the VG's partitions, pvresize, lvextend
// (resizefs grows the filesystem after). A failure is a warning; what depends on the failed step
// is not done, and what is there keeps working.
import { isPlainObject, toList } from "../src/config/yaml";
import { mountOf, partitionOf, readMounts, type Partition } from "../src/disks/mounts";
import type { Host } from "../src/host/host";
import type { Logger } from "../src/log/logger";
import { DEFAULT_LVM_SIZE, isLogicalVolumeDmUuid, LVS_ARGS, lvextendSizeArgs, parseLvs, parsePvs, PVS_ARGS } from "../src/disks/lvm";
import type { CloudConfigModule } from "../src/module";
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
        properties: {
          mode: { type: ["string", "boolean"] },
          devices: { type: "array", items: { type: "string" } },
          ignore_growroot_disabled: { type: "boolean" },
          lvm_size: { type: "string" },
        },
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
    const lvmSize = settings.lvm_size === undefined ? lvextendSizeArgs(DEFAULT_LVM_SIZE) : typeof settings.lvm_size === "string" ? lvextendSizeArgs(settings.lvm_size) : undefined;
    // the value is not quoted: a value in the wrong key may be a secret (see validate)
    if (!lvmSize) log.warn("growpart.lvm_size: not a size lvextend takes here (+N%FREE, N%VG, [+]N<unit> such as +2G or 20G); logical volumes are not grown");
    const mounts = readMounts(host);
    for (const target of toList(settings.devices ?? ["/"])) {
      const mount = target.startsWith("/dev/") ? undefined : mountOf(mounts, target);
      const found = mount ? partitionOf(host, mount) : undefined;
      if (!found || "none" in found) {
        log.info(`growpart ${target}: ${found && "none" in found ? found.none : "no such mount"}; skipped`);
        continue;
      }
      if ("mapped" in found) {
        const dm = found.mapped.replace(/^\/dev\//, "");
        const dmUuid = host.readTextIfExists(`/sys/block/${dm}/dm/uuid`)?.trim() ?? "";
        if (!isLogicalVolumeDmUuid(dmUuid)) log.info(`growpart ${target}: on the mapped device ${found.mapped}, not an LVM logical volume; not grown (as cloud-init)`);
        else if (!lvmSize) log.info(`growpart ${target}: on the logical volume ${found.mapped}; not grown (growpart.lvm_size is not valid)`);
        else await growLogicalVolume(host, log, target, dm, dmUuid, lvmSize);
        continue;
      }
      if ("notPartition" in found) {
        log.info(`growpart ${target}: ${found.device} is a whole disk, not a partition; skipped`);
        continue;
      }
      await growPartition(host, log, found.partition);
    }
  },
};

/** growpart on one partition; a failure is a warning. */
async function growPartition(host: Host, log: Logger, { disk, number, device }: Partition): Promise<void> {
  if (reachesEndOfDisk(host, device, disk)) {
    log.debug(`growpart ${device}: already at the end of ${disk}; NOCHANGE without running growpart`);
    return;
  }
  const dry = await host.run(["growpart", "--dry-run", disk, String(number)], { env: { LANG: "C" } });
  if (dry.code === 1) {
    log.debug(`growpart ${device}: NOCHANGE`);
    return;
  }
  const grown = dry.code === 0 ? await host.run(["growpart", disk, String(number)], { env: { LANG: "C" } }) : dry;
  if (grown.code === 0) {
    // growpart's own last line: "CHANGED: partition=1 start=2048 old: size=… new: size=…"
    log.info(`growpart ${device}: CHANGED: ${grown.stdout.trim().split("\n").pop()?.replace(/^CHANGED: /, "")}`);
  } else log.warn(commandFailure(`growpart ${disk} ${number}`, grown));
}

/**
 * The chain under a mount point on an LVM logical volume: every PV of its VG that is a
 * partition short of its disk's end is grown, every PV with room for more extents on its device
 * is pvresized, and the LV is extended by `lvmSize` when that added extents to the VG. Each
 * step that fails is a warning and what depends on it is not done: the LV and its filesystem
 * stay as they were, space already added stays free in the VG.
 */
async function growLogicalVolume(host: Host, log: Logger, target: string, dm: string, dmUuid: string, lvmSize: string[]): Promise<void> {
  // every later boot: the partitions the LV lies on already reach their disks' ends (no lvm command)
  const under = host.list(`/sys/block/${dm}/slaves`).map((name) => partitionOfDevice(host, `/dev/${name}`));
  if (under.every((p) => !p || reachesEndOfDisk(host, p.device, p.disk))) {
    log.debug(`growpart ${target}: the partitions under /dev/${dm} reach the ends of their disks; NOCHANGE without running lvm`);
    return;
  }
  const lvm = async (argv: string[], what = argv.join(" ")): Promise<string | undefined> => {
    const result = await host.run(argv, { env: { LANG: "C" } });
    if (result.code === 0) return result.stdout;
    log.warn(`growpart ${target}: ${commandFailure(what, result)}`);
    return undefined;
  };
  const report = async <T>(argv: string[], parse: (json: string) => T): Promise<T | undefined> => {
    const json = await lvm(argv, argv[0]);
    if (json === undefined) return undefined;
    try {
      return parse(json);
    } catch (err) {
      log.warn(`growpart ${target}: ${(err as Error).message}; not grown`);
      return undefined;
    }
  };
  const lv = (await report(LVS_ARGS, parseLvs))?.find((l) => l.dmUuid === dmUuid);
  if (!lv) return void log.warn(`growpart ${target}: lvs does not show the logical volume of /dev/${dm}; not grown`);
  const pvsOfVg = async () => (await report(PVS_ARGS, parsePvs))?.filter((pv) => pv.vgUuid === lv.vgUuid);
  const before = await pvsOfVg();
  if (!before) return;
  for (const pv of before) {
    const partition = partitionOfDevice(host, pv.device);
    if (partition) await growPartition(host, log, partition);
  }
  // growpart itself runs pvresize when lvm knows the partition as a PV (bookworm's
  // cloud-guest-utils 0.33 does); lvm's view after it says which PVs still miss extents their
  // devices have (an older growpart, its pvresize failed, or a partition grown in an earlier boot)
  let after = await pvsOfVg();
  if (!after) return;
  const short = after.filter((pv) => pv.extentsOnDevice > pv.extents);
  for (const pv of short) await lvm(["pvresize", pv.device]);
  if (short.length) after = await pvsOfVg();
  if (!after) return;
  const added = extentsOf(after) - extentsOf(before);
  if (added <= 0) return void log.info(`growpart ${target}: the PVs of ${lv.name} gave its VG no more extents; ${lv.name} not extended`);
  if ((await lvm(["lvextend", ...lvmSize, lv.name])) !== undefined) log.info(`growpart ${target}: CHANGED: ${lv.name} extended by ${lvmSize.join(" ")} (its VG had gained ${added} extents)`);
}

function extentsOf(pvs: { extents: number }[]): number {
  return pvs.reduce((sum, pv) => sum + pv.extents, 0);
}

/** The partition a device node names (a PV, a device under a dm device), from /sys; undefined for a whole disk or anything else. */
function partitionOfDevice(host: Host, device: string): Partition | undefined {
  const majorMinor = host.readTextIfExists(`/sys/class/block/${device.replace(/^\/dev\//, "")}/dev`)?.trim();
  if (!majorMinor) return undefined;
  const found = partitionOf(host, { mountPoint: device, majorMinor, fstype: "", source: device });
  return "partition" in found ? found.partition : undefined;
}

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
