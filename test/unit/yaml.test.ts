import { describe, expect, it } from "vitest";
import { MAX_NESTING, parseJson, parseYaml, YamlError } from "../../src/config/yaml";

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

describe("nesting is bounded before anything walks the document", () => {
  const flow = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
  // 5,000 compact block levels exhausted node's memory inside the YAML composer
  const block = (n: number) => `key:\n${"- ".repeat(n)}x\n`;

  it.each([
    ["flow", flow(5000)],
    ["compact block", block(5000)],
    ["indented block", Array.from({ length: 5000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n") + " 1\n"],
  ])("refuses %s nesting 5,000 deep with an error naming the line", (_, text) => {
    let error: unknown;
    try {
      parseYaml(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(YamlError);
    expect((error as Error).message).toMatch(new RegExp(`nested deeper than ${MAX_NESTING} levels at line \\d+`));
  });

  it("accepts exactly MAX_NESTING levels and refuses one more", () => {
    expect(parseYaml(`a: ${flow(MAX_NESTING - 1)}\n`)).toEqual({ a: expect.any(Array) });
    expect(() => parseYaml(`a: ${flow(MAX_NESTING)}\n`)).toThrow(/nested deeper/);
  });

  // the tab check was quadratic (6 s here); a timing belongs in the bench, this keeps the case
  it("reads 40,000 tab-holding lines and comments", () => {
    const text = `a: |\n${"  x\ty\n".repeat(20_000)}b: 1\n${"# c\td\n".repeat(20_000)}`;
    expect(parseYaml(text)).toEqual({ a: "x\ty\n".repeat(20_000), b: 1 });
  });

  it("counts the depth aliases stack up", () => {
    const half = Math.ceil(MAX_NESTING / 2) + 1;
    const text = `a: &a ${flow(half)}\nb: ${"[".repeat(half)}*a${"]".repeat(half)}\n`;
    expect(() => parseYaml(text)).toThrow(/nested deeper/);
  });

  it("bounds JSON the same way, and names the position of a syntax error without quoting the text", () => {
    expect(() => parseJson(flow(5000))).toThrow(`nested deeper than ${MAX_NESTING} levels`);
    expect(parseJson(flow(MAX_NESTING))).toHaveLength(1);
    let message = "";
    try {
      parseJson('{"password": hunter2}');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^invalid JSON/);
    expect(message).not.toContain("hunter2");
  });
});

describe("a __proto__ key stays data", () => {
  it.each([
    ["YAML", () => parseYaml("__proto__: {polluted: yes}\nnested: {__proto__: {polluted: yes}}\n")],
    ["YAML with a date inside", () => parseYaml("__proto__: {when: 2030-01-01}\n")],
    ["JSON", () => parseJson('{"__proto__": {"polluted": true}}')],
  ])("%s: an own property, the prototype untouched", (_, parse) => {
    const value = parse() as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toContain("__proto__");
    expect(value.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
