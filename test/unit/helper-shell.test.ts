// The helper shell (src/host/helper-shell.ts): programs run with their arguments verbatim,
// never parsed by the shell, without the lock's descriptor or the command pipe, one command
// at a time alongside the lock it holds.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HelperShell } from "../../src/host/helper-shell";

let dir: string;
let lockFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "helper-shell-"));
  lockFile = join(dir, "lock");
  writeFileSync(lockFile, "");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("HelperShell", () => {
  it("returns each program's exit status", async () => {
    const helper = new HelperShell(lockFile);
    expect(await helper.run(["true"])).toBe(0);
    expect(await helper.run(["false"])).toBe(1);
    expect(await helper.run(["sh", "-c", "exit 7"])).toBe(7);
    expect(await helper.run(["no-such-program-here"])).toBe(127);
  });

  it("passes arguments verbatim, whatever shell syntax they hold", async () => {
    const helper = new HelperShell(lockFile);
    const out = join(dir, "out");
    const canary = join(dir, "pwned");
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom("a", " ", "\t", "$", "(", ")", "`", ";", "'", '"', "\\", "*", "|", "&", "<", ">", "é", "\r", "-") }), async (word) => {
        const arg = `${word}$(touch ${canary})`;
        expect(await helper.run(["sh", "-c", 'printf "%s" "$1" > "$2"', "-", arg, out])).toBe(0);
        expect(readFileSync(out, "utf8")).toBe(arg);
      }),
      { numRuns: 60 },
    );
    expect(await helper.run(["sh", "-c", 'printf "%s" "$#" > "$0"', out, "", "", ""])).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("3");
    expect(existsSync(canary)).toBe(false);
  });

  it("refuses an argument with a newline instead of splitting it", async () => {
    const helper = new HelperShell(lockFile);
    await expect(helper.run(["echo", "a\nrun 1"])).rejects.toThrow(/not a command the helper shell can run/);
    expect(await helper.run(["true"])).toBe(0);
  });

  it("programs get neither the lock's descriptor nor the command pipe, and the lock stays held", async () => {
    const helper = new HelperShell(lockFile);
    expect(await helper.lock(5)).toBe(true);
    const held = helper.holding();
    // fd 9 is closed for the program; its stdin is /dev/null, so `read` ends at once
    expect(await helper.run(["sh", "-c", "[ ! -e /proc/self/fd/9 ]"])).toBe(0);
    expect(await helper.run(["sh", "-c", "read x"])).toBe(1);
    expect(spawnSync("flock", ["--nonblock", lockFile, "true"]).status).toBe(1);
    expect(held()).toBe(true);
    await helper.unlock();
    expect(spawnSync("flock", ["--nonblock", lockFile, "true"]).status).toBe(0);
  });
});
