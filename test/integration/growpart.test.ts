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
