// growpart's discovery in a throwaway root: the partition under / found from the root's own
// /proc/self/mountinfo and /sys, growpart called only when the partition stops short of the
// end of its disk; resizefs on every listed mount point; the LVM chain under a logical volume.
// The tools here are stand-in scripts that record their arguments (the real ones grow a real
// disk, and an LVM root, in the QEMU tests).
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, lines, makeRoot, read, writeSeed } from "./root";

/** A stand-in for `tool` in the root: records its arguments in /var/tmp/<tool>.log, then runs `body`. */
function standIn(root: string, tool: string, body = "exit 0") {
  mkdirSync(join(root, "usr/sbin"), { recursive: true });
  writeFileSync(join(root, "usr/sbin", tool), `#!/bin/sh\necho "$@" >> /var/tmp/${tool}.log\n${body}\n`);
  chmodSync(join(root, "usr/sbin", tool), 0o755);
}

/** /sys and /dev for a block device: `name` (a partition when `disk` is given) with device numbers `majorMinor`. */
function blockDevice(root: string, name: string, majorMinor: string, sysPath: string, partition?: { number: number; start: number; size: number }) {
  mkdirSync(join(root, "sys/devices", sysPath), { recursive: true });
  mkdirSync(join(root, "sys/dev/block"), { recursive: true });
  symlinkSync(`../../devices/${sysPath}`, join(root, "sys/dev/block", majorMinor));
  mkdirSync(join(root, "sys/class/block", name), { recursive: true });
  writeFileSync(join(root, "sys/class/block", name, "dev"), `${majorMinor}\n`);
  if (partition) {
    writeFileSync(join(root, "sys/class/block", name, "partition"), `${partition.number}\n`);
    writeFileSync(join(root, "sys/class/block", name, "start"), `${partition.start}\n`);
    writeFileSync(join(root, "sys/class/block", name, "size"), `${partition.size}\n`);
  }
  mkdirSync(join(root, "dev"), { recursive: true });
  writeFileSync(join(root, "dev", name), "");
}

describe.skipIf(!isRoot)("growpart device discovery", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    writeSeed(root, { "meta-data": "instance-id: iid-grow\n", "user-data": "#cloud-config\n{}\n" });
    mkdirSync(join(root, "proc/self"), { recursive: true });
    writeFileSync(join(root, "proc/self/mountinfo"), "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n");
    mkdirSync(join(root, "sys/devices/pci0000:00/virtio1/block/vda/vda1"), { recursive: true });
    mkdirSync(join(root, "sys/dev/block"), { recursive: true });
    symlinkSync("../../devices/pci0000:00/virtio1/block/vda/vda1", join(root, "sys/dev/block/254:1"));
    mkdirSync(join(root, "sys/class/block/vda1"), { recursive: true });
    mkdirSync(join(root, "sys/class/block/vda"), { recursive: true });
    writeFileSync(join(root, "sys/class/block/vda1/partition"), "1\n");
    writeFileSync(join(root, "sys/class/block/vda1/start"), "2048\n");
    writeFileSync(join(root, "sys/class/block/vda/size"), "6291456\n");
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    writeFileSync(join(root, "usr/bin/growpart"), '#!/bin/sh\necho "$@" >> /var/tmp/growpart.log\nexit 1\n');
    chmodSync(join(root, "usr/bin/growpart"), 0o755);
    // the nodes only need to exist for discovery; the stand-ins never open them
    mkdirSync(join(root, "dev"), { recursive: true });
    for (const node of ["vda", "vda1"]) writeFileSync(join(root, "dev", node), "");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("asks growpart about the disk and partition number behind / when the partition stops short", () => {
    writeFileSync(join(root, "sys/class/block/vda1/size"), "3145728\n");
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/growpart.log")).toEqual(["--dry-run /dev/vda 1"]);
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
  });

  it("does not run growpart at all when the partition already reaches the end", () => {
    writeFileSync(join(root, "sys/class/block/vda1/size"), `${6291456 - 2048 - 34}\n`);
    boot(root);
    expect(lines(root, "var/tmp/growpart.log")).toEqual([]);
  });

  it("/etc/growroot-disabled and mode: off leave the disk alone", () => {
    writeFileSync(join(root, "sys/class/block/vda1/size"), "3145728\n");
    writeFileSync(join(root, "etc/growroot-disabled"), "");
    boot(root);
    rmSync(join(root, "etc/growroot-disabled"));
    writeSeed(root, { "meta-data": "instance-id: iid-grow-2\n", "user-data": "#cloud-config\ngrowpart: {mode: 'off'}\n" });
    boot(root);
    expect(lines(root, "var/tmp/growpart.log")).toEqual([]);
  });

  // systemd-nspawn and LXD show the host's /sys but give the container no node for its disk
  it("in a container without the disk's device node, growpart and resizefs skip and the boot ends done", () => {
    writeFileSync(join(root, "sys/class/block/vda1/size"), "3145728\n");
    for (const node of ["vda", "vda1"]) rmSync(join(root, "dev", node));
    mkdirSync(join(root, "proc/1"), { recursive: true });
    writeFileSync(join(root, "proc/1/environ"), "container=systemd-nspawn\0TERM=vt220\0");
    writeFileSync(join(root, "usr/bin/resize2fs"), '#!/bin/sh\necho "$@" >> /var/tmp/resize2fs.log\nexit 1\n');
    chmodSync(join(root, "usr/bin/resize2fs"), 0o755);
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/growpart.log")).toEqual([]);
    expect(lines(root, "var/tmp/resize2fs.log")).toEqual([]);
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
    const log = lines(root, "var/log/cloud-init.log").join("\n");
    expect(log).toContain("growpart /: /dev/vda1 does not exist in this container (systemd-nspawn); skipped");
    expect(log).toContain("/dev/vda1 does not exist in this container (systemd-nspawn)");
  });
});

