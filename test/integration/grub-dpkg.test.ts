// grub_dpkg in a Debian root with the real debconf-set-selections. No grub in the image and no
// disks under the root: a marker grub-install says grub is there (it is never run), and the
// mount table, /sys/block and a by-id link are written where the probe reads them.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent } from "./root";

const unsupported = bootUnsupported();

describe.skipIf(unsupported)("grub_dpkg in a Debian root", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  afterEach(() => m?.dispose());

  function bootWith(userData: string, { grub }: { grub: boolean }) {
    m = prepareMachine("agent");
    if (grub) {
      writeFileSync(m.path("usr/sbin/grub-install"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
      writeFileSync(m.path("proc/mounts"), "/dev/vda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n");
      mkdirSync(m.path("sys/block/vda/vda1"), { recursive: true });
      mkdirSync(m.path("sys/block/vdb"), { recursive: true });
      writeFileSync(m.path("dev/vda"), "");
      mkdirSync(m.path("dev/disk/by-id"), { recursive: true });
      symlinkSync("../../vda", m.path("dev/disk/by-id/virtio-disk0"));
      symlinkSync("../../vda1", m.path("dev/disk/by-id/virtio-disk0-part1"));
      symlinkSync("../../vdb", m.path("dev/disk/by-id/virtio-disk1"));
    }
    m.writeSeed({ "meta-data": "instance-id: iid-grub\n", "user-data": `#cloud-config\n${userData}` });
    for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]]) agent(m.root, args);
    return agent(m.root, ["status", "--long"]);
  }

  /** grub-pc's questions as debconf's database holds them: name -> value. */
  function grubQuestions(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const record of m.read("var/cache/debconf/config.dat").split("\n\n")) {
      const name = /^Name: (grub-\S+)$/m.exec(record)?.[1];
      if (name) out[name] = /^Value: ?(.*)$/m.exec(record)?.[1] ?? "";
    }
    return out;
  }

  it("seeds the by-id name of the disk holding /boot, found without grub-probe", () => {
    expect(bootWith("{}\n", { grub: true }).code).toBe(0);
    expect(grubQuestions()).toEqual({ "grub-pc/install_devices": "/dev/disk/by-id/virtio-disk0", "grub-pc/install_devices_empty": "false" });
    const shown = execFileSync("chroot", [m.root, "debconf-show", "grub-pc"], { encoding: "utf8" });
    expect(shown).toMatch(/^\* grub-pc\/install_devices: \/dev\/disk\/by-id\/virtio-disk0$/m);
  });

  it("the configured device wins, and the deprecated grub-dpkg key still works", () => {
    const status = bootWith('grub-dpkg: {"grub-pc/install_devices": "/dev/sdb,/dev/sdc", "grub-pc/install_devices_empty": "no"}\n', { grub: true });
    expect(status.code).toBe(2);
    expect(status.stdout).toContain("grub-dpkg is deprecated: use grub_dpkg");
    expect(grubQuestions()).toEqual({ "grub-pc/install_devices": "/dev/sdb, /dev/sdc", "grub-pc/install_devices_empty": "false" });
  });

  it("a bad device is an error naming the key, and nothing is seeded", () => {
    const status = bootWith('grub_dpkg: {"grub-pc/install_devices": "/dev/sda\\ngrub-pc grub-pc/x string y"}\n', { grub: true });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("module grub_dpkg failed: grub_dpkg.grub-pc/install_devices: expected /dev/ paths");
    expect(grubQuestions()).toEqual({});
  });

  it("is skipped, saying why, where grub is not installed", () => {
    expect(bootWith('grub_dpkg: {"grub-pc/install_devices": "/dev/sda"}\n', { grub: false }).code).toBe(0);
    expect(m.read("var/log/cloud-init.log")).toContain("grub_dpkg: grub is not installed in this image");
    expect(grubQuestions()).toEqual({});
  });
});
