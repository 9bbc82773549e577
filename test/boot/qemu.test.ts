// Real kernels, real block devices, real networking (QEMU, software emulation): the seed
// drives platforms attach and the metadata services they run, each ending a boot in
// `status: done` with the seed's instance-id. Slow (a minute or two per boot): one boot each.
import { execFileSync, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the benchmark
import { bootUnsupported } from "./harness.mjs";
// @ts-expect-error plain JS
import { arm64Unsupported, bootQemu, prepareQemuMachine, qemuUnsupported } from "./qemu.mjs";
import { AptWorld } from "../integration/apt-archive";
import { startImds, TOKEN, type Imds } from "../integration/imds-server";
import { prng } from "../fault/harness";

const unsupported = bootUnsupported() ?? qemuUnsupported();
if (unsupported) console.warn(`QEMU boot tests skipped: ${unsupported}`);

const USER_DATA = "#cloud-config\nruncmd: [echo ran >> /var/tmp/runcmd.log]\n";
const BOOT_TIMEOUT = 600_000;
const QEMU_MAC = "52:54:00:12:34:56";
// slirp's network is 10.0.2.0/24, gateway 10.0.2.2, DNS 10.0.2.3; its DHCP hands out 10.0.2.15
const PROXMOX_V1 = `version: 1
config:
  - type: physical
    name: eth0
    mac_address: '${QEMU_MAC}'
    subnets:
      - type: static
        address: '10.0.2.77'
        netmask: '255.255.255.0'
        gateway: '10.0.2.2'
  - type: nameserver
    address:
      - '10.0.2.3'
    search:
      - 'example.com'
`;
const NETWORK_DATA = {
  links: [{ id: "tap0", type: "phy", ethernet_mac_address: QEMU_MAC, mtu: 1500 }],
  networks: [{ id: "net0", link: "tap0", type: "ipv4", ip_address: "10.0.2.88", netmask: "255.255.255.0", routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.2.2" }] }],
  services: [{ type: "dns", address: "10.0.2.3" }],
};

type Report = { status: string; statusCode: number; sshd: string; ipAddr: string; ipRoute: string; journal: string; units: Record<string, { status: number; result: string }> };

let work: string;
// a TCP listener on this machine that guests reach at slirp's 10.0.2.2: proof their network works
let probe: { server: NetServer; port: number; hits: number };
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "qemu-seeds-"));
  const server = createNetServer((socket) => {
    probe.hits++;
    socket.resume();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  probe = { server, port: (server.address() as AddressInfo).port, hits: 0 };
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  probe.server.close();
});

/** Boots with the probe named in the guest; true when the guest reached this machine over TCP. */
async function bootReachingHost(machine: { path(p: string): string }, options: Record<string, unknown>): Promise<{ report: Report; reached: boolean }> {
  writeFileSync(machine.path("etc/boot-probe"), `10.0.2.2/${probe.port}\n`);
  const before = probe.hits;
  const report = await bootQemu(machine, { ...options, timeoutMs: BOOT_TIMEOUT });
  return { report, reached: probe.hits > before };
}

/** `ip -o addr` lines of one interface's IPv4 addresses: ["10.0.2.15/24 ... dynamic", ...]. */
function ipv4Of(report: Report, ifname: string): string[] {
  return report.ipAddr.split("\n").filter((l) => l.split(/\s+/)[1] === ifname && l.includes(" inet ")).map((l) => l.split(" inet ")[1].trim());
}

/** The log lines of the (last) init-local stage. */
function localStageOf(log: string): string {
  const local = log.lastIndexOf("running 'init-local'");
  return log.slice(local, log.indexOf("running 'init'", local));
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, "tree-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function iso(label: string, files: Record<string, string>): string {
  const file = join(work, `${label}-${Object.keys(files).length}.iso`);
  execFileSync("xorriso", ["-as", "mkisofs", "-output", file, "-volid", label, "-joliet", "-rock", tree(files)], { stdio: "ignore" });
  return file;
}

/** The disk as the next boot's kernel finds it: a copy, its journal replayed (debugfs reads no journal). */
function replayed(image: string): string {
  const copy = `${image}.replayed`;
  execFileSync("cp", ["--sparse=always", image, copy]);
  const fsck = spawnSync("e2fsck", ["-fy", copy], { stdio: "ignore" });
  // 0: clean, 1: fixed (the journal replayed); more is a filesystem the boot could not mount
  if (fsck.status !== 0 && fsck.status !== 1) throw new Error(`e2fsck ${copy} exited with ${fsck.status}`);
  return copy;
}

function onDisk(image: string, p: string): boolean {
  return execFileSync("debugfs", ["-R", `stat /${p}`, image], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).includes("Inode:");
}

function cat(image: string, p: string): string {
  return execFileSync("debugfs", ["-R", `cat /${p}`, image], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Every host key the ssh module makes loads and matches its .pub; no temp of ours is left. */
function expectWholeKeysNoTemps(image: string) {
  const dump = mkdtempSync(join(work, "disk-"));
  execFileSync("debugfs", ["-R", `rdump /etc/ssh /var/lib/cloud /srv/cut ${dump}`, image], { stdio: "ignore" });
  // every type the ssh module makes, the RSA key (made in the background) too
  const keys = readdirSync(join(dump, "ssh")).filter((f) => /^ssh_host_.*_key$/.test(f));
  expect(keys.sort()).toEqual(["ssh_host_ecdsa_key", "ssh_host_ed25519_key", "ssh_host_rsa_key"]);
  for (const key of keys) {
    // type and key, without the comment: the private key loads and matches its .pub
    const material = (text: string) => text.split(" ").slice(0, 2).join(" ");
    expect(execFileSync("ssh-keygen", ["-l", "-f", join(dump, "ssh", `${key}.pub`)], { encoding: "utf8" })).toMatch(/^\d+ SHA256:/);
    const derived = execFileSync("ssh-keygen", ["-y", "-f", join(dump, "ssh", key)], { encoding: "utf8" });
    expect(material(derived.trim())).toBe(material(readFileSync(join(dump, "ssh", `${key}.pub`), "utf8").trim()));
  }
  expect(filesUnder(dump).filter((f) => /\.tmp-/.test(basename(f)))).toEqual([]);
}

function expectDone(report: Report) {
  expect(report.status, report.journal).toMatch(/^status: done\n/);
  expect(report.statusCode, report.status).toBe(0);
  for (const [unit, u] of Object.entries(report.units)) expect([unit, u.status, u.result]).toEqual([unit, 0, "success"]);
}

// Data disks (issue #13): a blank one (serial data) and one holding ext4 with no partition
// table (serial old), named through device_aliases; what each boot found on /data is recorded.
const DISK_ALIASES = { data: "/dev/disk/by-id/virtio-data", old: "/dev/disk/by-id/virtio-old" };
function diskConfig(iid: string, withOld: boolean): Record<string, unknown> {
  return {
    device_aliases: withOld ? DISK_ALIASES : { data: DISK_ALIASES.data },
    disk_setup: { data: { table_type: "gpt", layout: true, overwrite: false }, ...(withOld ? { old: { table_type: "gpt", layout: true, overwrite: false } } : {}) },
    fs_setup: [{ label: "DATA", filesystem: "ext4", device: "data", partition: "auto" }, ...(withOld ? [{ label: "NEW", filesystem: "ext4", device: "old", partition: "auto", overwrite: false }] : [])],
    mounts: [["LABEL=DATA", "/data"]],
    runcmd: [
      "echo ran >> /var/tmp/runcmd.log",
      `[ -e /data/kept.txt ] || echo "written by ${iid}" > /data/kept.txt`,
      "cat /data/kept.txt > /var/tmp/kept-seen",
      "findmnt -no SOURCE,FSTYPE /data | tr -s ' ' > /var/tmp/data-mount",
      "sync",
    ],
  };
}
function blankDataDisk(name: string): string {
  const file = join(work, `${name}.img`);
  execFileSync("truncate", ["-s", "256M", file]);
  return file;
}
function oldDisk(name: string): { file: string; uuid: string } {
  const file = join(work, `${name}.img`);
  execFileSync("mkfs.ext4", ["-q", "-L", "old", "-d", tree({ "old.txt": "from before\n" }), file, "64M"], { stdio: "pipe" });
  return { file, uuid: uuidOf(file) };
}
function uuidOf(image: string, offsetBytes = 0): string {
  return execFileSync("blkid", ["-p", "-O", String(offsetBytes), "-o", "value", "-s", "UUID", image], { encoding: "utf8" }).trim();
}
/** The byte offset of the one GPT partition disk_setup made. */
function gptPartitionOffset(image: string): number {
  const table = JSON.parse(execFileSync("sfdisk", ["--json", image], { encoding: "utf8" })).partitiontable;
  expect([table.label, table.partitions.length]).toEqual(["gpt", 1]);
  return table.partitions[0].start * 512;
}
function expectOldUntouched(old: { file: string; uuid: string }): void {
  expect(uuidOf(old.file)).toBe(old.uuid);
  expect(execFileSync("debugfs", ["-R", "cat /old.txt", old.file], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })).toBe("from before\n");
}
function vfatSeed(name: string, files: Record<string, string>): string {
  const seed = join(work, `${name}.vfat`);
  execFileSync("truncate", ["-s", "4M", seed]);
  execFileSync("mkfs.vfat", ["-n", "CIDATA", seed], { stdio: "ignore" });
  const dir = tree(files);
  execFileSync("mcopy", ["-i", seed, ...Object.keys(files).map((f) => join(dir, f)), "::"], { stdio: "ignore" });
  return seed;
}
// the data disk the cidata ISO boot partitioned and formatted, for the VM re-created on it
let isoDataDisk: { file: string; offset: number; uuid: string } | undefined;

describe.skipIf(unsupported)("real boots under QEMU", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let machine: any;
  afterEach(() => machine?.dispose());

  it("NoCloud: a cidata ISO on a virtio disk with Proxmox's v1 static network config; a blank data disk partitioned, formatted and mounted", async () => {
    machine = prepareQemuMachine();
    const network = PROXMOX_V1;
    const userData = `#cloud-config\n${JSON.stringify(diskConfig("iid-qemu-iso", false))}\n`;
    const seed = iso("cidata", { "meta-data": "instance-id: iid-qemu-iso\nlocal-hostname: qemu-iso\n", "user-data": userData, "network-config": network });
    const data = blankDataDisk("iso-data");
    // the seed is vdb, the data disk vdc
    const { report, reached } = await bootReachingHost(machine, { drives: [{ file: seed }, { file: data, writable: true, serial: "data" }] });
    expectDone(report);
    // ifupdown brought eth0 up with the static address, no DHCP lease, and the guest reached this machine
    expect(ipv4Of(report, "eth0")).toEqual([expect.stringMatching(/^10\.0\.2\.77\/24 brd 10\.0\.2\.255 scope global eth0/)]);
    expect(report.ipRoute).toMatch(/^default via 10\.0\.2\.2 dev eth0/m);
    expect(reached).toBe(true);
    expect(machine.read("etc/network/interfaces.d/50-cloud-init")).toContain("iface eth0 inet static");
    expect(machine.read("var/lib/cloud/data/instance-id")).toBe("iid-qemu-iso\n");
    expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
    expect(machine.read("var/lib/cloud/instances/iid-qemu-iso/datasource")).toBe("DataSourceNoCloud: DataSourceNoCloud [seed=/dev/vdb]\n");
    expect(machine.read("etc/hostname")).toBe("qemu-iso\n");
    expect(machine.report().hostname).toBe("qemu-iso");
    // the data disk: one GPT partition, ext4 labelled DATA, mounted at /data through fstab
    expect(machine.read("var/tmp/data-mount")).toBe("/dev/vdc1 ext4\n");
    expect(machine.read("var/tmp/kept-seen")).toBe("written by iid-qemu-iso\n");
    expect(machine.read("etc/fstab")).toMatch(/^LABEL=DATA\t\/data\tauto\tdefaults,nofail,x-systemd.after=cloud-agent-network.service,_netdev,comment=cloudconfig\t0\t2$/m);
    const offset = gptPartitionOffset(data);
    isoDataDisk = { file: data, offset, uuid: uuidOf(data, offset) };
  }, BOOT_TIMEOUT);

  it("Debian's cloud-init 22.4.2 on the data disks: the same partition, filesystem and mount; the disk it cannot use left without a word", async () => {
    const data = blankDataDisk("cloud-init-data");
    const old = oldDisk("cloud-init-old");
    machine = prepareQemuMachine("amd64", "kernel", "cloud-init");
    // a locale Debian has without locale-gen: cloud-init 22.4's default (en_US.UTF-8) fails its locale module here
    const seed = vfatSeed("cloud-init-disks", { "meta-data": "instance-id: iid-qemu-ci-disks\n", "user-data": `#cloud-config\n${JSON.stringify({ ...diskConfig("iid-qemu-ci-disks", true), locale: "C.UTF-8" })}\n` });
    const report = await bootQemu(machine, { drives: [{ file: seed }, { file: data, writable: true, serial: "data" }, { file: old.file, writable: true, serial: "old" }], timeoutMs: BOOT_TIMEOUT });
    expect(machine.read("var/tmp/data-mount")).toBe("/dev/vdc1 ext4\n");
    expect(machine.read("var/tmp/kept-seen")).toBe("written by iid-qemu-ci-disks\n");
    gptPartitionOffset(data);
    expectOldUntouched(old);
    // the difference: cloud-init skips the disk it cannot use at debug level, and its boot ends done
    expect(report.status).toMatch(/^status: done\n/);
    expect(report.status).not.toContain("/dev/vdd");
  }, BOOT_TIMEOUT);

  it("NoCloud: a CIDATA vfat disk, no network config: DHCP on the first NIC; apt pointed at a private signed mirror through a proxy installs from it", async () => {
    machine = prepareQemuMachine();
    // issue #16's boot: the mirror, a keyserver and a recording proxy on this machine, reached at slirp's 10.0.2.2
    const world = new AptWorld("10.0.2.2");
    try {
      const mirrorKey = world.makeKey("mirror");
      const repoKey = world.makeKey("private-repo");
      world.mirror("debian", ["bookworm"], "from-the-mirror", mirrorKey);
      world.flat("private", "from-the-private-repo", repoKey);
      world.keyserverKeys.set(repoKey.fingerprint, repoKey.armored);
      await world.start();
      const userData = {
        runcmd: ["echo ran >> /var/tmp/runcmd.log"],
        apt: {
          preserve_sources_list: false,
          primary: [{ arches: ["default"], uri: world.url("debian"), key: mirrorKey.armored }],
          disable_suites: ["updates", "backports", "security"],
          proxy: world.proxyUrl,
          sources: { private: { source: `deb [signed-by=$KEY_FILE] ${world.url("private")} ./`, keyid: repoKey.fingerprint, keyserver: world.keyserverUrl } },
        },
        packages: ["from-the-mirror", "from-the-private-repo"],
      };
      const seed = vfatSeed("seed", { "meta-data": "instance-id: iid-qemu-vfat\n", "user-data": `#cloud-config\n${JSON.stringify(userData)}\n` });
      const { report, reached } = await bootReachingHost(machine, { drives: [{ file: seed }] });
      expectDone(report);
      // no network config anywhere: cloud-init's fallback, DHCP on the first NIC
      expect(machine.read("etc/network/interfaces.d/50-cloud-init")).toMatch(/^auto eth0\niface eth0 inet dhcp$/m);
      expect(ipv4Of(report, "eth0")).toEqual([expect.stringMatching(/^10\.0\.2\.15\/24 .*dynamic/)]);
      expect(reached).toBe(true);
      expect(machine.read("var/lib/cloud/data/instance-id")).toBe("iid-qemu-vfat\n");
      expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
      // both packages installed, each fetched from its repository through the proxy
      expect(machine.read("usr/share/from-the-mirror/installed")).toBe("from-the-mirror\n");
      expect(machine.read("usr/share/from-the-private-repo/installed")).toBe("from-the-private-repo\n");
      expect(world.proxied).toContain(`${world.url("debian")}/pool/main/from-the-mirror_1.0_all.deb`);
      expect(world.proxied).toContain(`${world.url("private")}/./from-the-private-repo_1.0_all.deb`);
      expect(world.keyLookups).toContain(`/pks/lookup get ${repoKey.fingerprint}`);
    } finally {
      world.stop();
    }
  }, BOOT_TIMEOUT);

  it("NoCloud: ds=nocloud on the kernel command line with a file seed (dsmode local: all in the local stage)", async () => {
    machine = prepareQemuMachine();
    mkdirSync(machine.path("srv/seed"), { recursive: true });
    writeFileSync(machine.path("srv/seed/meta-data"), "local-hostname: from-seed\n");
    writeFileSync(machine.path("srv/seed/user-data"), USER_DATA);
    expectDone(await bootQemu(machine, { cmdline: "ds=nocloud;i=iid-qemu-cmdline;s=file:///srv/seed/", timeoutMs: BOOT_TIMEOUT }));
    expect(machine.read("var/lib/cloud/data/instance-id")).toBe("iid-qemu-cmdline\n");
    expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
    expect(machine.read("var/lib/cloud/instances/iid-qemu-cmdline/datasource")).toContain("[dsmode=local]");
  }, BOOT_TIMEOUT);

  it("ConfigDrive: a config-2 ISO in the CD-ROM drive (OpenStack --config-drive, oVirt) with a static network_data.json", async () => {
    machine = prepareQemuMachine();
    const uuid = "d2f1a0c4-1111-4222-8333-444455556666";
    const seed = iso("config-2", {
      "openstack/latest/meta_data.json": JSON.stringify({ uuid, hostname: "qemu-cd" }),
      "openstack/latest/user_data": USER_DATA,
      "openstack/latest/network_data.json": JSON.stringify(NETWORK_DATA),
    });
    const { report, reached } = await bootReachingHost(machine, { drives: [{ file: seed, cdrom: true }] });
    expectDone(report);
    expect(ipv4Of(report, "eth0")).toEqual([expect.stringMatching(/^10\.0\.2\.88\/24 /)]);
    expect(reached).toBe(true);
    expect(machine.read("var/lib/cloud/data/instance-id")).toBe(`${uuid}\n`);
    expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
    expect(machine.report().hostname).toBe("qemu-cd");
  }, BOOT_TIMEOUT);

  it("v2 network config with systemd-networkd: the NIC matched by MAC, renamed lan0, DHCP", async () => {
    machine = prepareQemuMachine();
    writeFileSync(machine.path("etc/cloud/cloud.cfg.d/50-renderer.cfg"), "system_info:\n  network:\n    renderers: [networkd]\n");
    execFileSync("chroot", [machine.root, "systemctl", "enable", "systemd-networkd"], { stdio: "ignore" });
    const network = `network:\n  version: 2\n  ethernets:\n    lan:\n      match:\n        macaddress: '${QEMU_MAC}'\n      set-name: lan0\n      dhcp4: true\n`;
    const seed = iso("cidata", { "meta-data": "instance-id: iid-qemu-v2\n", "user-data": USER_DATA, "network-config": network });
    const { report, reached } = await bootReachingHost(machine, { drives: [{ file: seed }] });
    expectDone(report);
    expect(machine.read("etc/systemd/network/10-cloud-init-lan0.network")).toMatch(/MACAddress=52:54:00:12:34:56/);
    expect(machine.exists("etc/network/interfaces.d/50-cloud-init")).toBe(false);
    expect(ipv4Of(report, "lan0")).toEqual([expect.stringMatching(/^10\.0\.2\.15\/24 /)]);
    expect(ipv4Of(report, "eth0")).toEqual([]);
    expect(reached).toBe(true);
  }, BOOT_TIMEOUT);

  it("a network config naming a MAC the machine lacks: an error in status, the fallback, and every stage still runs", async () => {
    machine = prepareQemuMachine();
    const seed = iso("cidata", { "meta-data": "instance-id: iid-qemu-badmac\n", "user-data": USER_DATA, "network-config": PROXMOX_V1.replace(QEMU_MAC, "52:54:00:99:99:99") });
    const { report, reached } = await bootReachingHost(machine, { drives: [{ file: seed }] });
    expect(report.statusCode).toBe(1);
    expect(report.status).toContain("network config from ds not applied: network config names a MAC this machine does not have: 52:54:00:99:99:99 (eth0); using the fallback");
    expect(ipv4Of(report, "eth0")).toEqual([expect.stringMatching(/^10\.0\.2\.15\/24 .*dynamic/)]);
    expect(reached).toBe(true);
    expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
    expect(report.units["cloud-agent-final.service"]).toMatchObject({ status: 0, result: "success" });
  }, BOOT_TIMEOUT);

  it("the VM re-created on its volumes (a new root disk, a new instance-id): the data disk is kept with its files, a disk holding ext4 without a table refused and untouched; growpart and resizefs grow the new 3 GiB root disk whose partition holds 1.5 GiB", async () => {
    expect(isoDataDisk, "the cidata ISO boot made the data disk").toBeDefined();
    const data = isoDataDisk!;
    const old = oldDisk("recreated-old");
    machine = prepareQemuMachine();
    machine.writeSeed({ "meta-data": "instance-id: iid-qemu-recreated\n", "user-data": `#cloud-config\n${JSON.stringify(diskConfig("iid-qemu-recreated", true))}\n` });
    // the root is vda, the data disk vdb, the old one vdc
    const report = await bootQemu(machine, { partitioned: { diskMiB: 3072, fsMiB: 1536 }, drives: [{ file: data.file, writable: true, serial: "data" }, { file: old.file, writable: true, serial: "old" }], timeoutMs: BOOT_TIMEOUT });
    expect(report.status).toMatch(/^status: error\n/);
    expect(report.status).toContain("disk_setup.old: /dev/vdc holds ext4, not the gpt layout asked for; not partitioned (overwrite is false)");
    expect(report.status).toContain('fs_setup[1]: /dev/vdc holds ext4 labelled "old" and no partition table; nothing was formatted');
    expect(machine.read("var/lib/cloud/data/instance-id")).toBe("iid-qemu-recreated\n");
    expect(machine.read("var/tmp/kept-seen")).toBe("written by iid-qemu-iso\n");
    expect(machine.read("var/tmp/data-mount")).toBe("/dev/vdb1 ext4\n");
    expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
    expect(uuidOf(data.file, data.offset)).toBe(data.uuid);
    expectOldUntouched(old);
    // growpart takes the partition to the end of the disk (less a few sectors it keeps free)
    const table = execFileSync("sfdisk", ["--dump", machine.disk], { encoding: "utf8" });
    const size = Number(/start=\s*2048, size=\s*(\d+), type=83/.exec(table)![1]);
    expect(size).toBeGreaterThan(3072 * 2048 - 2048 - 128);
    const sb = execFileSync("dumpe2fs", ["-h", machine.image], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const blocks = Number(/Block count:\s+(\d+)/.exec(sb)![1]) * Number(/Block size:\s+(\d+)/.exec(sb)![1]);
    expect(blocks).toBeGreaterThan(3000 * 1024 * 1024);
    expect(machine.read("var/log/cloud-init.log")).toMatch(/growpart \/dev\/vda1: CHANGED/);
  }, BOOT_TIMEOUT);

  it("growpart and resizefs through LVM: a 3 GiB disk whose 1.5 GiB partition holds the PV of an LVM root; partition, PV, LV and filesystem grown", async () => {
    machine = prepareQemuMachine("amd64", "lvm");
    // lvm's and df's view from inside, after the modules of the init stage grew everything
    const record = ["lvs --units b --nosuffix --noheadings -o lv_size,seg_pe_ranges vgroot/root > /var/tmp/lvs", "df -B1 --output=size / | tail -1 > /var/tmp/df", "sync"];
    machine.writeSeed({ "meta-data": "instance-id: iid-qemu-lvm\n", "user-data": `#cloud-config\nruncmd: ${JSON.stringify(record)}\n` });
    expectDone(await bootQemu(machine, { partitioned: { diskMiB: 3072, fsMiB: 1536, lvm: { vg: "vgroot", lv: "root" } }, timeoutMs: BOOT_TIMEOUT }));
    const table = execFileSync("sfdisk", ["--dump", machine.disk], { encoding: "utf8" });
    const size = Number(/start=\s*2048, size=\s*(\d+), type=8e/.exec(table)![1]);
    expect(size).toBeGreaterThan(3072 * 2048 - 2048 - 128);
    // the LV in one piece over the grown PV (3 GiB less the partition's and the PV's first MiB)
    const [lvBytes, ranges] = machine.read("var/tmp/lvs").trim().split(/\s+/);
    expect(ranges).toMatch(/^\/dev\/vda1:0-\d+$/);
    expect(Number(lvBytes)).toBeGreaterThan(3000 * 1024 * 1024);
    expect(Number(machine.read("var/tmp/df"))).toBeGreaterThan(2900 * 1024 * 1024);
    const sb = execFileSync("dumpe2fs", ["-h", machine.image], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    expect(Number(/Block count:\s+(\d+)/.exec(sb)![1]) * Number(/Block size:\s+(\d+)/.exec(sb)![1])).toBe(Number(lvBytes));
    const log = machine.read("var/log/cloud-init.log");
    expect(log).toMatch(/growpart \/dev\/vda1: CHANGED: partition=1/);
    expect(log).toMatch(/growpart \/: CHANGED: vgroot\/root extended by -l \+100%FREE \(its VG had gained \d+ extents\)/);
    expect(log).toMatch(/resized \/dev\/dm-0 \(ext4, \/\): resize2fs \/dev\/dm-0/);
  }, BOOT_TIMEOUT);

  it("power cuts after write_files and the host keys (init), then while runcmd runs (final): runcmd runs once, files and keys are whole, the next boot is done", async () => {
    machine = prepareQemuMachine();
    const sem = "var/lib/cloud/instances/iid-qemu-cut/sem";
    const content = Array.from({ length: 2000 }, (_, i) => `line ${i} of a file written just before a power cut\n`).join("");
    // bootcmd last in the init stage: a cut there lands right after write_files, users and ssh
    writeFileSync(
      machine.path("etc/cloud/cloud.cfg.d/90-cut.cfg"),
      "cloud_init_modules: [seed_random, write_files, growpart, resizefs, mounts, set_hostname, update_hostname, update_etc_hosts, ca_certs, users_groups, ssh, bootcmd]\n",
    );
    // when the kernel command line names this point, the guest says so on the console and waits to be killed
    const cutPoint = (at: string) => `grep -q powercut.at=${at} /proc/cmdline && { printf 'power cut %s\\n' now-${at} > /dev/ttyS0; sleep 600; } || true`;
    machine.writeSeed({
      "meta-data": "instance-id: iid-qemu-cut\n",
      "user-data": [
        "#cloud-config",
        `bootcmd: [${JSON.stringify(cutPoint("init"))}]`,
        `write_files: [{path: /srv/cut/whole.txt, content: ${JSON.stringify(content)}}]`,
        `runcmd: [${JSON.stringify("echo ran >> /var/tmp/runcmd.log && sync")}, ${JSON.stringify(cutPoint("final"))}]`,
      ].join("\n"),
    });

    expect(await bootQemu(machine, { cmdline: "powercut.at=init", cutAt: "power cut now-init", timeoutMs: BOOT_TIMEOUT })).toBeUndefined();
    let disk = replayed(machine.image);
    // idempotent work: its semaphore only once the work is durable (else it is done again)
    if (onDisk(disk, `${sem}/config_write_files`)) expect(cat(disk, "srv/cut/whole.txt")).toBe(content);

    expect(await bootQemu(machine, { cmdline: "powercut.at=final", cutAt: "power cut now-final", timeoutMs: BOOT_TIMEOUT })).toBeUndefined();
    disk = replayed(machine.image);
    expect(cat(disk, "var/tmp/runcmd.log")).toBe("ran\n");
    // at-most-once work: its semaphore was durable before the script started
    expect(onDisk(disk, `${sem}/config_scripts_user`)).toBe(true);
    expect(onDisk(disk, `${sem}/config_write_files`)).toBe(true);
    expect(cat(disk, "srv/cut/whole.txt")).toBe(content);

    const report = await bootQemu(machine, { timeoutMs: BOOT_TIMEOUT });
    expectDone(report);
    expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
    expect(machine.read("srv/cut/whole.txt")).toBe(content);
    expect(report.sshd).toBe("active");
    expectWholeKeysNoTemps(machine.image);
  }, 3 * BOOT_TIMEOUT);

  // The points above are chosen; these are not: each trial cuts a fresh machine's first boot a
  // seeded random time after one stage starts (an early stage, then a late one), boots
  // the same disk again, and holds it to the invariants. FAULT_SEED replays a run.
  it("power cuts at random points of a first boot, then the same disk booted again: whole files and keys, runcmd at most once, done", async () => {
    const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = prng(seed);
    const pick = <T,>(items: T[]) => items[Math.floor(random() * items.length)];
    const content = Array.from({ length: 2000 }, (_, i) => `line ${i} of a file a power cut may interrupt\n`).join("");
    const trials: string[] = [];
    // each stage's banner on the console ("Cloud-init v. … running 'init'") marks its start
    for (const stage of [pick(["init-local", "init"]), pick(["modules:config", "modules:final"])]) {
      if (trials.length) machine.dispose(); // the last trial's machine is afterEach's
      machine = prepareQemuMachine();
      machine.writeSeed({
        "meta-data": "instance-id: iid-qemu-random-cut\n",
        "user-data": `#cloud-config\nwrite_files: [{path: /srv/cut/whole.txt, content: ${JSON.stringify(content)}}]\nruncmd: ["echo ran >> /var/tmp/runcmd.log"]\n`,
      });
      const delayMs = Math.floor(random() * 5000);
      const cut = await bootQemu(machine, { cutAt: `running '${stage}'`, cutDelayMs: delayMs, timeoutMs: BOOT_TIMEOUT });
      trials.push(`${stage}+${delayMs}ms${cut === undefined ? "" : " (boot ended first)"}`);
      const report = await bootQemu(machine, { timeoutMs: BOOT_TIMEOUT });
      if (report.statusCode !== 0) console.log(`seed ${seed}, ${trials.at(-1)}: the boot after the cut:\n${machine.read("var/log/cloud-init.log")}`);
      expectDone(report);
      expect(["", "ran\n"]).toContain(machine.exists("var/tmp/runcmd.log") ? machine.read("var/tmp/runcmd.log") : "");
      expect(machine.read("srv/cut/whole.txt")).toBe(content);
      expectWholeKeysNoTemps(machine.image);
    }
    console.log(`power cuts: seed ${seed}, ${trials.length} trials (${trials.join(", ")}), no invariant violated`);
  }, 4 * BOOT_TIMEOUT);

  describe("metadata services at 169.254.169.254 (slirp maps it to this machine's port 80)", () => {
    let imds: Imds | undefined;
    let server: Server | undefined;
    afterEach(async () => {
      await imds?.close();
      imds = undefined;
      server?.closeAllConnections();
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
      server = undefined;
    });

    it("EC2 on AWS (an ec2 SMBIOS uuid): found in the local stage over an ephemeral lease, IMDSv2 with a token", async () => {
      imds = await startImds({ token: "required", userData: USER_DATA, port: 80 });
      machine = prepareQemuMachine();
      expectDone(await bootQemu(machine, { smbios: { uuid: "ec2a0b1c-2d3e-4f50-8a6b-7c8d9e0f1a2b" }, metadataHost: "169.254.169.254", timeoutMs: BOOT_TIMEOUT }));
      expect(machine.read("var/lib/cloud/data/instance-id")).toBe("i-0123456789abcdef0\n");
      expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
      expect(machine.report().hostname).toBe("ip-10-0-0-5");
      expect(imds.requests.filter((r) => r.method === "GET").every((r) => r.token === TOKEN)).toBe(true);
      const log = machine.read("var/log/cloud-init.log");
      expect(log).not.toContain(TOKEN);
      expect(localStageOf(log)).toContain("found DataSourceEc2Local (instance-id i-0123456789abcdef0)");
    }, BOOT_TIMEOUT);

    it("an EC2-compatible cloud without tokens (Ec2 configured): plain GETs", async () => {
      imds = await startImds({ token: "absent", userData: USER_DATA, port: 80 });
      machine = prepareQemuMachine();
      writeFileSync(machine.path("etc/cloud/cloud.cfg.d/90-ec2.cfg"), "datasource_list: [Ec2, None]\n");
      expectDone(await bootQemu(machine, { metadataHost: "169.254.169.254", timeoutMs: BOOT_TIMEOUT }));
      expect(machine.read("var/lib/cloud/data/instance-id")).toBe("i-0123456789abcdef0\n");
      expect(imds.requests.filter((r) => r.method === "GET").every((r) => r.token === undefined)).toBe(true);
    }, BOOT_TIMEOUT);

    it("Huawei Cloud (asset tag HUAWEICLOUD, no datasource_list): OpenStack found in the local stage, its static network_data.json in place before networking", async () => {
      const uuid = "0e5d1c7a-aaaa-4bbb-8ccc-dddddddddddd";
      const networkData = { links: [{ id: "l0", type: "phy", ethernet_mac_address: "52:54:00:12:34:56" }], networks: [{ id: "n0", link: "l0", type: "ipv4", ip_address: "169.254.0.20", netmask: "255.255.0.0", gateway: "169.254.169.254" }] };
      const files: Record<string, string> = {
        "/openstack": "2015-10-15\nlatest",
        "/openstack/2015-10-15/meta_data.json": JSON.stringify({ uuid, hostname: "ecs-huawei" }),
        "/openstack/2015-10-15/user_data": USER_DATA,
        "/openstack/2015-10-15/network_data.json": JSON.stringify(networkData),
      };
      server = createServer((req, res) => {
        const body = files[req.url ?? ""];
        res.writeHead(body === undefined ? 404 : 200);
        res.end(body ?? "Not Found");
      });
      await new Promise<void>((r) => server!.listen(80, "127.0.0.1", r));
      machine = prepareQemuMachine();
      const report = await bootQemu(machine, { assetTag: "HUAWEICLOUD", metadataHost: "169.254.169.254", timeoutMs: BOOT_TIMEOUT });
      expectDone(report);
      expect(machine.read("var/lib/cloud/data/instance-id")).toBe(`${uuid}\n`);
      expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
      expect(report.hostname).toBe("ecs-huawei");
      expect(localStageOf(machine.read("var/log/cloud-init.log"))).toContain(`found DataSourceOpenStackLocal [net,ver=2] (instance-id ${uuid})`);
      // the service's static address, not a DHCP lease: the ephemeral one left nothing behind
      expect(ipv4Of(report, "eth0")).toEqual([expect.stringMatching(/^169\.254\.0\.20\/16 /)]);
    }, BOOT_TIMEOUT);
  });
});

// arm64 guests (Huawei's Kunpeng, Graviton, Ampere) under full emulation: one boot, slow
describe.skipIf(unsupported || arm64Unsupported())("an arm64 guest under QEMU", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let machine: any;
  afterEach(() => machine?.dispose());

  it("the arm64 .deb boots a Debian arm64 guest to done: a cidata drive, Proxmox's static network config, user-data", async () => {
    machine = prepareQemuMachine("arm64");
    const seed = iso("cidata", { "meta-data": "instance-id: iid-qemu-arm64\nlocal-hostname: qemu-arm64\n", "user-data": USER_DATA, "network-config": PROXMOX_V1 });
    const report = await bootQemu(machine, { drives: [{ file: seed }], timeoutMs: 2 * BOOT_TIMEOUT });
    expectDone(report);
    expect(ipv4Of(report, "eth0")).toEqual([expect.stringMatching(/^10\.0\.2\.77\/24 /)]);
    expect(machine.read("var/lib/cloud/data/instance-id")).toBe("iid-qemu-arm64\n");
    expect(machine.read("var/tmp/runcmd.log")).toBe("ran\n");
    expect(report.hostname).toBe("qemu-arm64");
    expect(machine.read("var/log/cloud-init.log")).toMatch(/running 'init-local'/);
  }, 2 * BOOT_TIMEOUT);
});
