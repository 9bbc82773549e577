import { describe, expect, it } from "vitest";
import { shellify, shellQuote } from "../../src/scripts/shell";

describe("shellify", () => {
  it("writes strings verbatim and quotes list items word by word (cloud-init's example)", () => {
    const script = shellify(["ls -l /", ["sh", "-xc", "echo $(date) ': hello world!'"], null], "runcmd");
    expect(script).toBe("#!/bin/sh\nls -l /\n'sh' '-xc' 'echo $(date) '\\'': hello world!'\\'''\n");
  });

  it("refuses items that are neither string nor list", () => {
    expect(() => shellify([{ a: 1 }], "runcmd")).toThrow(/runcmd item 0/);
  });

  it("quotes hostile words so the shell sees one argument", () => {
    expect(shellQuote("a'; rm -rf / #")).toBe("'a'\\''; rm -rf / #'");
  });
});
