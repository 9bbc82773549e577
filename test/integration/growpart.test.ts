// growpart's discovery in a throwaway root: the partition under / found from the root's own
// /proc/self/mountinfo and /sys, growpart called only when the partition stops short of the
// end of its disk. The growpart here is a stand-in script that records its arguments (the
// real tool grows a real disk in the QEMU test).
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, lines, makeRoot, writeSeed } from "./root";

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
});
