// disk_setup's layouts: parsing, the sfdisk script (read back by the real sfdisk on an image
// file), and the comparison with a table read back, as cloud-init compares.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskConfigError, parseLayout, type PartitionWish, sfdiskScript, tableMatches } from "../../../src/disks/layout";

const REFERENCE = "/var/cache/cloud-agent/rootfs-bookworm-v3-cloud-init";
const LINUX_GPT = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";
const SWAP_GPT = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F";

describe("disk_setup layouts", () => {
  it("parses cloud-init's forms and refuses the rest, naming the entry", () => {
    expect(parseLayout(true, "gpt", "d")).toBe(true);
    expect(parseLayout([33, [66, 82]], "mbr", "d")).toEqual([{ percent: 33 }, { percent: 66, type: "82" }]);
    expect(parseLayout([[50, 83], [50, "8200"]], "gpt", "d")).toEqual([{ percent: 50, type: LINUX_GPT }, { percent: 50, type: SWAP_GPT }]);
    for (const [layout, type] of [[[], "mbr"], [[0], "mbr"], [[60, 50], "mbr"], [[20, 20, 20, 20, 20], "mbr"], [[[50, "zz"]], "mbr"], [[[50, "9999"]], "gpt"], ["half", "gpt"], [[[50]], "gpt"]] as const) {
      expect(() => parseLayout(layout, type, "d"), JSON.stringify(layout)).toThrow(DiskConfigError);
    }
  });

  it("writes scripts sfdisk accepts, with the sizes asked for", () => {
    const dir = mkdtempSync(join(tmpdir(), "layout-"));
    try {
      const image = join(dir, "disk.img");
      const sectors = (256 * 2 ** 20) / 512;
      for (const [type, layout] of [["gpt", [[25, 82], 75]], ["mbr", [33, [33, 82], 34]], ["gpt", true], ["mbr", true]] as const) {
        execFileSync("truncate", ["-s", "256M", image]);
        const parsed = parseLayout(layout, type, "d");
        execFileSync("sfdisk", ["--quiet", image], { input: sfdiskScript(type, sectors, parsed) });
        const read = JSON.parse(execFileSync("sfdisk", ["--json", image], { encoding: "utf8" })).partitiontable;
        expect(read.label).toBe(type === "mbr" ? "dos" : "gpt");
        expect(tableMatches(type, { label: read.label, partitions: read.partitions }, parsed)).toBe(true);
        if (Array.isArray(layout)) {
          // every partition but the last is its share of the disk (give or take sfdisk's 1 MiB alignment)
          (parsed as PartitionWish[]).slice(0, -1).forEach((w, i) => expect(Math.abs(read.partitions[i].size - (sectors * w.percent) / 100)).toBeLessThan(2048));
        }
        rmSync(image);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("matches tables as cloud-init does: kind, count, the types given", () => {
    const gpt = { label: "gpt", partitions: [{ node: "/dev/vdb1", type: LINUX_GPT }] };
    expect(tableMatches("gpt", gpt, true)).toBe(true);
    expect(tableMatches("gpt", gpt, [{ percent: 100 }])).toBe(true);
    expect(tableMatches("gpt", gpt, [{ percent: 100, type: SWAP_GPT }])).toBe(false);
    expect(tableMatches("gpt", gpt, [{ percent: 50 }, { percent: 50 }])).toBe(false);
    expect(tableMatches("mbr", gpt, true)).toBe(false);
    expect(tableMatches("gpt", undefined, true)).toBe(false);
    expect(tableMatches("mbr", { label: "dos", partitions: [{ node: "a", type: "83" }, { node: "b", type: "5" }] }, [{ percent: 100, type: "83" }])).toBe(true);
  });

  it("never writes a script with more than the asked partitions or a size past the disk", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 2048, max: 2 ** 40 }), (sizes, sectors) => {
        const script = sfdiskScript("mbr", sectors, parseLayout(sizes, "mbr", "d"));
        const lines = script.trim().split("\n").slice(1);
        expect(lines).toHaveLength(sizes.length);
        const total = lines.map((l) => Number(/ size=(\d+)|^size=(\d+)/.exec(l)?.slice(1).find(Boolean) ?? 0)).reduce((a, b) => a + b, 0);
        expect(total).toBeLessThanOrEqual(sectors);
      }),
    );
  });

  describe.skipIf(!existsSync(REFERENCE) || process.getuid?.() !== 0)("the same tables as cloud-init 22.4.2 makes", () => {
    // its own exec_mkpart (sfdisk for MBR, sgdisk for GPT) on an image file, in an overlay of its rootfs
    let overlay: string;
    beforeAll(() => {
      overlay = mkdtempSync(join(tmpdir(), "ci-overlay-"));
      for (const d of ["upper", "work", "root"]) mkdirSync(join(overlay, d));
      execFileSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${REFERENCE},upperdir=${overlay}/upper,workdir=${overlay}/work`, join(overlay, "root")]);
    });
    afterAll(() => {
      spawnSync("umount", [join(overlay, "root")]);
      rmSync(overlay, { recursive: true, force: true });
    });

    const table = (image: string) => JSON.parse(execFileSync("sfdisk", ["--json", image], { encoding: "utf8" })).partitiontable;
    const shape = (t: { label: string; partitions: { start: number; size: number; type: string }[] }) => ({ label: t.label, partitions: t.partitions.map(({ start, size, type }) => ({ start, size, type: type.toUpperCase() })) });

    it("for generated layouts of both table types", () => {
      const layouts = fc.sample(
        fc.tuple(
          fc.constantFrom("mbr" as const, "gpt" as const),
          fc.array(fc.tuple(fc.integer({ min: 5, max: 30 }), fc.constantFrom(undefined, 83, 82)), { minLength: 1, maxLength: 3 }),
          fc.constantFrom(64, 256),
        ),
        8,
      );
      for (const [type, parts, mib] of layouts) {
        const layout = parts.map(([percent, code]) => (code === undefined ? percent : [percent, code]));
        const theirs = join(overlay, "root/tmp/theirs.img");
        const ours = join(overlay, "ours.img");
        for (const f of [theirs, ours]) execFileSync("truncate", ["-s", "0", f]), execFileSync("truncate", ["-s", `${mib}M`, f]);
        const sectors = (mib * 2 ** 20) / 512;
        const program = `from cloudinit.config import cc_disk_setup as d\nimport json, sys\nt, size, layout = json.load(sys.stdin)\nd.exec_mkpart(t, "/tmp/theirs.img", d.get_partition_layout(t, size, layout))`;
        const r = spawnSync("chroot", [join(overlay, "root"), "python3", "-c", program], { input: JSON.stringify([type, sectors, layout]), encoding: "utf8", env: { PYTHONDONTWRITEBYTECODE: "1", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
        expect(r.status, r.stderr).toBe(0);
        execFileSync("sfdisk", ["--quiet", ours], { input: sfdiskScript(type, sectors, parseLayout(layout, type, "d")) });
        expect(shape(table(ours)), JSON.stringify([type, layout, mib])).toEqual(shape(table(theirs)));
      }
    }, 120_000);
  });
});
