// What `status` says about this boot when stages are killed, the state disk is read-only,
// the bookkeeping fails, or state files are corrupt: replays of issue #10's findings with the
// built agent in throwaway roots.
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, agentAsync, agentCommand, boot, isRoot, lines, makeRoot, read, writeSeed, type AgentResult } from "./root";

const STAGES = [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]];

/** Runs the agent in a mount namespace of its own where ROOT/var/lib/cloud is read-only. */
function agentReadOnlyState(root: string, args: string[]): AgentResult {
  const dir = join(root, "var/lib/cloud");
  const script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"';
  const r = spawnSync("unshare", ["-m", "sh", "-c", script, "-", dir, ...agentCommand(), "--root", root, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a stage, waits until it is inside `file` having appeared, then kills it with SIGKILL. */
async function killStageWhen(root: string, args: string[], file: string): Promise<number> {
  const stage = agentAsync(root, args);
  const deadline = Date.now() + 15_000;
  while (!existsSync(join(root, file)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(existsSync(join(root, file))).toBe(true);
  const exited = new Promise((r) => stage.on("exit", r));
  stage.kill("SIGKILL");
  // "exit", not "close": the stage's own children (sleep) may hold its stdout for a while
  await exited;
  return stage.pid ?? 0;
}

function statusJson(root: string): Record<string, any> {
  return JSON.parse(agent(root, ["status", "--format", "json"]).stdout);
}

describe.skipIf(!isRoot)("status is about this boot", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    writeSeed(root, {
      "meta-data": "instance-id: iid-faults\n",
      "user-data": "#cloud-config\nbootcmd: [echo boot >> /var/tmp/boot.log]\nwrite_files: [{path: /etc/wf.txt, content: hi}]\nruncmd: [echo run >> /var/tmp/run.log]\n",
    });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("init killed, then config and final run on their own: error, never done; the later stage notes it", async () => {
    writeSeed(root, { "meta-data": "instance-id: iid-killed\n", "user-data": "#cloud-config\nbootcmd: ['echo > /var/tmp/in-bootcmd', sleep 30]\nwrite_files: [{path: /etc/wf.txt, content: hi}]\n" });
    rmSync(join(root, "run"), { recursive: true, force: true });
    expect(agent(root, ["init", "--local"]).code).toBe(0);
    const pid = await killStageWhen(root, ["init"], "var/tmp/in-bootcmd");
    expect(agent(root, ["modules", "--mode=config"]).code).toBe(0);
    expect(agent(root, ["modules", "--mode=final"]).code).toBe(0);
    const s = agent(root, ["status", "--long"]);
    expect([s.code, s.stdout.split("\n")[0]]).toEqual([1, "status: error"]);
    expect(s.stdout).toContain("extended_status: error - done");
    expect(s.stdout).toContain(`stage init did not finish: cloud-agent exited while running it (pid ${pid})`);
    expect(existsSync(join(root, "etc/wf.txt"))).toBe(false);
    expect(JSON.parse(read(root, "run/cloud-init/result.json")).v1.errors).toEqual([`stage init did not finish: cloud-agent exited while running it (pid ${pid})`]);
    expect(statusJson(root)["modules-config"].recoverable_errors.WARNING).toEqual(["stage init was interrupted earlier in this boot; its remaining modules did not run"]);
  }, 30_000);

  it("a module killed mid-run is not run again for the instance; the stage stays an error", async () => {
    writeSeed(root, { "meta-data": "instance-id: iid-midrun\n", "user-data": "#cloud-config\nruncmd: ['echo start >> /var/tmp/run.log', 'sleep 30']\n" });
    rmSync(join(root, "run"), { recursive: true, force: true });
    for (const args of STAGES.slice(0, 3)) expect(agent(root, args).code).toBe(0);
    await killStageWhen(root, ["modules", "--mode=final"], "var/tmp/run.log");
    // run again this boot: the interruption is not washed out, and runcmd is not repeated
    expect(agent(root, ["modules", "--mode=final"]).code).toBe(1);
    expect(lines(root, "var/tmp/run.log")).toEqual(["start"]);
    const s = statusJson(root);
    expect(s.status).toBe("error");
    expect(s["modules-final"].errors).toEqual([expect.stringMatching(/^stage modules-final did not finish: cloud-agent exited while running it \(pid \d+\)$/)]);
  }, 30_000);

  it("a fresh /run after a finished boot is 'not started', then 'running', never the last boot's 'done'", () => {
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    rmSync(join(root, "run"), { recursive: true, force: true });
    expect(existsSync(join(root, "var/lib/cloud/data/status.json"))).toBe(true);
    expect(agent(root, ["status"])).toMatchObject({ code: 0, stdout: "status: not started\n" });
    expect(agent(root, ["init", "--local"]).code).toBe(0);
    expect(agent(root, ["status"]).stdout).toBe("status: running\n");
  });

  it("a reused pid in .running-stage is not taken for the stage: status --wait returns", async () => {
    writeSeed(root, { "meta-data": "instance-id: iid-faults\n", "user-data": "#cloud-config\nbootcmd: ['echo > /var/tmp/in-bootcmd', sleep 30]\n" });
    rmSync(join(root, "run"), { recursive: true, force: true });
    expect(agent(root, ["init", "--local"]).code).toBe(0);
    await killStageWhen(root, ["init"], "var/tmp/in-bootcmd");
    const ownStart = readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ")[1].split(" ")[22 - 3];
    // this test's own process, alive: the stage counts as running only when the start time matches too
    writeFileSync(join(root, "run/cloud-init/.running-stage"), `${process.pid} ${ownStart} init\n`);
    expect(agent(root, ["status"]).stdout).toBe("status: running\n");
    writeFileSync(join(root, "run/cloud-init/.running-stage"), `${process.pid} ${Number(ownStart) + 1} init\n`);
    const waited = agent(root, ["status", "--wait", "--timeout", "10"]);
    expect(waited.code).toBe(1);
    expect(waited.stdout).toMatch(/status: error\n$/);
  }, 30_000);

  it("read-only /var/lib/cloud on a reboot: every stage's failure is recorded in /run and status is error", () => {
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    rmSync(join(root, "run"), { recursive: true, force: true });
    const codes = STAGES.map((args) => agentReadOnlyState(root, args).code);
    expect(codes[0]).toBeGreaterThan(0);
    expect(lstatSync(join(root, "run/cloud-init/status.json")).isFile()).toBe(true);
    const s = agent(root, ["status", "--long"]);
    expect([s.code, s.stdout.split("\n")[0]]).toEqual([1, "status: error"]);
    expect(s.stdout).toMatch(/could not write \/var\/lib\/cloud\/data\/status.json: .*read-only file system.*; this boot's status is kept in \/run\/cloud-init only/i);
    expect(JSON.parse(read(root, "var/lib/cloud/data/status.json")).v1["init-local"].errors).toEqual([]);
  });

  it("read-only /var/lib/cloud on a first boot: error, not 'not started' forever", () => {
    rmSync(join(root, "run"), { recursive: true, force: true });
    const codes = STAGES.map((args) => agentReadOnlyState(root, args).code);
    expect(codes.every((c) => c > 0)).toBe(true);
    const s = agent(root, ["status", "--long"]);
    expect([s.code, s.stdout.split("\n")[0]]).toEqual([1, "status: error"]);
    expect(s.stdout).toContain("\t- could not create /var/lib/cloud/scripts/per-instance: ");
    expect(s.stdout).toContain("\t- Can not apply stage modules-final, no datasource found!");
  });
});

describe.skipIf(!isRoot)("bookkeeping failures fail one module", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    writeSeed(root, {
      "meta-data": "instance-id: iid-sem\n",
      "user-data": "#cloud-config\nbootcmd: [echo boot >> /var/tmp/boot.log]\nwrite_files: [{path: /etc/wf.txt, content: hi}]\nruncmd: [echo run >> /var/tmp/run.log]\n",
    });
    rmSync(join(root, "run"), { recursive: true, force: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("a per-instance semaphore that cannot be written fails that module only (idempotent: it ran, and will run again); the rest of the stage runs", () => {
    expect(agent(root, ["init", "--local"]).code).toBe(0);
    const sem = join(root, "var/lib/cloud/instances/iid-sem/sem");
    rmSync(sem, { recursive: true, force: true });
    writeFileSync(sem, "not a directory\n");
    const init = agent(root, ["init"]);
    expect(init.code).toBeGreaterThan(0);
    expect(lines(root, "var/tmp/boot.log")).toEqual(["boot"]);
    // write_files is idempotent: its semaphore comes after the work, which is done
    expect(read(root, "etc/wf.txt")).toBe("hi");
    expect(init.stderr).toMatch(/ERROR: module write_files ran, but its run could not be recorded in \/var\/lib\/cloud\/instances\/iid-sem\/sem\/config_write_files: .*; it will run again/);
    // update_hostname (always), after the modules that failed, still ran
    expect(read(root, "var/log/cloud-init.log")).toMatch(/finish: init-network\/config-update_hostname: SUCCESS/);
    const s = statusJson(root);
    expect(s.status).toBe("error");
    expect(s.init.errors).toContainEqual(expect.stringMatching(/^module write_files ran, but its run could not be recorded/));
  });

  it("/var/lib/cloud/sem replaced by a file fails the stages that make it and the once-only modules, nothing else", () => {
    mkdirSync(join(root, "var/lib/cloud"), { recursive: true });
    writeFileSync(join(root, "var/lib/cloud/sem"), "");
    const codes = STAGES.map((args) => agent(root, args).code);
    expect(codes).toEqual([1, 1, 0, 1]);
    expect(lines(root, "var/tmp/run.log")).toEqual(["run"]);
    expect(read(root, "etc/wf.txt")).toBe("hi");
    const s = statusJson(root);
    expect(s.status).toBe("error");
    const dirError = expect.stringMatching(/^could not create \/var\/lib\/cloud\/sem: /);
    const onceError = expect.stringMatching(/^module scripts_per_once not run: could not record its run in \/var\/lib\/cloud\/sem\/config_scripts_per_once.once: /);
    expect(s.errors).toEqual([dirError, dirError, onceError]);
  });
});

describe.skipIf(!isRoot)("state files are checked on read", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    writeSeed(root, { "meta-data": "instance-id: iid-corrupt\n", "user-data": "#cloud-config\nruncmd: [echo run >> /var/tmp/run.log]\n" });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const BAD_STATUS: [string, string][] = [
    ["NUL bytes", "\0".repeat(4096)],
    ["null", "null"],
    ["a list", "[]"],
    ["v1 null", '{"v1": null}'],
    ["errors not a list", '{"v1": {"init": {"errors": "boom", "start": 1, "finished": 2}}}'],
    ["start a string", '{"v1": {"init": {"errors": [], "start": "x", "finished": null}}}'],
    ["a __proto__ level", '{"v1": {"init": {"errors": [], "start": 1, "finished": 2, "recoverable_errors": {"__proto__": ["x"]}}}}'],
    ["an unknown stage", '{"v1": {"stage": "bogus"}}'],
  ];
  for (const [what, text] of BAD_STATUS) {
    it(`status.json of ${what} is absent plus a warning, never a crash`, () => {
      writeFileSync(join(root, "var/lib/cloud/data/status.json"), text);
      for (const format of ["tabular", "json", "yaml"]) {
        const s = agent(root, ["status", "--long", "--format", format]);
        expect(s.stderr).toMatch(/^warning: ignoring \/run\/cloud-init\/status.json: /);
        expect(s.stderr).not.toMatch(/TypeError|at /);
        expect(s.code).toBe(0);
      }
      expect(agent(root, ["status"]).stdout).toBe("status: not started\n");
      // the next boot starts afresh and reaches done
      expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    });
  }

  it("result.json and .running-stage of the wrong shape are absent plus a warning", () => {
    writeFileSync(join(root, "var/lib/cloud/data/result.json"), '{"v1": {"errors": "x"}}');
    writeFileSync(join(root, "run/cloud-init/.running-stage"), "\0\0\0\0");
    const s = agent(root, ["status"]);
    expect(s.stdout).toBe("status: running\n");
    expect(s.stderr).toContain("warning: ignoring /run/cloud-init/result.json: v1.errors is not a list of strings");
    expect(s.stderr).toContain('warning: ignoring /run/cloud-init/.running-stage: not "<pid> <start time> <stage>"');
  });

  it("instance-id files of NUL bytes: the next boot warns and reaches done; per-instance work does not repeat", () => {
    writeFileSync(join(root, "var/lib/cloud/data/instance-id"), "\0".repeat(64));
    const codes = boot(root).map((r) => r.code);
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(read(root, "var/log/cloud-init.log")).toContain("ignoring /var/lib/cloud/data/instance-id: it holds control characters, not an instance-id");
    expect(lines(root, "var/tmp/run.log")).toEqual(["run"]);
    writeFileSync(join(root, "run/cloud-init/.instance-id"), "\0".repeat(64));
    const config = agent(root, ["modules", "--mode=config"]);
    expect(config.code).toBe(1);
    expect(config.stderr).toContain("ignoring /run/cloud-init/.instance-id: it holds control characters");
    expect(statusJson(root)["modules-config"].errors).toEqual(["Can not apply stage modules-config, no datasource found! Likely bad things to come!"]);
  });
});
