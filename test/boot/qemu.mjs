// Boots the agent's .deb in a real kernel under QEMU (software emulation: nested KVM hangs
// here): real block devices for seed drives, slirp networking with the host reachable at
// 169.254.169.254 for a metadata stand-in. The root disk is an ext4 image made from the
// prepared root with `mkfs.ext4 -d` (no mount), and read back after shutdown with debugfs.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareMachine } from "./harness.mjs";

export function qemuUnsupported() {
  if (process.getuid?.() !== 0) return "QEMU boot tests need root";
  for (const tool of ["qemu-system-x86_64", "mkfs.ext4", "debugfs"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `${tool} is not installed (apt-get install qemu-system-x86 e2fsprogs)`;
    }
  }
  return undefined;
}

/** The QEMU of each architecture the agent is built for: its machine, NIC, console and disk. */
const ARCHES = {
  amd64: { qemu: "qemu-system-x86_64", machine: [], console: "ttyS0", rootfs: "kernel" },
  // arm64's virt board: no firmware needed for a direct kernel boot
  arm64: { qemu: "qemu-system-aarch64", machine: ["-M", "virt", "-cpu", "cortex-a57"], console: "ttyAMA0", rootfs: "arm64" },
};

/** Why an arm64 boot cannot run here (it also needs binfmt_misc to install the .deb in its rootfs). */
export function arm64Unsupported() {
  if (!existsSync("/proc/sys/fs/binfmt_misc/qemu-aarch64")) return "binfmt_misc has no qemu-aarch64 (test/setup-machine.sh registers it)";
  try {
    execFileSync("sh", ["-c", "command -v qemu-system-aarch64"], { stdio: "ignore" });
  } catch {
    return "qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)";
  }
  return qemuUnsupported();
}

/**
 * A root with the agent installed on the kernel rootfs of `arch` (or `rootfs`: "lvm" adds lvm2
 * and an initramfs that activates an LVM root); for "cloud-init", Debian's cloud-init rootfs
 * laid over that kernel rootfs for its kernel and modules. Write seeds/config into it, then boot.
 */
export function prepareQemuMachine(arch = "amd64", rootfs = ARCHES[arch].rootfs, kind = "agent") {
  const machine = kind === "agent" ? prepareMachine("agent", rootfs) : prepareMachine("cloud-init", ["cloud-init", rootfs]);
  machine.arch = arch;
  // no network configuration of its own: the agent's fallback (DHCP on eth0) or a seed's config
  writeFileSync(machine.path("etc/fstab"), "# root is mounted by the kernel (root= on its command line)\n");
  return machine;
}

/**
 * An LVM root in `disk`'s byte range [offset, offset + bytes): a PV, `vg` and a linear `lv` over
 * all of it, made through a loop device on that range and never activated (this machine's
 * kernel may have no device-mapper). Returns where the LV starts in the disk and its size.
 */
function makeLvmRoot(disk, offset, bytes, { vg, lv }) {
  const loop = execFileSync("losetup", ["--find", "--show", "--offset", String(offset), "--sizelimit", String(bytes), disk], { encoding: "utf8" }).trim();
  try {
    // only the loop device, nothing of this machine's in /etc/lvm, no udev, no device-mapper
    const only = ["--devices", loop, "--config", "devices { obtain_device_list_from_udev = 0 } backup { backup = 0 archive = 0 }", "--driverloaded", "n"];
    const lvm = (...argv) => execFileSync(argv[0], [...argv.slice(1), ...only], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: "1" } });
    lvm("pvcreate", loop);
    lvm("vgcreate", vg, loop);
    lvm("lvcreate", "--activate", "n", "--zero", "n", "-l", "100%FREE", "-n", lv, vg);
    // a linear LV made on an empty PV starts at its first extent
    const start = Number(lvm("pvs", "--noheadings", "--units", "b", "--nosuffix", "-o", "pe_start", loop).trim());
    const size = Number(lvm("lvs", "--noheadings", "--units", "b", "--nosuffix", "-o", "lv_size", `${vg}/${lv}`).trim());
    return { offset: offset + start, bytes: size };
  } finally {
    execFileSync("losetup", ["-d", loop]);
  }
}

/**
 * Boots `machine` once. drives: extra disks ({file, cdrom?, writable?, serial?}: a virtio
 * disk's serial is its /dev/disk/by-id/virtio-<serial> name); smbios: system uuid and product
 * name (an "ec2..." uuid identifies AWS, "OpenStack Nova" OpenStack); assetTag: the chassis
 * asset tag (Huawei Cloud's "HUAWEICLOUD"); metadataHost: slirp's
 * address for this machine; cmdline: more kernel arguments; partitioned: a disk of `diskMiB`
 * whose one partition holds `fsMiB` (with `lvm: {vg, lv}`, an LVM root on it). A machine booted before boots the
 * same disk again. cutAt: text that, once on the serial console (colours stripped), makes this
 * a power cut `cutDelayMs` later: QEMU is killed (SIGKILL: what the guest had not written to
 * its disk is lost) and the boot returns undefined.
 */
