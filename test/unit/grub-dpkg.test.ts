import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { byIdName, grubSettings, mountedDevice, selections, wholeDisk } from "../../modules/grub-dpkg";

describe("grub_dpkg settings", () => {
  it("defaults to enabled with every device probed", () => {
    expect(grubSettings({})).toEqual({ enabled: true, pcDevices: undefined, pcDevicesEmpty: undefined, efiDevices: undefined });
  });

  it("reads grub_dpkg, else the deprecated grub-dpkg; grub_dpkg wins when both are there", () => {
    expect(grubSettings({ "grub-dpkg": { enabled: false } }).enabled).toBe(false);
    expect(grubSettings({ grub_dpkg: { enabled: true }, "grub-dpkg": { enabled: false } }).enabled).toBe(true);
  });

  it("takes the boolean words cloud-init takes and refuses others, naming the key", () => {
    expect(grubSettings({ grub_dpkg: { enabled: "Off", "grub-pc/install_devices_empty": "yes" } })).toMatchObject({ enabled: false, pcDevicesEmpty: true });
    expect(() => grubSettings({ grub_dpkg: { enabled: "maybe" } })).toThrow("grub_dpkg.enabled: expected true or false");
  });

  it("accepts /dev paths, lists them as debconf does, and refuses anything else without echoing it", () => {
    expect(grubSettings({ grub_dpkg: { "grub-pc/install_devices": "/dev/sda,/dev/disk/by-id/virtio-abc_1" } }).pcDevices).toBe("/dev/sda, /dev/disk/by-id/virtio-abc_1");
    expect(grubSettings({ grub_dpkg: { "grub-pc/install_devices": "" } }).pcDevices).toBe("");
    for (const bad of ["sda", "/dev/sda\ngrub-pc grub-pc/x string y", "/dev/sda b", "/dev/../etc/shadow", "/dev/sda\\", "/tmp/x"]) {
      expect(() => grubSettings({ grub_dpkg: { "grub-pc/install_devices": bad } })).toThrow(/^grub_dpkg\.grub-pc\/install_devices: expected \/dev\/ paths/);
    }
    expect(() => grubSettings({ grub_dpkg: { "grub-efi/install_devices": 3 } })).toThrow("grub_dpkg.grub-efi/install_devices: expected a device path");
  });

  it("no accepted device list can add a line or a field to the debconf input", () => {
    // mostly near-misses: /dev/ paths salted with separators, spaces, escapes and line breaks
    const nearDevice = fc.string({ unit: fc.constantFrom(..."sda1/,. \n\\-_:\t\u0000") }).map((s) => `/dev/${s}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), nearDevice), (value) => {
        let settings;
        try {
          settings = grubSettings({ grub_dpkg: { "grub-pc/install_devices": value } });
        } catch {
          return;
        }
        const lines = selections(settings, false, "").split("\n");
        expect(lines).toHaveLength(3);
        expect(lines[0].split(" ").slice(0, 3)).toEqual(["grub-pc", "grub-pc/install_devices", "string"]);
        expect(lines[0]).not.toMatch(/[\\\u0000-\u001f]/);
      }),
    );
  });
});

describe("grub_dpkg selections", () => {
  it("BIOS: the device and whether it is empty (true only when no device)", () => {
    const settings = grubSettings({});
    expect(selections(settings, false, "/dev/disk/by-id/virtio-x")).toBe(
      "grub-pc grub-pc/install_devices string /dev/disk/by-id/virtio-x\ngrub-pc grub-pc/install_devices_empty boolean false\n",
    );
    expect(selections(settings, false, "")).toBe("grub-pc grub-pc/install_devices string \ngrub-pc grub-pc/install_devices_empty boolean true\n");
  });

  it("BIOS: the configured values win over the probe", () => {
    const settings = grubSettings({ grub_dpkg: { "grub-pc/install_devices": "/dev/sdb", "grub-pc/install_devices_empty": true } });
    expect(selections(settings, false, "/dev/vda")).toBe("grub-pc grub-pc/install_devices string /dev/sdb\ngrub-pc grub-pc/install_devices_empty boolean true\n");
  });

  it("EFI: grub-efi's question only", () => {
    expect(selections(grubSettings({ grub_dpkg: { "grub-efi/install_devices": "/dev/sda1" } }), true, "/dev/vda15")).toBe("grub-pc grub-efi/install_devices string /dev/sda1\n");
    expect(selections(grubSettings({}), true, "/dev/vda15")).toBe("grub-pc grub-efi/install_devices string /dev/vda15\n");
  });
});

describe("grub_dpkg device probing without grub-probe", () => {
  const mounts = "/dev/vda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/vda15 /boot/efi vfat rw 0 0\n/dev/sdb1 /boot\\040old ext4 rw 0 0\n";

  it("finds the device of the longest mount point holding the path", () => {
    expect(mountedDevice(mounts, "/boot")).toBe("/dev/vda1");
    expect(mountedDevice(mounts, "/boot/efi")).toBe("/dev/vda15");
    expect(mountedDevice(mounts, "/boot old")).toBe("/dev/sdb1");
    expect(mountedDevice(`${mounts}/dev/vdb2 /boot ext4 rw 0 0\n`, "/boot")).toBe("/dev/vdb2");
    expect(mountedDevice("", "/boot")).toBeUndefined();
  });

  it("maps a partition to its disk through /sys/block; a whole disk is itself", () => {
    const sysBlock = { vda: ["dev", "queue", "vda1", "vda15"], nvme0n1: ["nvme0n1p1"], loop0: [] };
    expect(wholeDisk("/dev/vda1", sysBlock)).toBe("/dev/vda");
    expect(wholeDisk("/dev/nvme0n1p1", sysBlock)).toBe("/dev/nvme0n1");
    expect(wholeDisk("/dev/vda", sysBlock)).toBe("/dev/vda");
    expect(wholeDisk("/dev/mapper/root", sysBlock)).toBeUndefined();
  });

  it("names the device by its first by-id link, else by itself (virtio disks without a serial have none)", () => {
    const links = [
      { name: "scsi-0QEMU_QEMU_HARDDISK_drive-scsi0", target: "../../sda" },
      { name: "ata-QEMU_HARDDISK_QM00001", target: "../../sda" },
      { name: "scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-part1", target: "../../sda1" },
      { name: "virtio-serial1", target: "../../vdb" },
    ];
    expect(byIdName("/dev/sda", links)).toBe("/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001");
    expect(byIdName("/dev/sda1", links)).toBe("/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-part1");
    expect(byIdName("/dev/vdb", links)).toBe("/dev/disk/by-id/virtio-serial1");
    expect(byIdName("/dev/vda", links)).toBe("/dev/vda");
  });
});
