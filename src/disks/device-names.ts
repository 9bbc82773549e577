// The names user-data gives disks, resolved the way cloud-init resolves them: device_aliases
// first, cloud names (ephemeral0, swap, ebsN, ami, root) through the meta-data's
// block-device-mapping, short kernel names (vdb, xvdb1, sr0) under /dev, "name.N" as its Nth
// partition. disk_setup also needs the node itself: a /dev/disk/by-* link udev has not made
// yet is found from what it stands for (a virtio serial, a label, a UUID).
import { isPlainObject } from "../config/yaml";
import type { InstanceData } from "../datasources/types";
import type { Host } from "../host/host";

const SHORT_NAME = /^(x?[shv]d[a-z]+[0-9]*|nvme\d+n\d+(p\d+)?|sr[0-9]+)$/;
const CLOUD_NAME = /^(ami|root|swap|ephemeral\d*|ebs\d+)$/;
const NETWORK_NAME = /^.+:.*/;
const BY_SPEC = /^(LABEL|UUID|PARTUUID|PARTLABEL)=/;

/** An alias or cloud name mapped to a /dev path; undefined for a cloud name this machine lacks. */
function mapped(instance: InstanceData, name: string, aliases: Record<string, unknown>): string | undefined {
  let device = typeof aliases[name] === "string" ? String(aliases[name]) : name;
  if (CLOUD_NAME.test(device)) {
    const mapping = instance.metadata["block-device-mapping"];
    const target = isPlainObject(mapping) && typeof mapping[device] === "string" ? String(mapping[device]) : undefined;
    if (!target) return undefined;
    device = target.startsWith("/") ? target : `/dev/${target}`;
  } else if (SHORT_NAME.test(device)) device = `/dev/${device}`;
  return device;
}

/** "name.N" split into the name and its partition number. */
export function splitDotted(name: string): { base: string; partition?: number } {
  const dotted = /^(.+)\.(\d+)$/.exec(name);
  return dotted ? { base: dotted[1], partition: Number(dotted[2]) } : { base: name };
}

/** A device name as fstab should say it (a disk's first partition when it has one), or undefined for a cloud name this machine lacks. */
export function fstabDevice(host: Host, instance: InstanceData, name: string, aliases: Record<string, unknown>): string | undefined {
  const start = name === "ephemeral" ? "ephemeral0" : name;
  if (NETWORK_NAME.test(start) || BY_SPEC.test(start)) return start;
  const { base, partition } = splitDotted(start);
  const device = mapped(instance, base, aliases);
  if (device === undefined || !device.startsWith("/dev/")) return device;
  const partitionPath = partitionNode(host, device, partition ?? 1);
  if (partition !== undefined && !partitionPath) return undefined;
  return partitionPath ?? device;
}

/** The node of partition N of a disk, by the kernel's naming (vdb1, nvme0n1p1) or udev's (-partN links). */
export function partitionNode(host: Host, device: string, n: number): string | undefined {
  return [`${device}${n}`, `${device}p${n}`, `${device}-part${n}`].find((p) => host.exists(p));
}

/** Follows links below /dev to the node (kernel name) they name. */
function realNode(host: Host, path: string): string {
  let current = path;
  for (let i = 0; i < 16; i++) {
    const target = host.readlink(current);
    if (target === undefined) return current;
    current = target.startsWith("/") ? target : normalise(`${current.slice(0, current.lastIndexOf("/"))}/${target}`);
  }
  return current;
}

function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") out.pop();
    else if (part && part !== ".") out.push(part);
  }
  return `/${out.join("/")}`;
}

/**
 * The device node (/dev/vdb) a disk_setup or fs_setup name stands for, with its partition
 * when the name was dotted; undefined when nothing on this machine is that device.
 */
export async function diskNode(host: Host, instance: InstanceData, name: string, aliases: Record<string, unknown>): Promise<{ node: string; partition?: number } | undefined> {
  const { base, partition } = splitDotted(name);
  const device = mapped(instance, base, aliases);
  if (device === undefined) return undefined;
  const spec = BY_SPEC.exec(device) ? device : /^\/dev\/disk\/by-(label|uuid|partuuid|partlabel)\/(.+)$/.exec(device);
  if (host.exists(device)) return { node: realNode(host, device), partition };
  const serial = /^\/dev\/disk\/by-id\/virtio-(.+)$/.exec(device)?.[1];
  if (serial) {
    const disk = host.list("/sys/block").find((b) => host.readTextIfExists(`/sys/block/${b}/serial`)?.trim() === serial);
    return disk ? { node: `/dev/${disk}`, partition } : undefined;
  }
  if (spec) {
    // a label or UUID udev has not linked yet: blkid probes every device for it (no cache)
    const token = typeof spec === "string" ? spec : `${spec[1].toUpperCase()}=${spec[2]}`;
    const found = await host.run(["blkid", "-c", "/dev/null", "-o", "device", "-t", token], { timeoutMs: 30_000 });
    const node = found.code === 0 ? found.stdout.split("\n")[0]?.trim() : "";
    return node ? { node, partition } : undefined;
  }
  return undefined;
}
