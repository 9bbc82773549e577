// Seed drives as platforms attach them (a cidata ISO from KubeVirt/Proxmox/cloud-localds, a
// vfat one, an OpenStack config-2 drive), found by label among the block devices and read in
// place by the built agent. In the throwaway root the "device" is the image file itself.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, makeRoot } from "./root";

const USER_DATA = "#cloud-config\nruncmd: [echo from-drive >> /var/tmp/drive.log]\n";

/** A directory of files inside `work` (removed with it). */
function tree(work: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, "tree-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function attach(root: string, device: string, image: string): void {
  mkdirSync(join(root, "sys/class/block", device), { recursive: true });
  mkdirSync(join(root, "dev"), { recursive: true });
  writeFileSync(join(root, "dev", device), readFileSync(image));
}

describe.skipIf(!isRoot)("seed drives", () => {
  let root: string;
  let work: string;
  beforeEach(() => {
    root = makeRoot();
    work = mkdtempSync(join(tmpdir(), "drives-"));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("NoCloud: a cidata ISO on /dev/sr0", () => {
    const image = join(work, "seed.iso");
    execFileSync("xorriso", ["-as", "mkisofs", "-output", image, "-volid", "cidata", "-joliet", "-rock", tree(work, { "meta-data": "instance-id: iid-iso\nlocal-hostname: iso-host\n", "user-data": USER_DATA })], { stdio: "ignore" });
    attach(root, "vda", "/dev/null"); // a disk that holds no seed
    attach(root, "sr0", image);
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(join(root, "var/lib/cloud/data/instance-id"), "utf8")).toBe("iid-iso\n");
    expect(readFileSync(join(root, "var/tmp/drive.log"), "utf8")).toBe("from-drive\n");
    expect(agent(root, ["status", "--long"]).stdout).toContain("detail: DataSourceNoCloud [seed=/dev/sr0]");
    expect(agent(root, ["query", "v1.subplatform"]).stdout).toBe("config-disk (/dev/sr0)\n");
  });

  it("NoCloud: a CIDATA vfat drive", () => {
    const image = join(work, "seed.img");
    execFileSync("truncate", ["-s", "2M", image]);
    execFileSync("mkfs.vfat", ["-n", "CIDATA", image], { stdio: "ignore" });
    const files = tree(work, { "meta-data": "instance-id: iid-vfat\n", "user-data": USER_DATA, "vendor-data": "#cloud-config\nbootcmd: [echo vendor >> /var/tmp/vendor.log]\n" });
    execFileSync("mcopy", ["-i", image, join(files, "meta-data"), join(files, "user-data"), join(files, "vendor-data"), "::"], { stdio: "ignore" });
    attach(root, "vdb", image);
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(join(root, "var/lib/cloud/data/instance-id"), "utf8")).toBe("iid-vfat\n");
    expect(readFileSync(join(root, "var/tmp/vendor.log"), "utf8")).toBe("vendor\n");
  });

  it("ConfigDrive: a config-2 ISO", () => {
    const image = join(work, "config.iso");
    const uuid = "a1b2c3d4-0000-4000-8000-000000000042";
    const files = tree(work, { "openstack/2015-10-15/meta_data.json": JSON.stringify({ uuid, hostname: "cfg-drive" }), "openstack/2015-10-15/user_data": USER_DATA, "openstack/latest/meta_data.json": "{}" });
    execFileSync("xorriso", ["-as", "mkisofs", "-output", image, "-volid", "config-2", "-joliet", "-rock", files], { stdio: "ignore" });
    attach(root, "sr0", image);
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-ds.cfg"), "datasource_list: [ConfigDrive, None]\n");
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(join(root, "var/lib/cloud/data/instance-id"), "utf8")).toBe(`${uuid}\n`);
    expect(agent(root, ["query", "v1.local_hostname"]).stdout).toBe("cfg-drive\n");
  });

  it("a truncated cidata ISO is a clear error and the boot falls back", () => {
    const image = join(work, "seed.iso");
    execFileSync("xorriso", ["-as", "mkisofs", "-output", image, "-volid", "cidata", "-joliet", "-rock", tree(work, { "meta-data": "instance-id: x\n", "user-data": USER_DATA })], { stdio: "ignore" });
    writeFileSync(image, readFileSync(image).subarray(0, 36 * 1024));
    attach(root, "sr0", image);
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const s = agent(root, ["status", "--long"]);
    expect(s.code).toBe(2);
    expect(s.stdout).toMatch(/\/dev\/sr0: .*runs past the end of the image/);
    expect(readFileSync(join(root, "var/lib/cloud/data/instance-id"), "utf8")).toBe("iid-datasource-none\n");
  });
});
