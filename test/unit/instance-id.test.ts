// Instance-ids as directory names and as lines of the instance-id files.
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Host } from "../../src/host/host";
import { instanceIdLine, readInstanceId } from "../../src/state/instance";
import { instanceDirName } from "../../src/state/paths";

describe("instance-id as a directory name", () => {
  it("keeps ordinary ids and cloud-init's / -> _", () => {
    expect(instanceDirName("i-0123456789abcdef0")).toBe("i-0123456789abcdef0");
    expect(instanceDirName("iid/with/slashes")).toBe("iid_with_slashes");
    expect(instanceDirName("a".repeat(200))).toBe("a".repeat(200));
  });

  it("hashes what cannot be one safe path component", () => {
    const long = "x".repeat(300);
    for (const id of [long, "", ".", "..", "a\0b", "a\nb", "é".repeat(101)]) {
      expect(instanceDirName(id)).toMatch(/^iid-[A-Za-z0-9._-]{0,64}-[0-9a-f]{64}$/);
    }
    expect(instanceDirName(long)).toBe(instanceDirName(long));
    expect(instanceDirName(long)).not.toBe(instanceDirName(`${"x".repeat(299)}y`));
    expect(instanceDirName(`${"a/".repeat(150)}`)).not.toBe(instanceDirName(`${"a_".repeat(150)}`));
  });

  it("is always one component of at most 200 bytes, never . or .. (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (id) => {
        const name = instanceDirName(id);
        expect(name).not.toMatch(/[/\x00-\x1f\x7f]/);
        expect(["", ".", ".."]).not.toContain(name);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
      }),
    );
  });
});

describe("instance-id files", () => {
  const root = mkdtempSync(join(tmpdir(), "instance-id-"));
  const host = new Host({ root });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("write ordinary ids as they are and anything else as one line that reads back the same (property)", () => {
    expect(instanceIdLine("i-abc/def 1")).toBe("i-abc/def 1");
    expect(instanceIdLine("evil\nNO_PREVIOUS_INSTANCE_ID")).toBe("evil\\x0aNO_PREVIOUS_INSTANCE_ID");
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 300 }), (id) => {
        const line = instanceIdLine(id);
        expect(line).not.toMatch(/[\n\r]/);
        host.writeAtomic("/instance-id", `${line}\n`);
        expect(readInstanceId(host, "/instance-id")).toBe(id);
      }),
      { numRuns: 200 },
    );
  });
});
