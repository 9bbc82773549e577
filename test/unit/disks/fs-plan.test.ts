// fs_setup's choice of device, over every kind of disk a re-created VM may meet: the rule is
// that nothing holding a signature is formatted unless overwrite (or replace_fs) says so.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BlockNode, type DiskTree, type FsWish, mkfsArgv, parsePartition, planFs } from "../../../src/disks/fs-plan";

const blank = (node: string): BlockNode => ({ node, signatures: [] });
const fs = (node: string, fstype: string, label?: string): BlockNode => ({ node, fstype, label, signatures: [fstype] });
const part = (n: number, node: BlockNode) => ({ ...node, number: n });
const wish = (w: Partial<FsWish>): FsWish => ({ filesystem: "ext4", label: "data", partition: "auto", overwrite: false, ...w });
const gptDisk = { node: "/dev/vdb", signatures: ["gpt", "PMBR"] };

describe("fs_setup plans", () => {
  it("a blank disk without partitions is formatted whole; one with a blank partition gets it", () => {
    expect(planFs(wish({}), { disk: blank("/dev/vdb"), partitions: [] })).toMatchObject({ action: "format", node: "/dev/vdb", force: false });
    expect(planFs(wish({}), { disk: gptDisk, partitions: [part(1, blank("/dev/vdb1"))] })).toMatchObject({ action: "format", node: "/dev/vdb1", force: false });
  });

  it("a re-created VM's data disk: the filesystem asked for is found and kept", () => {
    const tree: DiskTree = { disk: gptDisk, partitions: [part(1, fs("/dev/vdb1", "ext4", "data"))] };
    expect(planFs(wish({}), tree)).toMatchObject({ action: "keep", node: "/dev/vdb1" });
    expect(planFs(wish({ partition: "any", label: "other" }), tree)).toMatchObject({ action: "keep", node: "/dev/vdb1" });
    expect(planFs(wish({ partition: "1" }), tree)).toMatchObject({ action: "keep", node: "/dev/vdb1" });
  });

  it("a filesystem without a partition table is never formatted over, whatever partition says", () => {
    const tree: DiskTree = { disk: fs("/dev/vdb", "xfs", "old"), partitions: [] };
    for (const partition of ["auto", "any", "none", "1"]) {
      const plan = planFs(wish({ partition }), tree);
      expect(plan.action, partition).toBe("refuse");
    }
    expect(planFs(wish({ partition: "auto" }), tree)).toEqual({ action: "refuse", why: '/dev/vdb holds xfs labelled "old" and no partition table; nothing was formatted' });
  });

  it("the three places cloud-init destroys data need overwrite: none, a numbered partition with another label, and LVM or RAID on it", () => {
    const labelled = { disk: gptDisk, partitions: [part(1, fs("/dev/vdb1", "ext4", "photos"))] };
    expect(planFs(wish({ partition: "1" }), labelled)).toEqual({ action: "refuse", why: '/dev/vdb1 holds ext4 labelled "photos"; not formatted (overwrite is false)' });
    expect(planFs(wish({ partition: "1", overwrite: true }), labelled)).toMatchObject({ action: "format", node: "/dev/vdb1", force: true });
    expect(planFs(wish({ partition: "none" }), labelled).action).toBe("refuse");
    expect(planFs(wish({ partition: "none", overwrite: true }), labelled)).toMatchObject({ action: "format", node: "/dev/vdb", force: true });
    const lvm = { disk: gptDisk, partitions: [part(1, { node: "/dev/vdb1", fstype: "LVM2_member", signatures: ["LVM2_member"] })] };
    expect(planFs(wish({}), lvm).action).toBe("refuse");
  });

  it("replace_fs replaces only the type named, with partition any", () => {
    const ntfs = { disk: { node: "/dev/sdb", signatures: ["dos"] }, partitions: [part(1, fs("/dev/sdb1", "ntfs", "Temporary Storage"))] };
    expect(planFs(wish({ partition: "any", replaceFs: "ntfs" }), ntfs)).toMatchObject({ action: "format", node: "/dev/sdb1", force: true });
    expect(planFs(wish({ partition: "any", replaceFs: "vfat" }), ntfs).action).toBe("refuse");
    expect(planFs(wish({ partition: "auto", replaceFs: "ntfs" }), ntfs).action).toBe("refuse");
  });

  it("never formats a node holding a signature without overwrite or replace_fs, on any disk", () => {
    const sig = fc.constantFrom("ext4", "xfs", "btrfs", "swap", "vfat", "LVM2_member", "linux_raid_member", "crypto_LUKS", "dos", "gpt");
    const node = (name: string) => fc.option(sig, { nil: undefined }).map((s): BlockNode => (s ? { node: name, fstype: s, signatures: [s] } : blank(name)));
    const tree = fc.tuple(node("/dev/vdb"), fc.array(fc.constant(0), { maxLength: 4 })).chain(([disk, ps]) =>
      fc.tuple(fc.constant(disk), fc.tuple(...ps.map((_, i) => node(`/dev/vdb${i + 1}`)))).map(([d, parts]): DiskTree => ({ disk: d, partitions: parts.map((p, i) => part(i + 1, p)) })),
    );
    const wishes = fc.record({ filesystem: fc.constantFrom("ext4", "xfs", "swap"), label: fc.constantFrom("data", "x", undefined), partition: fc.constantFrom("auto", "any", "none", "1", "2", "5"), overwrite: fc.constant(false) });
    fc.assert(
      fc.property(tree, wishes, (t, w) => {
        const plan = planFs(w as FsWish, t);
        if (plan.action !== "format") return;
        const target = [t.disk, ...t.partitions].find((n) => n.node === plan.node);
        expect(target?.signatures).toEqual([]);
        expect(target?.fstype).toBeUndefined();
        expect(plan.force).toBe(false);
        // a whole disk is formatted only when it has no partitions
        if (plan.node === t.disk.node) expect(t.partitions).toEqual([]);
      }),
    );
  });

  it("reads partition values and builds mkfs's argv with each tool's flags", () => {
    expect(parsePartition(undefined, "f")).toBe("any");
    expect(parsePartition("Auto", "f")).toBe("auto");
    expect(parsePartition(2, "f")).toBe("2");
    expect(() => parsePartition("0", "f")).toThrow();
    expect(() => parsePartition("1; rm", "f")).toThrow();
    expect(mkfsArgv("/sbin/mkfs.ext4", "ext4", "/dev/vdb1", "data", false, ["-m", "0"])).toEqual(["/sbin/mkfs.ext4", "-L", "data", "-m", "0", "/dev/vdb1"]);
    expect(mkfsArgv("/sbin/mkfs.vfat", "vfat", "/dev/vdb1", "EFI", true, [])).toEqual(["/sbin/mkfs.vfat", "-n", "EFI", "/dev/vdb1"]);
    expect(mkfsArgv("/sbin/mkfs.xfs", "xfs", "/dev/vdb", undefined, true, [])).toEqual(["/sbin/mkfs.xfs", "-f", "/dev/vdb"]);
  });
});
