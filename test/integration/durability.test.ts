// What a power cut may find (src/stages/run-modules.ts): the system calls of real stages,
// traced, show at-most-once work starting only after its semaphore is on disk, and idempotent
// work on disk before its semaphore; a sync that fails is the module's error and leaves no
// semaphore, so the next boot does the work again.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, agentCommand, boot, isRoot, makeRoot, read, writeSeed } from "./root";

const USER_DATA = "#cloud-config\nwrite_files: [{path: /etc/wf.txt, content: hi}]\nruncmd: ['echo run >> /var/tmp/run.log']\n";
const SEM = "var/lib/cloud/instances/iid-durable/sem";
const hasStrace = spawnSync("sh", ["-c", "command -v strace"]).status === 0;

let root: string;
let scratch: string;
beforeEach(() => {
  root = makeRoot();
  scratch = mkdtempSync(join(tmpdir(), "durability-"));
  writeSeed(root, { "meta-data": "instance-id: iid-durable\n", "user-data": USER_DATA });
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

/** The stage's file system calls, in order, across the agent and the programs it starts. */
function traced(args: string[]): string[] {
  const out = join(scratch, `${args.join("-")}.strace`);
  const calls = "trace=openat,fsync,syncfs,rename,renameat,renameat2,execve";
  const r = spawnSync("strace", ["-f", "-qq", "-s", "1024", "-o", out, "-e", calls, ...agentCommand(), "--root", root, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  expect(r.status, r.stderr?.toString()).toBe(0);
  return readFileSync(out, "utf8").split("\n");
}

/** The index of the first call from `from` on that `test` picks; fails the test when there is none. */
function find(calls: string[], from: number, what: string, test: (call: string) => boolean): number {
  const i = calls.findIndex((call, k) => k >= from && test(call));
  expect(i, `${what} after call ${from}`).toBeGreaterThanOrEqual(0);
  return i;
}

/** Where the file opened by call `i` is fsynced (by its descriptor). */
function fsyncOf(calls: string[], i: number): number {
  const fd = /= (\d+)$/.exec(calls[i])![1];
  return find(calls, i + 1, `fsync of ${calls[i]}`, (c) => new RegExp(`fsync\\(${fd}\\)`).test(c));
}

/** The semaphore's creation and the fsync of its directory. */
function semaphoreMade(calls: string[], name: string): { created: number; dirSynced: number } {
  const dir = join(root, SEM);
  const created = find(calls, 0, `creation of ${name}`, (c) => c.includes(`openat(AT_FDCWD, "${dir}/${name}", `) && c.includes("O_EXCL"));
  const opened = find(calls, created, `opening of ${dir}`, (c) => c.includes(`openat(AT_FDCWD, "${dir}", `) && c.includes("O_DIRECTORY"));
  return { created, dirSynced: fsyncOf(calls, opened) };
}

describe.skipIf(!isRoot || !hasStrace)("the order of writes and syncs", () => {
  it("idempotent work (write_files): the file renamed into place, one syncfs, then its semaphore and its directory", () => {
    expect(agent(root, ["init", "--local"]).code).toBe(0);
    const calls = traced(["init"]);
    const renamed = find(calls, 0, "write_files' rename", (c) => /rename\w*\(.*\/wf\.txt"/.test(c));
    const synced = find(calls, renamed, "syncfs", (c) => c.includes("syncfs("));
    const { created, dirSynced } = semaphoreMade(calls, "config_write_files");
    expect(synced).toBeLessThan(created);
    expect(created).toBeLessThan(dirSynced);
    expect(read(root, "etc/wf.txt")).toBe("hi");
  });

  it("at-most-once work (scripts_user): its semaphore and directory fsynced before runcmd's script starts", () => {
    for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"]]) expect(agent(root, args).code).toBe(0);
    const calls = traced(["modules", "--mode=final"]);
    const { created, dirSynced } = semaphoreMade(calls, "config_scripts_user");
    const started = find(calls, 0, "runcmd's script", (c) => c.includes("execve(") && c.includes("/scripts/runcmd\""));
    expect(fsyncOf(calls, created)).toBeLessThan(dirSynced);
    expect(dirSynced).toBeLessThan(started);
    expect(read(root, "var/tmp/run.log")).toBe("run\n");
  });
});

describe.skipIf(!isRoot)("a sync that fails", () => {
  it("is the error of the modules whose work it was; no semaphore, so the next boot does the work again and is done", () => {
    // a syncfs that fails (an I/O error) is what the agent's `sync -f` reports with exit 1
    const failing = join(scratch, "bin");
    mkdirSync(failing);
    writeFileSync(join(failing, "sync"), "#!/bin/sh\necho 'sync: error syncing: Input/output error' >&2\nexit 1\n");
    chmodSync(join(failing, "sync"), 0o755);
    const env = { PATH: `${failing}:${process.env.PATH ?? "/usr/bin:/bin"}` };
    for (const args of [["init", "--local"], ["init"]]) spawnSync(agentCommand()[0], [...agentCommand().slice(1), "--root", root, ...args], { env });
    expect(read(root, "etc/wf.txt")).toBe("hi");
    expect(existsSync(join(root, SEM, "config_write_files"))).toBe(false);
    const status = agent(root, ["status", "--long"]);
    expect(status.stdout.split("\n")[0]).toBe("status: error");
    expect(status.stdout).toMatch(/module write_files ran, but its work could not be made durable \(could not sync the filesystems of .* \(sync -f failed\)\); it will run again on the next boot/);
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "var/log/cloud-init.log").match(/start: init-network\/config-write_files:/g)).toHaveLength(2);
    expect(existsSync(join(root, SEM, "config_write_files"))).toBe(true);
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
  });
});