export async function bootQemu(machine, { drives = [], smbios, assetTag, metadataHost, cmdline = "", partitioned, timeoutMs = 420_000, cutAt, cutDelayMs = 0 } = {}) {
  const image = join(machine.dir, "root.img");
  const boot = join(machine.root, "boot");
  const kernel = join(machine.dir, "vmlinuz");
  const initrd = join(machine.dir, "initrd.img");
  copyFileSync(join(boot, readdirSync(boot).find((f) => f.startsWith("vmlinuz-"))), kernel);
  copyFileSync(join(boot, readdirSync(boot).find((f) => f.startsWith("initrd.img-"))), initrd);
  let rootDevice = "/dev/vda";
  if (partitioned) {
    // a disk larger than its one partition, as images are before growpart: partition 1 from
    // 1 MiB, `fsMiB` long, holding the root filesystem (or the PV of the LV that holds it)
    const disk = join(machine.dir, "disk.img");
    const { lvm } = partitioned;
    execFileSync("truncate", ["-s", `${partitioned.diskMiB}M`, disk]);
    execFileSync("sfdisk", ["--quiet", disk], { input: `label: dos
start=2048, size=${partitioned.fsMiB * 2048}, type=${lvm ? "8e" : "83"}
` });
    const partition = { offset: 1048576, bytes: partitioned.fsMiB * 1048576 };
    const fs = lvm ? makeLvmRoot(disk, partition.offset, partition.bytes, lvm) : partition;
    execFileSync("mkfs.ext4", ["-q", "-F", "-E", `offset=${fs.offset}`, "-d", machine.root, disk, `${fs.bytes / 1024}k`], { stdio: "pipe" });
    machine.disk = disk;
    machine.rootOffset = fs.offset;
    // lvm's name for the LV in /dev/mapper doubles the dashes in the VG's and LV's names
    rootDevice = lvm ? `/dev/mapper/${lvm.vg.replaceAll("-", "--")}-${lvm.lv.replaceAll("-", "--")}` : "/dev/vda1";
  } else if (machine.image) {
    // this boot's report, when there is one, is the only one on the disk
    execFileSync("debugfs", ["-w", "-R", "rm /var/tmp/boot-report/status.rc", image], { stdio: "ignore" });
  } else {
    execFileSync("mkfs.ext4", ["-q", "-F", "-d", machine.root, image, "3G"], { stdio: "pipe" });
    machine.image = image;
  }
  const net = metadataHost ? `user,id=n0,net=169.254.0.0/16,host=${metadataHost},dhcpstart=169.254.0.15` : "user,id=n0";
  const arch = ARCHES[machine.arch ?? "amd64"];
  const args = [
    ...arch.machine, "-accel", "tcg", "-m", "1024", "-smp", "2", "-nographic", "-no-reboot",
    "-kernel", kernel, "-initrd", initrd,
    "-append", `root=${rootDevice} rw console=${arch.console} net.ifnames=0 systemd.show_status=0 quiet ${cmdline}`,
    // every virtio disk as a drive plus its device, in this order: the root is vda, then the drives as listed
    "-drive", `file=${partitioned ? machine.disk : image},if=none,id=root,format=raw`, "-device", "virtio-blk-pci,drive=root",
    ...drives.flatMap((d, i) => {
      if (d.cdrom) return ["-drive", `file=${d.file},media=cdrom,readonly=on,if=ide`];
      // a serial belongs to the virtio device, not the drive
      return ["-drive", `file=${d.file},format=raw,readonly=${d.writable ? "off" : "on"},if=none,id=disk${i}`, "-device", `virtio-blk-pci,drive=disk${i}${d.serial ? `,serial=${d.serial}` : ""}`];
    }),
    "-netdev", net, "-device", "virtio-net-pci,netdev=n0",
    ...(smbios ? ["-smbios", ["type=1", ...Object.entries(smbios).map(([k, v]) => `${k}=${v}`)].join(",")] : []),
    ...(assetTag ? ["-smbios", `type=3,asset=${assetTag}`] : []),
    "-serial", `file:${join(machine.dir, "serial.log")}`, "-monitor", "none", "-display", "none",
  ];
  const child = spawn(arch.qemu, args.filter((a) => a !== "-nographic"), { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  let cut = false;
  const watch = cutAt && setInterval(() => {
    const file = join(machine.dir, "serial.log");
    if (!cut && existsSync(file) && readFileSync(file, "latin1").replace(/\x1b\[[0-9;]*m/g, "").includes(cutAt)) {
      cut = true;
      setTimeout(() => child.kill("SIGKILL"), cutDelayMs);
    }
  }, 100);
  const code = await new Promise((r) => child.on("close", r));
  clearTimeout(timer);
  clearInterval(watch);
  if (cut) return undefined;
  if (partitioned) {
    // debugfs reads a filesystem image: copy the root filesystem (as grown: to the disk's end)
    // out of the disk; a grown LV stays in one piece (its new extents follow on the same PV)
    execFileSync("dd", [`if=${machine.disk}`, `of=${image}`, "bs=1M", `skip=${machine.rootOffset}`, "iflag=skip_bytes", "conv=sparse", "status=none"]);
    machine.image = image;
  }
  const serial = existsSync(join(machine.dir, "serial.log")) ? execFileSync("tail", ["-c", "4000", join(machine.dir, "serial.log")], { encoding: "utf8" }) : "";
  if (!machine.exists("var/tmp/boot-report/status.rc")) throw new Error(`QEMU boot did not report (exit ${code}) ${stderr}\nserial:\n${serial}`);
  return machine.report();
}

