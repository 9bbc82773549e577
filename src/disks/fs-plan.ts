// fs_setup's choice of where a filesystem goes, pure over what the disk holds. cloud-init's
// rules, except where they destroy data: with overwrite false (the default) nothing that holds
// any signature (a filesystem, a partition table, LVM, RAID, LUKS) is ever formatted, and a
// filesystem that is already what was asked for is used as it is.
import { DiskConfigError } from "./layout";

/** A block device as probed: its filesystem (blkid TYPE and LABEL) and every signature wipefs sees. */
export interface BlockNode {
  node: string;
  fstype?: string;
  label?: string;
  signatures: string[];
}

export interface DiskTree {
  disk: BlockNode;
  partitions: (BlockNode & { number: number })[];
}

export interface FsWish {
  filesystem?: string;
  label?: string;
  /** "auto", "any", "none" or a partition number. */
  partition: string;
  overwrite: boolean;
  replaceFs?: string;
}

export type FsPlan =
  | { action: "keep"; node: string; why: string }
  | { action: "format"; node: string; force: boolean; why: string }
  | { action: "refuse"; why: string };

const holds = (n: BlockNode) => (n.signatures.length ? n.signatures.join(", ") : n.fstype ?? "");
const described = (n: BlockNode) => `${n.node} holds ${holds(n)}${n.label ? ` labelled ${JSON.stringify(n.label)}` : ""}`;
const used = (n: BlockNode) => n.signatures.length > 0 || n.fstype !== undefined;
const matches = (n: BlockNode, wish: FsWish, byLabel: boolean) => n.fstype !== undefined && n.fstype === wish.filesystem && (!byLabel || (n.label ?? "") === (wish.label ?? ""));

export function parsePartition(value: unknown, where: string): string {
  const text = value === undefined || value === null ? "any" : String(value).toLowerCase();
  if (["auto", "any", "none"].includes(text) || /^[1-9]\d{0,2}$/.test(text)) return text;
  throw new DiskConfigError(`${where}.partition: expected auto, any, none or a partition number`);
}

/** Formats one exact node (partition N, or the disk for "none") only when that destroys nothing, or overwrite says so. */
function exact(node: BlockNode | undefined, wish: FsWish, what: string): FsPlan {
  if (!node) return { action: "refuse", why: `${what} does not exist` };
  if (matches(node, wish, true) && !wish.overwrite) return { action: "keep", node: node.node, why: `${node.node} already has ${wish.filesystem}${wish.label ? ` labelled ${JSON.stringify(wish.label)}` : ""}` };
  if (!used(node)) return { action: "format", node: node.node, force: false, why: `${node.node} is blank` };
  if (wish.overwrite) return { action: "format", node: node.node, force: true, why: `overwrite is true: ${described(node)}, replaced` };
  return { action: "refuse", why: `${described(node)}; not formatted (overwrite is false)` };
}

export function planFs(wish: FsWish, tree: DiskTree): FsPlan {
  const { disk, partitions } = tree;
  if (/^\d+$/.test(wish.partition)) return exact(partitions.find((p) => p.number === Number(wish.partition)), wish, `partition ${wish.partition} of ${disk.node}`);
  if (wish.partition === "none") {
    if (partitions.length && !wish.overwrite) return { action: "refuse", why: `${disk.node} has ${partitions.length} partition(s); the whole disk is not formatted (overwrite is false)` };
    return exact(disk, wish, disk.node);
  }
  const byLabel = wish.partition === "auto";
  const candidates = [disk, ...partitions];
  const existing = candidates.find((n) => matches(n, wish, byLabel));
  if (existing) return { action: "keep", node: existing.node, why: `${existing.node} already has ${wish.filesystem}${byLabel && wish.label ? ` labelled ${JSON.stringify(wish.label)}` : ""}` };
  if (!byLabel && wish.replaceFs) {
    const replaced = candidates.find((n) => n.fstype === wish.replaceFs);
    if (replaced) return { action: "format", node: replaced.node, force: true, why: `replace_fs: ${described(replaced)}, replaced as asked` };
  }
  if (!partitions.length) {
    if (!used(disk)) return { action: "format", node: disk.node, force: false, why: `${disk.node} is blank and has no partitions` };
    return { action: "refuse", why: `${described(disk)} and no partition table; nothing was formatted` };
  }
  const free = partitions.find((p) => !used(p));
  if (free) return { action: "format", node: free.node, force: false, why: `${free.node} is the first partition without a filesystem` };
  return { action: "refuse", why: `every partition of ${disk.node} holds data (${partitions.map(described).join("; ")}); nothing was formatted` };
}

// each mkfs's own flag for "even if something is there" and for the label
const FORCE: Record<string, string> = { ext2: "-F", ext3: "-F", ext4: "-F", xfs: "-f", btrfs: "-f", swap: "-f", vfat: "" };
const LABEL_FLAG: Record<string, string> = { vfat: "-n" };

/** The mkfs argv: the program found for the type, its label flag, force only when the plan replaces something, the user's options. */
export function mkfsArgv(program: string, filesystem: string, node: string, label: string | undefined, force: boolean, extraOpts: string[]): string[] {
  const argv = [program];
  if (label) argv.push(LABEL_FLAG[filesystem] ?? "-L", label);
  if (force && FORCE[filesystem]) argv.push(FORCE[filesystem]);
  return [...argv, ...extraOpts, node];
}
