// Which block device holds a mount point, read from /proc/self/mountinfo and /sys (no
// findmnt, lsblk or blkid), for growpart and resizefs.
import { containerName } from "../host/container";
import type { Host } from "../host/host";

export interface Mount {
  mountPoint: string;
  majorMinor: string;
  fstype: string;
  source: string;
}

export function parseMountinfo(text: string): Mount[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [left, right = ""] = line.split(" - ");
      const f = left.split(" ");
      const [fstype = "", source = ""] = right.split(" ");
      return { mountPoint: unescape(f[4] ?? ""), majorMinor: f[2] ?? "", fstype, source: unescape(source) };
    });
}

function unescape(field: string): string {
  return field.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The mount that holds `path`: the longest mount point that is a prefix, the last one mounted. */
export function mountOf(mounts: Mount[], path: string): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const inside = path === m.mountPoint || m.mountPoint === "/" || path.startsWith(`${m.mountPoint}/`);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

export interface Partition {
  /** /dev/vda1 */
  device: string;
  /** /dev/vda */
  disk: string;
  number: number;
}

export type DeviceOf = { partition: Partition } | { device: string; notPartition: true } | { mapped: string } | { none: string };

/**
 * The partition behind a mount, found through /sys/dev/block/<major:minor>. In a container
 * /sys shows the host's disk but /dev has no node for it: nothing to grow or resize there,
 * as cloud-init decides by the missing device.
 */
export function partitionOf(host: Host, mount: Mount): DeviceOf {
  const link = host.readlink(`/sys/dev/block/${mount.majorMinor}`);
  if (!link) return { none: `${mount.mountPoint} is not on a block device (${mount.source})` };
  const parts = link.split("/");
  const name = parts.at(-1)!;
  const number = host.readTextIfExists(`/sys/class/block/${name}/partition`)?.trim();
  const nodes = number ? [`/dev/${name}`, `/dev/${parts.at(-2)}`] : [`/dev/${name}`];
  const missing = nodes.find((node) => !host.exists(node));
  if (missing) {
    const container = containerName(host);
    return { none: `${missing} does not exist${container ? ` in this container (${container})` : ""}` };
  }
  if (name.startsWith("dm-")) return { mapped: `/dev/${name}` };
  if (!number) return { device: `/dev/${name}`, notPartition: true };
  return { partition: { device: `/dev/${name}`, disk: nodes[1], number: Number(number) } };
}

export function readMounts(host: Host): Mount[] {
  return parseMountinfo(host.readTextIfExists("/proc/self/mountinfo") ?? "");
}
