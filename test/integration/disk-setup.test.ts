// disk_setup and fs_setup with the real tools of a Debian root (sfdisk, blkid, wipefs, mkfs)
// on loop devices, bound into the root with this machine's /dev and /sys. This kernel gives
// loop devices no partitions, so partitions are the QEMU test's (test/boot/qemu.test.ts);
// here: whole disks, the tables written, and the refusals that keep data.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent, bootAsync } from "./root";

const unsupported = bootUnsupported() ?? (spawnSync("losetup", ["--find"]).status === 0 ? undefined : "no loop devices");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Machine = any;

describe.skipIf(unsupported)("disk_setup and fs_setup on loop devices", () => {
  const dir = mkdtempSync(join(tmpdir(), "disks-"));
  const loops: string[] = [];
  let m: Machine | undefined;

  const loopDisk = (name: string, mib: number, prepare?: (file: string) => void): string => {
    const file = join(dir, `${name}.img`);
    execFileSync("truncate", ["-s", `${mib}M`, file]);
    prepare?.(file);
    const loop = execFileSync("losetup", ["--find", "--show", file], { encoding: "utf8" }).trim();
    loops.push(loop);
    return loop;
  };
  const probe = (node: string, tag: string) => spawnSync("blkid", ["-p", "-o", "value", "-s", tag, node], { encoding: "utf8" }).stdout.trim();

  /** A Debian root that sees this machine's devices, booted on the given cloud-config. */
  async function bootWith(iid: string, cloudConfig: Record<string, unknown>): Promise<{ code: number; stdout: string }> {
    if (!m) {
      m = prepareMachine("agent");
      for (const d of ["dev", "sys"]) execFileSync("mount", ["--rbind", `/${d}`, m.path(d)]);
    }
    m.writeSeed({ "meta-data": `instance-id: ${iid}\n`, "user-data": `#cloud-config\n${JSON.stringify(cloudConfig)}\n` });
    await bootAsync(m.root);
    return agent(m.root, ["status", "--long"]);
  }

  afterAll(() => {
    if (m) {
      for (const d of ["sys", "dev"]) spawnSync("umount", ["-R", "-l", m.path(d)]);
      m.dispose();
    }
    for (const loop of loops) spawnSync("losetup", ["-d", loop]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a blank disk gets its filesystem whole; booted again as a new instance it is kept, not made again", async () => {
    const disk = loopDisk("blank", 64);
    const config = { device_aliases: { scratch: disk }, fs_setup: [{ label: "SCRATCH", filesystem: "ext4", device: "scratch", partition: "auto" }] };
    const first = await bootWith("iid-disk-1", config);
    expect(first.stdout).toMatch(/^status: done$/m);
    expect([probe(disk, "TYPE"), probe(disk, "LABEL")]).toEqual(["ext4", "SCRATCH"]);
    const uuid = probe(disk, "UUID");
    const again = await bootWith("iid-disk-2", config);
    expect(again.stdout).toMatch(/^status: done$/m);
    expect(probe(disk, "UUID")).toBe(uuid);
    expect(m.read("var/log/cloud-init.log")).toContain(`fs_setup[0]: ${disk} already has ext4 labelled "SCRATCH"; used as it is`);
  });

  it("a disk holding another filesystem is never formatted, whatever partition says; overwrite: true does it", async () => {
    const disk = loopDisk("xfs-like", 64, (file) => execFileSync("mkfs.ext4", ["-q", "-L", "photos", file]));
    const uuid = probe(disk, "UUID");
    const entries = ["auto", "any", "none"].map((partition) => ({ label: "NEW", filesystem: "ext4", device: disk, partition }));
    const refused = await bootWith("iid-disk-3", { fs_setup: entries, disk_setup: { [disk]: { table_type: "gpt", layout: true } } });
    expect(refused.stdout).toMatch(/^status: error$/m);
    expect(refused.stdout).toContain(`disk_setup.${disk}: ${disk} holds ext4, not the gpt layout asked for; not partitioned (overwrite is false)`);
    expect(refused.stdout).toContain(`fs_setup[0]: ${disk} holds ext4 labelled "photos" and no partition table; nothing was formatted`);
    expect(refused.stdout).toContain(`fs_setup[2]: ${disk} holds ext4 labelled "photos"; not formatted (overwrite is false)`);
    expect(probe(disk, "UUID")).toBe(uuid);
    const overwritten = await bootWith("iid-disk-4", { fs_setup: [{ label: "NEW", filesystem: "ext4", device: disk, partition: "none", overwrite: true }] });
    expect(overwritten.stdout).toMatch(/^status: done$/m);
    expect([probe(disk, "LABEL"), probe(disk, "UUID") === uuid]).toEqual(["NEW", false]);
  });

  it("disk_setup writes the table asked for on a blank disk, and leaves it when it is already there", async () => {
    const disk = loopDisk("table", 128);
    const config = { disk_setup: { [disk]: { table_type: "gpt", layout: [[25, 82], 75] } } };
    expect((await bootWith("iid-disk-5", config)).stdout).toMatch(/^status: done$/m);
    const table = JSON.parse(execFileSync("sfdisk", ["--json", disk], { encoding: "utf8" })).partitiontable;
    expect(table.label).toBe("gpt");
    expect(table.partitions.map((p: { type: string }) => p.type)).toEqual(["0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "0FC63DAF-8483-4772-8E79-3D69D8477DE4"]);
    const id = table.id;
    expect((await bootWith("iid-disk-6", config)).stdout).toMatch(/^status: done$/m);
    expect(JSON.parse(execFileSync("sfdisk", ["--json", disk], { encoding: "utf8" })).partitiontable.id).toBe(id);
    // layout: remove without overwrite is refused; the table stays
    const removed = await bootWith("iid-disk-7", { disk_setup: { [disk]: { layout: "remove" } } });
    expect(removed.stdout).toContain("layout: remove would wipe");
    expect(JSON.parse(execFileSync("sfdisk", ["--json", disk], { encoding: "utf8" })).partitiontable.id).toBe(id);
  });
});
