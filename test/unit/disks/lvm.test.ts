// LVM's reports as lvm2 2.03 prints them (captured from lvs/pvs on a VG built on a loop device),
// and growpart.lvm_size held against lvextend's own parser: every value we take, lvextend
// --test on a real (never activated) VG takes too.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LVM_SIZE, isLogicalVolumeDmUuid, lvextendSizeArgs, parseLvs, parsePvs } from "../../../src/disks/lvm";

const LVS = `  {
      "report": [
          {
              "lv": [
                  {"lv_name":"root", "vg_name":"vgroot", "lv_uuid":"fly2cS-HiZy-KG4c-RuYM-gtuR-Zb6M-bVGhuS", "vg_uuid":"1Wuqzw-XP1C-ZMlH-f9u4-TtiG-zaU4-Go4ydw"},
                  {"lv_name":"swap", "vg_name":"vgroot", "lv_uuid":"Qm3xLk-0aB1-cD2e-Ef3g-Gh4i-Ij5k-Kl6mNo", "vg_uuid":"1Wuqzw-XP1C-ZMlH-f9u4-TtiG-zaU4-Go4ydw"}
              ]
          }
      ]
  }
`;

const PVS = `  {
      "report": [
          {
              "pv": [
                  {"pv_name":"/dev/vda1", "vg_uuid":"1Wuqzw-XP1C-ZMlH-f9u4-TtiG-zaU4-Go4ydw", "pv_pe_count":"383", "pe_start":"1048576", "dev_size":"3220176896", "vg_extent_size":"4194304"},
                  {"pv_name":"/dev/vdb", "vg_uuid":"", "pv_pe_count":"0", "pe_start":"1048576", "dev_size":"67108864", "vg_extent_size":"0"}
              ]
          }
      ]
  }
`;

describe("lvm reports", () => {
  it("names each LV as lvextend takes it and gives the uuid device-mapper shows for it", () => {
    expect(parseLvs(LVS)).toEqual([
      { name: "vgroot/root", dmUuid: "LVM-1WuqzwXP1CZMlHf9u4TtiGzaU4Go4ydwfly2cSHiZyKG4cRuYMgtuRZb6MbVGhuS", vgUuid: "1Wuqzw-XP1C-ZMlH-f9u4-TtiG-zaU4-Go4ydw" },
      { name: "vgroot/swap", dmUuid: "LVM-1WuqzwXP1CZMlHf9u4TtiGzaU4Go4ydwQm3xLk0aB1cD2eEf3gGh4iIj5kKl6mNo", vgUuid: "1Wuqzw-XP1C-ZMlH-f9u4-TtiG-zaU4-Go4ydw" },
    ]);
    for (const lv of parseLvs(LVS)) expect(isLogicalVolumeDmUuid(lv.dmUuid)).toBe(true);
  });

  it("counts the extents a PV has and those pvresize would give it; a PV in no VG is left out", () => {
    // (3220176896 - 1048576) / 4 MiB = 767.75: the partition was grown, the PV not yet
    expect(parsePvs(PVS)).toEqual([{ device: "/dev/vda1", vgUuid: "1Wuqzw-XP1C-ZMlH-f9u4-TtiG-zaU4-Go4ydw", extents: 383, extentsOnDevice: 767 }]);
    expect(parsePvs(PVS.replace("3220176896", "1610612736"))[0].extentsOnDevice).toBe(383);
  });

  it("a report of another shape is an error that says what was wrong", () => {
    expect(() => parseLvs("WARNING: something\n")).toThrow("lvs --reportformat json printed something that is not JSON");
    expect(() => parseLvs("{}")).toThrow("printed no report");
    expect(() => parseLvs('{"report":[{"lv":{}}]}')).toThrow('"lv" is not a list');
    expect(() => parseLvs('{"report":[{"lv":[{"lv_name":"root"}]}]}')).toThrow("a row without vg_name");
    expect(() => parsePvs(PVS.replace('"383"', '"383.5"'))).toThrow('pvs reported "383.5" for /dev/vda1 where a number of bytes or extents belongs');
    expect(() => parsePvs(PVS.replace('"4194304"', '"0"'))).toThrow("an extent size of 0 for /dev/vda1");
    // lvm's own log report, when configured, is a sibling of the rows and not read
    expect(parseLvs('{"report":[{"lv":[]}],"log":[{"log_seq_num":"1"}]}')).toEqual([]);
  });

  it("device-mapper uuids of LVs only: not their hidden layers, not crypt or multipath devices", () => {
    const lv = "LVM-1WuqzwXP1CZMlHf9u4TtiGzaU4Go4ydwfly2cSHiZyKG4cRuYMgtuRZb6MbVGhuS";
    expect(isLogicalVolumeDmUuid(lv)).toBe(true);
    for (const other of [`${lv}-real`, `${lv}-cow`, `${lv}-tpool`, "CRYPT-LUKS2-0123456789abcdef0123456789abcdef-luks", "mpath-3600508b400105e210000900000490000", "", "LVM-short"]) {
      expect(isLogicalVolumeDmUuid(other)).toBe(false);
    }
  });
});