describe.skipIf(!isRoot)("resizefs on every mount point growpart lists", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    mkdirSync(join(root, "proc/self"), { recursive: true });
    writeFileSync(join(root, "proc/self/mountinfo"), "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n30 22 254:17 / /data rw,relatime - xfs /dev/vdb1 rw\n31 22 254:33 / /srv rw - btrfs /dev/vdc1 rw\n");
    // every partition already reaches its disk's end: growpart is never run
    for (const [disk, minor] of [["vda", 0], ["vdb", 16], ["vdc", 32]] as const) {
      blockDevice(root, disk, `254:${minor}`, `pci0000:00/virtio${minor}/block/${disk}`);
      writeFileSync(join(root, "sys/class/block", disk, "size"), "6291456\n");
      blockDevice(root, `${disk}1`, `254:${minor + 1}`, `pci0000:00/virtio${minor}/block/${disk}/${disk}1`, { number: 1, start: 2048, size: 6291456 - 2048 });
    }
    standIn(root, "growpart", "exit 1");
    for (const tool of ["resize2fs", "xfs_growfs", "btrfs"]) standIn(root, tool);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const seed = (config: string, iid = "iid-resize") => writeSeed(root, { "meta-data": `instance-id: ${iid}\n`, "user-data": `#cloud-config\n${config}\n` });

  it("grows / and each listed mount point's filesystem with its own tool; a path on a listed filesystem counts once", () => {
    seed("growpart: {devices: [/, /data, /srv, /data/inner, /var/lib]}");
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/resize2fs.log")).toEqual(["/dev/vda1"]);
    expect(lines(root, "var/tmp/xfs_growfs.log")).toEqual(["/data"]);
    expect(lines(root, "var/tmp/btrfs.log")).toEqual(["filesystem resize max /srv"]);
    expect(lines(root, "var/tmp/growpart.log")).toEqual([]);
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
  });

  it("without growpart.devices only / (as cloud-init); resize_rootfs: false grows none; noblock grows them all by the end of the boot", () => {
    seed("{}");
    boot(root);
    expect([lines(root, "var/tmp/resize2fs.log"), lines(root, "var/tmp/xfs_growfs.log")]).toEqual([["/dev/vda1"], []]);
    seed("growpart: {devices: [/, /data]}\nresize_rootfs: false", "iid-resize-2");
    boot(root);
    expect([lines(root, "var/tmp/resize2fs.log"), lines(root, "var/tmp/xfs_growfs.log")]).toEqual([["/dev/vda1"], []]);
    seed("growpart: {devices: [/, /data]}\nresize_rootfs: noblock", "iid-resize-3");
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect([lines(root, "var/tmp/resize2fs.log"), lines(root, "var/tmp/xfs_growfs.log")]).toEqual([["/dev/vda1", "/dev/vda1"], ["/data"]]);
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
  });

  it("one filesystem that cannot be grown is a warning and the others are grown; none grown is the module's failure", () => {
    standIn(root, "xfs_growfs", "echo 'xfs_growfs: /data is not a mounted XFS filesystem' >&2; exit 1");
    seed("growpart: {devices: [/data, /]}");
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/resize2fs.log")).toEqual(["/dev/vda1"]);
    let status = agent(root, ["status", "--long"]);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain("resizefs: xfs_growfs /data exited with 1: xfs_growfs: /data is not a mounted XFS filesystem");
    standIn(root, "resize2fs", "exit 1");
    seed("growpart: {devices: [/data, /]}", "iid-resize-2");
    boot(root);
    status = agent(root, ["status", "--long"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("module resizefs failed: resize2fs /dev/vda1 exited with 1; xfs_growfs /data exited with 1");
  });
});

// An LVM root as the kernel shows it: dm-0 with its LVM device-mapper uuid, lying on vda1,
// which stops at half its disk; lvs and pvs print what lvm2 2.03 prints (pvs: the VG's extents
// before and after pvresize).
describe.skipIf(!isRoot)("growpart through LVM: partition, pvresize, lvextend, then resizefs", () => {
  const VG_UUID = "1Wuqzw-XP1C-ZMlH-f9u4-TtiG-zaU4-Go4ydw";
  const LV_UUID = "fly2cS-HiZy-KG4c-RuYM-gtuR-Zb6M-bVGhuS";
  const LVS = JSON.stringify({ report: [{ lv: [{ lv_name: "root", vg_name: "vgroot", lv_uuid: LV_UUID, vg_uuid: VG_UUID }] }] });
  const pvs = (extents: number) => JSON.stringify({ report: [{ pv: [{ pv_name: "/dev/vda1", vg_uuid: VG_UUID, pv_pe_count: String(extents), pe_start: "1048576", dev_size: "3220176896", vg_extent_size: "4194304" }] }] });
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    writeSeed(root, { "meta-data": "instance-id: iid-lvm\n", "user-data": "#cloud-config\n{}\n" });
    mkdirSync(join(root, "proc/self"), { recursive: true });
    writeFileSync(join(root, "proc/self/mountinfo"), "22 1 253:0 / / rw,relatime - ext4 /dev/mapper/vgroot-root rw\n");
    blockDevice(root, "vda", "254:0", "pci0000:00/virtio1/block/vda");
    writeFileSync(join(root, "sys/class/block/vda/size"), "6291456\n");
    blockDevice(root, "vda1", "254:1", "pci0000:00/virtio1/block/vda/vda1", { number: 1, start: 2048, size: 3145728 });
    blockDevice(root, "dm-0", "253:0", "virtual/block/dm-0");
    mkdirSync(join(root, "sys/block/dm-0/dm"), { recursive: true });
    mkdirSync(join(root, "sys/block/dm-0/slaves/vda1"), { recursive: true });
    writeFileSync(join(root, "sys/block/dm-0/dm/uuid"), `LVM-${VG_UUID.replaceAll("-", "")}${LV_UUID.replaceAll("-", "")}\n`);
    standIn(root, "growpart", '[ "$1" = --dry-run ] || echo "CHANGED: partition=1 start=2048 old: size=3145728 end=3147776 new: size=6289375 end=6291423"');
    standIn(root, "lvs", `echo '${LVS}'`);
    // 383 extents until a pvresize has worked, then 767
    standIn(root, "pvs", `if [ -e /var/tmp/pv-resized ]; then echo '${pvs(767)}'; else echo '${pvs(383)}'; fi`);
    standIn(root, "pvresize", ": > /var/tmp/pv-resized");
    for (const tool of ["lvextend", "resize2fs"]) standIn(root, tool);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("grows the PV's partition, resizes the PV, extends the LV by the VG's new free space, then its filesystem; the next boot runs no lvm command", () => {
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/growpart.log")).toEqual(["--dry-run /dev/vda 1", "/dev/vda 1"]);
    expect(lines(root, "var/tmp/pvresize.log")).toEqual(["/dev/vda1"]);
    expect(lines(root, "var/tmp/lvextend.log")).toEqual(["-l +100%FREE vgroot/root"]);
    expect(lines(root, "var/tmp/resize2fs.log")).toEqual(["/dev/dm-0"]);
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
    expect(read(root, "var/log/cloud-init.log")).toContain("growpart /: CHANGED: vgroot/root extended by -l +100%FREE (its VG had gained 384 extents)");
    // as growpart left it: the partition at the end of its disk
    writeFileSync(join(root, "sys/class/block/vda1/size"), "6289375\n");
    for (const log of ["growpart", "lvs", "pvs", "pvresize", "lvextend"]) rmSync(join(root, `var/tmp/${log}.log`), { force: true });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(["growpart", "lvs", "pvs", "pvresize", "lvextend"].flatMap((log) => lines(root, `var/tmp/${log}.log`))).toEqual([]);
    expect(lines(root, "var/tmp/resize2fs.log")).toEqual(["/dev/dm-0", "/dev/dm-0"]);
  });

  it("growpart.lvm_size goes to lvextend as -L or -l; a value lvextend would not take grows no LV (warned)", () => {
    writeSeed(root, { "meta-data": "instance-id: iid-lvm\n", "user-data": "#cloud-config\ngrowpart: {lvm_size: '+2G'}\n" });
    boot(root);
    expect(lines(root, "var/tmp/lvextend.log")).toEqual(["-L +2G vgroot/root"]);
    for (const file of ["pvresize.log", "pv-resized"]) rmSync(join(root, "var/tmp", file));
    writeSeed(root, { "meta-data": "instance-id: iid-lvm-2\n", "user-data": "#cloud-config\ngrowpart: {lvm_size: '2 G'}\n" });
    boot(root);
    expect(lines(root, "var/tmp/lvextend.log")).toEqual(["-L +2G vgroot/root"]);
    expect(lines(root, "var/tmp/pvresize.log")).toEqual([]);
    const status = agent(root, ["status", "--long"]);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain("growpart.lvm_size: not a size lvextend takes here");
  });

  it("a pvresize that fails is a warning and the LV is not extended; the next boot resizes the PV its partition already grew, then extends", () => {
    standIn(root, "pvresize", "echo '  Failed to write physical volume \"/dev/vda1\".' >&2; exit 5");
    boot(root);
    expect(lines(root, "var/tmp/lvextend.log")).toEqual([]);
    let status = agent(root, ["status", "--long"]);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain('growpart /: pvresize /dev/vda1 exited with 5: Failed to write physical volume "/dev/vda1".');
    expect(read(root, "var/log/cloud-init.log")).toContain("growpart /: the PVs of vgroot/root gave its VG no more extents; vgroot/root not extended");
    // the partition was grown; a PV stand-in that works now. The fast path looks only at the
    // partitions under the LV, so this boot's partition is put back short of the end
    standIn(root, "pvresize", ": > /var/tmp/pv-resized");
    rmSync(join(root, "var/tmp/pvresize.log"));
    standIn(root, "growpart", "exit 1");
    boot(root);
    expect(lines(root, "var/tmp/pvresize.log")).toEqual(["/dev/vda1"]);
    expect(lines(root, "var/tmp/lvextend.log")).toEqual(["-l +100%FREE vgroot/root"]);
    status = agent(root, ["status"]);
    expect(status.stdout).toBe("status: done\n");
  });

  it("a growpart that grew the partition and then failed (its own pvresize) is a warning; the PV is still resized and the LV extended", () => {
    standIn(root, "growpart", '[ "$1" = --dry-run ] || { echo "FAILED: lvm resize failed." >&2; exit 2; }');
    boot(root);
    expect(lines(root, "var/tmp/pvresize.log")).toEqual(["/dev/vda1"]);
    expect(lines(root, "var/tmp/lvextend.log")).toEqual(["-l +100%FREE vgroot/root"]);
    const status = agent(root, ["status", "--long"]);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain("growpart /dev/vda 1 exited with 2: FAILED: lvm resize failed.");
  });

  it("a mapped device that is not an LVM logical volume (dm-crypt) is left alone, as cloud-init leaves it", () => {
    writeFileSync(join(root, "sys/block/dm-0/dm/uuid"), "CRYPT-LUKS2-0123456789abcdef0123456789abcdef-root\n");
    boot(root);
    expect(["growpart", "lvs", "pvs", "pvresize", "lvextend"].flatMap((log) => lines(root, `var/tmp/${log}.log`))).toEqual([]);
    expect(read(root, "var/log/cloud-init.log")).toContain("growpart /: on the mapped device /dev/dm-0, not an LVM logical volume; not grown (as cloud-init)");
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
  });
});
