import { describe, expect, it } from "vitest";
import { parseYaml, YamlError } from "../../src/config/yaml";

describe("parseYaml reads YAML 1.1 as PyYAML's safe_load does", () => {
  it.each([
    ["yes", true],
    ["No", false],
    ["on", true],
    ["OFF", false],
    ["true", true],
    ["y", "y"],
    ["n", "n"],
    ["0644", 420],
    ["0o644", "0o644"],
    ["644", 644],
    ["0x1F", 31],
    ["1:20", 80],
    ["1_000", 1000],
    ["1e3", "1e3"],
    ["1.5e+3", 1500],
    ["~", null],
    ["2032-09-01", "2032-09-01"],
    ["'0644'", "0644"],
  ])("%s -> %j", (text, expected) => {
    expect(parseYaml(`key: ${text}\n`)).toEqual({ key: expected });
  });

  it("keeps !!binary as bytes", () => {
    const value = parseYaml("data: !!binary aGVsbG8=\n") as { data: Uint8Array };
    expect(Buffer.from(value.data).toString()).toBe("hello");
  });

  it("keeps the last of duplicate keys", () => {
    expect(parseYaml("a: 1\na: 2\n")).toEqual({ a: 2 });
  });

  it("names the line of a syntax error", () => {
    let error: unknown;
    try {
      parseYaml("runcmd:\n  - echo ok\n  bad: [\n");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(YamlError);
    expect((error as YamlError).line).toBeGreaterThanOrEqual(3);
    expect((error as Error).message).toMatch(/line \d+/);
  });
});
