// The ISO 9660 and vfat readers against real images made by the tools platforms use
// (xorriso as cloud-localds does, mkfs.vfat + mcopy), including corrupt and truncated ones.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SEED_FILE_BYTES } from "../../src/seed-drive/image";
import { withSeedImage } from "../../src/seed-drive/index";

function u32(value: number, order: "LE" | "BE"): Buffer {
  const b = Buffer.alloc(4);
  if (order === "LE") b.writeUInt32LE(value);
  else b.writeUInt32BE(value);
  return b;
}

const FILES: Record<string, string> = {
  "meta-data": "instance-id: iid-drive\nlocal-hostname: drive\n",
  "user-data": "#cloud-config\nruncmd: [echo from-drive]\n",
  "network-config": "version: 2\nethernets: {}\n",
  "a-very-long-file-name-for-lfn.txt": "long name\n",
  "openstack/latest/meta_data.json": '{"uuid": "c0ffee00-0000-4000-8000-000000000001"}\n',
  "big.bin": "x".repeat(70_000),
};

function tool(name: string, pkg: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
  } catch {
    throw new Error(`${name} is missing: apt-get install ${pkg} (test/setup-machine.sh installs it)`);
  }
}

let dir: string;
const images: Record<string, string> = {};

beforeAll(() => {
  tool("xorriso", "xorriso");
  tool("mkfs.vfat", "dosfstools");
  tool("mcopy", "mtools");
  dir = mkdtempSync(join(tmpdir(), "seed-drive-"));
  const tree = join(dir, "tree");
  for (const [name, text] of Object.entries(FILES)) {
    mkdirSync(join(tree, name, ".."), { recursive: true });
    writeFileSync(join(tree, name), text);
  }
  const iso = (name: string, label: string, flags: string[]) => {
    images[name] = join(dir, `${name}.img`);
    execFileSync("xorriso", ["-as", "mkisofs", "-output", images[name], "-volid", label, ...flags, tree], { stdio: "ignore" });
  };
  iso("rock-ridge", "cidata", ["-joliet", "-rock"]);
  iso("joliet", "config-2", ["-joliet"]);
  // xorriso's mkisofs emulation always adds Rock Ridge; its native commands can leave it out
  images.plain = join(dir, "plain.img");
  execFileSync("xorriso", ["-outdev", images.plain, "-rockridge", "off", "-joliet", "off", "-volid", "CIDATA", "-map", tree, "/"], { stdio: "ignore" });
  const vfat = (name: string, size: string, fat: string[]) => {
    images[name] = join(dir, `${name}.img`);
    execFileSync("truncate", ["-s", size, images[name]]);
    execFileSync("mkfs.vfat", [...fat, "-n", "CIDATA", images[name]], { stdio: "ignore" });
    execFileSync("mcopy", ["-i", images[name], "-s", ...Object.keys(FILES).filter((f) => !f.includes("/")).map((f) => join(tree, f)), join(tree, "openstack"), "::"], { stdio: "ignore" });
  };
  vfat("fat12", "2M", []);
  vfat("fat16", "20M", ["-F", "16"]);
  vfat("fat32", "40M", ["-F", "32"]);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ["rock-ridge", "iso9660", "cidata"],
  ["joliet", "iso9660", "config-2"],
  ["fat12", "vfat", "CIDATA"],
  ["fat16", "vfat", "CIDATA"],
  ["fat32", "vfat", "CIDATA"],
])("%s image", (name, type, label) => {
  it("has the right type and label, and every file byte for byte", () => {
    withSeedImage(images[name], (image) => {
      expect([image.type, image.label]).toEqual([type, label]);
      for (const [path, text] of Object.entries(FILES)) expect(image.readFile(path)?.toString(), path).toBe(text);
      expect(image.list("")).toEqual(expect.arrayContaining(["meta-data", "user-data", "openstack"]));
      expect(image.list("openstack/latest")).toEqual(["meta_data.json"]);
      expect(image.readFile("nope")).toBeUndefined();
      expect(image.readFile("openstack")).toBeUndefined();
    });
  });
});

describe("plain ISO 9660 names", () => {
  it("drops the version, lower-cases, and reads the label", () => {
    withSeedImage(images.plain, (image) => {
      expect(image.label).toBe("CIDATA");
      expect(image.list("")).toEqual(expect.arrayContaining(["user_data", "meta_data", "openstack"]));
    });
  });
});

describe("broken images", () => {
  it.each([
    ["rock-ridge", 40 * 1024, /runs past the end of the image/],
    ["fat12", 3 * 512, /runs past the end of the image/],
  ])("a truncated %s image fails with a clear error", (name, bytes, message) => {
    const cut = join(dir, `${name}-cut.img`);
    writeFileSync(cut, readFileSync(images[name]).subarray(0, bytes));
    expect(() => withSeedImage(cut, (image) => image.readFile("user-data"))).toThrow(message);
  });

  it("a FAT cluster chain that loops is refused", () => {
    const looped = join(dir, "loop.img");
    const bytes = Buffer.from(readFileSync(images.fat16));
    const reservedBytes = bytes.readUInt16LE(14) * bytes.readUInt16LE(11);
    // point every cluster at cluster 2: whichever chain a file starts, it comes back
    for (let c = 2; c < 64; c++) bytes.writeUInt16LE(2, reservedBytes + c * 2);
    writeFileSync(looped, bytes);
    expect(() => withSeedImage(looped, (image) => image.readFile("big.bin"))).toThrow(/loops/);
  });

  it.each([
    ["rock-ridge", "iso9660"],
    ["fat16", "vfat"],
  ])("a %s file whose size field claims 4 GiB is refused before anything is read", (name, fs) => {
    const bytes = Buffer.from(readFileSync(images[name]));
    const size = FILES["big.bin"].length;
    // ISO 9660 records the size both-endian, FAT little-endian: patch every record of big.bin
    const pattern = fs === "iso9660" ? Buffer.concat([u32(size, "LE"), u32(size, "BE")]) : u32(size, "LE");
    let patched = 0;
    for (let at = bytes.indexOf(pattern); at >= 0; at = bytes.indexOf(pattern, at + 1), patched++) {
      bytes.fill(0xff, at, at + pattern.length);
    }
    expect(patched).toBeGreaterThan(0);
    const huge = join(dir, `${name}-huge.img`);
    writeFileSync(huge, bytes);
    expect(() => withSeedImage(huge, (image) => image.readFile("big.bin"))).toThrow(`${fs}: big.bin is 4294967295 bytes, more than ${MAX_SEED_FILE_BYTES}; refused`);
  });

  it("a file that is neither filesystem is not a seed image", () => {
    const junk = join(dir, "junk.img");
    writeFileSync(junk, Buffer.alloc(100_000, 7));
    expect(withSeedImage(junk, (image) => image.label)).toBeUndefined();
  });
});