describe("growpart.lvm_size", () => {
  it("takes lvextend's percentages of the free space and of the VG, and sizes with a unit", () => {
    expect(lvextendSizeArgs(DEFAULT_LVM_SIZE)).toEqual(["-l", "+100%FREE"]);
    expect(lvextendSizeArgs("100%FREE")).toEqual(["-l", "100%FREE"]);
    expect(lvextendSizeArgs("80%VG")).toEqual(["-l", "80%VG"]);
    expect(lvextendSizeArgs("+2G")).toEqual(["-L", "+2G"]);
    expect(lvextendSizeArgs("20g")).toEqual(["-L", "20g"]);
    expect(lvextendSizeArgs("+1.5t")).toEqual(["-L", "+1.5t"]);
  });

  it("refuses what lvextend would refuse or read otherwise", () => {
    for (const bad of ["", "100", "+2", "2 G", "-2G", "0%FREE", "101%VG", "+50%LV", "100%PVS", "100%ORIGIN", "0G", "+0.1k", "16E", "+2GiB", "--size=2G", "2G\n", "+100%free", "1e3G"]) {
      expect([bad, lvextendSizeArgs(bad)]).toEqual([bad, undefined]);
    }
  });

  it("never hands lvextend anything that could be an option or a second argument", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        const args = lvextendSizeArgs(value);
        if (args) expect(args[1]).toMatch(/^\+?[0-9.]+(%FREE|%VG|[bBsSkKmMgGtTpPeE])$/);
      }),
      { numRuns: 5000 },
    );
  });
});

// lvextend --test parses and plans against the VG's metadata and changes nothing; the VG is
// on a loop device and never activated (no device-mapper needed).
const lvmUnsupported =
  process.getuid?.() !== 0 ? "needs root (loop devices)" : spawnSync("sh", ["-c", "command -v lvextend && command -v losetup"]).status !== 0 ? "lvm2 is not installed (apt-get install lvm2)" : undefined;
if (lvmUnsupported) console.warn(`lvextend comparison skipped: ${lvmUnsupported}`);

describe.skipIf(lvmUnsupported)("growpart.lvm_size against lvextend --test", () => {
  let dir: string;
  let loop: string;
  const lvmOptions = () => ["--devices", loop, "--config", "devices { obtain_device_list_from_udev = 0 } backup { backup = 0 archive = 0 }", "--driverloaded", "n"];
  const lvm = (argv: string[]) => spawnSync(argv[0], [...argv.slice(1), ...lvmOptions()], { encoding: "utf8", env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: "1" } });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lvm-"));
    execFileSync("truncate", ["-s", "64M", join(dir, "pv.img")]);
    loop = execFileSync("losetup", ["--find", "--show", join(dir, "pv.img")], { encoding: "utf8" }).trim();
    for (const argv of [["pvcreate", loop], ["vgcreate", "vgtest", loop], ["lvcreate", "--activate", "n", "--zero", "n", "-l", "2", "-n", "lv", "vgtest"]]) {
      const made = lvm(argv);
      if (made.status !== 0) throw new Error(`${argv.join(" ")}: ${made.stderr}`);
    }
  });
  afterAll(() => {
    if (loop) execFileSync("losetup", ["-d", loop]);
    rmSync(dir, { recursive: true, force: true });
  });

  // what lvextend says when it cannot read the value at all (not: too large for this VG)
  const UNREADABLE = /Invalid argument|may not be zero|too big|Error during parsing|Run `lvextend --help'/;
  const candidate = fc.oneof(
    fc.tuple(fc.constantFrom("", "+"), fc.integer({ min: -5, max: 150 }), fc.constantFrom("%FREE", "%VG")).map(([sign, n, unit]) => `${sign}${n}${unit}`),
    fc
      .tuple(
        fc.constantFrom("", "+"),
        fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }).map(String), fc.tuple(fc.nat(2000), fc.nat(999_999)).map(([a, b]) => `${a}.${b}`), fc.constantFrom("0.5", "0.4", "16", "15.99", "16383.99")),
        fc.constantFrom(..."bBsSkKmMgGtTpPeE"),
      )
      .map(([sign, n, unit]) => `${sign}${n}${unit}`),
  );

  it("every value we take, lvextend reads (sizes from a sector to exbibytes, percentages from -5 to 150)", () => {
    const seen: { value: string; ours: boolean; lvm: string }[] = [];
    fc.assert(
      fc.property(candidate, (value) => {
        const args = lvextendSizeArgs(value);
        const run = lvm(["lvextend", "--test", ...(args ?? [value.includes("%") ? "-l" : "-L", value]), "vgtest/lv"]);
        const unreadable = UNREADABLE.test(run.stderr);
        seen.push({ value, ours: args !== undefined, lvm: unreadable ? "unreadable" : "read" });
        if (args) expect([value, run.stderr]).toEqual([value, expect.not.stringMatching(UNREADABLE)]);
      }),
      { numRuns: 150 },
    );
    // the comparison means something only when both verdicts came up
    expect(seen.some((s) => s.ours)).toBe(true);
    expect(seen.some((s) => s.lvm === "unreadable")).toBe(true);
  });
});
