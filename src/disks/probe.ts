// What a disk holds, asked of util-linux without udev's database (which a first boot may not
// have filled yet): the partition table (sfdisk --json), each node's filesystem and label
// (blkid's low-level probe, no cache) and every signature on it (wipefs --no-act), which sees
// LVM, RAID and LUKS headers and table remnants that a filesystem check alone would miss.
import { parseJson } from "../config/yaml";
import { CommandError } from "../host/command-error";
import type { Host } from "../host/host";
import type { BlockNode, DiskTree } from "./fs-plan";
import type { TableRead } from "./layout";

const PROBE_MS = 60_000;

export async function probeNode(host: Host, node: string): Promise<BlockNode> {
  const blkid = await host.run(["blkid", "-p", "-c", "/dev/null", "-o", "export", node], { timeoutMs: PROBE_MS });
  // 2: nothing recognised on the device
  if (blkid.code !== 0 && blkid.code !== 2) throw new CommandError(`blkid -p ${node}`, blkid);
  const fields = Object.fromEntries(blkid.stdout.split("\n").flatMap((l) => (/^[A-Z_]+=/.test(l) ? [[l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]] : [])));
  const wipefs = await host.runChecked(["wipefs", "--no-act", "--json", node], { timeoutMs: PROBE_MS });
  const listed = wipefs.stdout.trim() ? (parseJson(wipefs.stdout) as { signatures?: { type?: unknown }[] }) : {};
  const signatures = [...new Set((listed.signatures ?? []).map((s) => String(s.type)))];
  return { node, fstype: fields.TYPE || undefined, label: fields.LABEL || undefined, signatures };
}

/** The partition table, or undefined when the disk has none sfdisk recognises. */
export async function readTable(host: Host, disk: string): Promise<TableRead | undefined> {
  const result = await host.run(["sfdisk", "--json", disk], { timeoutMs: PROBE_MS });
  if (result.code !== 0) {
    if (/does not contain a recognized partition table/.test(result.stderr)) return undefined;
    throw new CommandError(`sfdisk --json ${disk}`, result);
  }
  const table = (parseJson(result.stdout) as { partitiontable?: { label?: unknown; partitions?: { node?: unknown; type?: unknown }[] } }).partitiontable;
  if (!table) return undefined;
  return { label: String(table.label), partitions: (table.partitions ?? []).map((p) => ({ node: String(p.node), type: String(p.type) })) };
}

/** The partition's number: the kernel's (sysfs), else the digits its name ends with. */
function partitionNumber(host: Host, node: string): number {
  const name = node.slice(node.lastIndexOf("/") + 1);
  const fromSys = Number(host.readTextIfExists(`/sys/class/block/${name}/partition`)?.trim());
  return Number.isInteger(fromSys) && fromSys > 0 ? fromSys : Number(/(\d+)$/.exec(name)?.[1] ?? NaN);
}

export async function probeDisk(host: Host, disk: string): Promise<DiskTree & { table?: TableRead }> {
  const table = await readTable(host, disk);
  const partitions = [];
  for (const p of table?.partitions ?? []) partitions.push({ ...(await probeNode(host, p.node)), number: partitionNumber(host, p.node) });
  return { disk: await probeNode(host, disk), partitions, table };
}

/** Whether the node is a whole disk (not a partition): partitions have a `partition` file in sysfs. */
export function isWholeDisk(host: Host, node: string): boolean {
  const name = node.slice(node.lastIndexOf("/") + 1);
  return host.exists(`/sys/class/block/${name}`) && !host.exists(`/sys/class/block/${name}/partition`);
}

/** The disk's size in its own logical sectors (what sfdisk's size= counts). */
export async function sectorCount(host: Host, disk: string): Promise<number> {
  const bytes = Number((await host.runChecked(["blockdev", "--getsize64", disk])).stdout.trim());
  const sector = Number((await host.runChecked(["blockdev", "--getss", disk])).stdout.trim());
  if (!(bytes > 0 && sector > 0)) throw new Error(`blockdev gave no size for ${disk}`);
  return Math.floor(bytes / sector);
}
