// The single boot process and its stage shims (units/cloud-agent-stage.sh), run for real:
// the shim hands each stage over a named pipe and exits with the stage's result.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, agentAsync, agentCommand, isRoot, lines, makeRoot, shim, SHIM, SHIM_ENV, STAGES, writeSeed } from "./root";


function shimAsync(root: string, stage: string, args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = performance.now();
  const child = spawn("sh", [SHIM, stage, ...args], { env: SHIM_ENV(root), stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on("close", (code) => done({ code, stderr, ms: performance.now() - started })));
}

/**
 * The boot process under a parent that never reaps it (sleep, exec'd by the shell that
 * started it): once killed it stays a zombie, which still answers kill -0.
 */
async function unreapedBootProcess(root: string): Promise<{ pid: number; parent: ReturnType<typeof spawn> }> {
  const script = `${agentCommand().join(" ")} --root "$1" boot >/dev/null 2>&1 & echo $!; exec sleep 120`;
  const parent = spawn("sh", ["-c", script, "-", root], { stdio: ["ignore", "pipe", "ignore"], detached: true });
  const pid = await new Promise<number>((done) => parent.stdout!.once("data", (c: Buffer) => done(Number(c.toString().trim()))));
  return { pid, parent };
}

function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
}

describe.skipIf(!isRoot)("one boot process, four stage shims", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    writeSeed(root, { "meta-data": "instance-id: iid-bp\n", "user-data": "#cloud-config\nbootcmd: [echo boot >> /var/tmp/boot.log]\nruncmd: [echo run >> /var/tmp/run.log]\n" });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("runs every stage in the one process when its shim asks, then exits", async () => {
    const main = agentAsync(root, ["boot"]);
    const exited = new Promise<number>((r) => main.on("close", (c) => r(c ?? -1)));
    for (const [stage, args] of STAGES) expect([stage, shim(root, stage, args)]).toEqual([stage, { code: 0, stderr: "" }]);
    expect(await exited).toBe(0);
    expect(lines(root, "var/tmp/boot.log")).toEqual(["boot"]);
    expect(lines(root, "var/tmp/run.log")).toEqual(["run"]);
    expect(existsSync(join(root, "run/cloud-init/share"))).toBe(false);
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
  });

  it("keeps writing its stages to the log it opened: a symlink put in its place later is not followed", async () => {
    writeFileSync(join(root, "etc/target"), "precious\n");
    const main = agentAsync(root, ["boot"]);
    const exited = new Promise((r) => main.on("close", r));
    const [[firstStage, firstArgs], ...later] = STAGES;
    expect(shim(root, firstStage, firstArgs).code).toBe(0);
    renameSync(join(root, "var/log/cloud-init.log"), join(root, "var/log/moved.log"));
    symlinkSync("/etc/target", join(root, "var/log/cloud-init.log"));
    for (const [stage, args] of later) expect([stage, shim(root, stage, args).code]).toEqual([stage, 0]);
    expect(await exited).toBe(0);
    expect(readFileSync(join(root, "etc/target"), "utf8")).toBe("precious\n");
    expect(readlinkSync(join(root, "var/log/cloud-init.log"))).toBe("/etc/target");
    expect(readFileSync(join(root, "var/log/moved.log"), "utf8")).toContain("running 'modules:final'");
  });

  it("passes a stage's error count back as the unit's exit code", async () => {
    writeSeed(root, { "meta-data": "instance-id: iid-bp2\n", "user-data": "#cloud-config\nbootcmd: [exit 7]\n" });
    const main = agentAsync(root, ["boot"]);
    const codes = STAGES.map(([stage, args]) => shim(root, stage, args).code);
    expect(codes).toEqual([0, 1, 0, 0]);
    expect(await new Promise((r) => main.on("close", r))).toBe(1);
  });

  it("runs the stage on its own when no boot process is there", () => {
    const r = shim(root, "local", ["init", "--local"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no boot process to hand stage local to \(not started after 10 s\); running it on its own/);
    expect(readlinkSync(join(root, "var/lib/cloud/instance"))).toBe("/var/lib/cloud/instances/iid-bp");
  }, 20_000);

  it("fails the unit, not the boot, when the process dies during a stage", async () => {
    writeSeed(root, { "meta-data": "instance-id: iid-bp3\n", "user-data": "#cloud-config\nbootcmd: [sleep 30]\n" });
    const main = agentAsync(root, ["boot"]);
    const exited = new Promise((r) => main.on("close", r));
    expect(shim(root, "local", ["init", "--local"]).code).toBe(0);
    // spawnSync below blocks this thread, so the kill comes from a process of its own
    spawnSync("sh", ["-c", `(sleep 0.5; kill -9 ${main.pid}) >/dev/null 2>&1 &`]);
    const r = shim(root, "network", ["init"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the boot process exited during stage network/);
    await exited; // reaped (systemd reaps at once; this test's blocked thread could not)
    expect(agent(root, ["status", "--long"]).stdout).toMatch(/stage init did not finish: cloud-agent exited while running it/);
    // the next unit finds the process gone and runs its stage itself
    const next = shim(root, "config", ["modules", "--mode=config"]);
    expect(next.stderr).toMatch(/process \d+ is gone/);
  });

  it("runs the stage on its own at once when the boot process died between stages and is not yet reaped", async () => {
    const { pid, parent } = await unreapedBootProcess(root);
    try {
      expect((await shimAsync(root, "local", ["init", "--local"])).code).toBe(0);
      process.kill(pid, "SIGKILL");
      while (processState(pid) !== "Z") await new Promise((r) => setTimeout(r, 5));
      const next = await shimAsync(root, "network", ["init"]);
      expect(next.stderr).toMatch(new RegExp(`process ${pid} is gone`));
      expect(next.code).toBe(0);
      // the pipe would have held it for its 30 s bound
      expect(next.ms).toBeLessThan(10_000);
      expect(lines(root, "var/tmp/boot.log")).toEqual(["boot"]);
    } finally {
      process.kill(-parent.pid!, "SIGKILL");
    }
  }, 30_000);

  it("stops waiting on the pipe when the boot process dies while the shim waits for it", async () => {
    const { pid, parent } = await unreapedBootProcess(root);
    try {
      expect((await shimAsync(root, "local", ["init", "--local"])).code).toBe(0);
      // stopped, it never opens the next stage's pipe; then it dies while the shim waits there
      process.kill(pid, "SIGSTOP");
      const next = shimAsync(root, "network", ["init"]);
      await new Promise((r) => setTimeout(r, 500));
      process.kill(pid, "SIGKILL");
      const r = await next;
      expect(r.stderr).toMatch(new RegExp(`process ${pid} did not answer`));
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(10_000);
      expect(lines(root, "var/tmp/boot.log")).toEqual(["boot"]);
    } finally {
      process.kill(-parent.pid!, "SIGKILL");
    }
  }, 30_000);

  it("runs the stage on its own when a live boot process takes no \"start\" for 30 s", async () => {
    // a stand-in that lives on but never reads its pipe (a hung process)
    const share = join(root, "run/cloud-init/share");
    mkdirSync(share, { recursive: true });
    spawnSync("mkfifo", [join(share, "local.go"), join(share, "local.result")]);
    const hung = spawn("sleep", ["120"], { stdio: "ignore" });
    try {
      writeFileSync(join(share, "main.pid"), `${hung.pid}\n`);
      const r = await shimAsync(root, "local", ["init", "--local"]);
      expect(r.stderr).toMatch(new RegExp(`process ${hung.pid} did not answer`));
      expect(r.code).toBe(0);
      expect(readlinkSync(join(root, "var/lib/cloud/instance"))).toBe("/var/lib/cloud/instances/iid-bp");
    } finally {
      hung.kill("SIGKILL");
    }
  }, 60_000);

  it("fails the unit, not hangs, when the boot process dies after it took the stage and before it answered", async () => {
    // a stand-in for the boot process that dies at that point: it reads "start" and exits
    const share = join(root, "run/cloud-init/share");
    mkdirSync(share, { recursive: true });
    spawnSync("mkfifo", [join(share, "network.go"), join(share, "network.result")]);
    const taker = spawn("sh", ["-c", 'read -r _ <"$1"', "-", join(share, "network.go")], { stdio: "ignore" });
    writeFileSync(join(share, "main.pid"), `${taker.pid}\n`);
    const r = await shimAsync(root, "network", ["init"]);
    expect(r.stderr).toMatch(/the boot process exited during stage network/);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(10_000);
  }, 30_000);
});
