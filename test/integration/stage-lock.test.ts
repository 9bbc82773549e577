// One agent at a time per root (src/state/lock.ts): real concurrent agents on one root never
// run per-instance work twice, a waiting agent says whom it waits for and gives up after
// its bound, and a killed holder frees the lock at once.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Host } from "../../src/host/host";
import { KeptLock, LOCK_FILE, lockRoot } from "../../src/state/lock";
import { processStartTime } from "../../src/state/process";
import { agent, agentAsync, agentCommand, finished, isRoot, lines, makeRoot, writeSeed } from "./root";

const SHIM = resolve(__dirname, "../../units/cloud-agent-stage.sh");
const USER_DATA = "#cloud-config\nwrite_files: [{path: /var/tmp/wf.log, content: \"once\\n\", append: true}]\nruncmd: ['echo run >> /var/tmp/run.log']\n";

function shim(root: string, stage: string, args: string[]) {
  return spawn("sh", [SHIM, stage, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CLOUD_AGENT_ROOT: root, CLOUD_AGENT: agentCommand().join(" ") } });
}

describe.skipIf(!isRoot)("one agent at a time per root", () => {
  const roots: string[] = [];
  const newRoot = (iid: string) => {
    const root = makeRoot();
    roots.push(root);
    writeSeed(root, { "meta-data": `instance-id: ${iid}\n`, "user-data": USER_DATA });
    return root;
  };
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it("two inits, then two finals at once: per-instance work runs once (several trials)", async () => {
    for (let trial = 0; trial < 4; trial++) {
      const root = newRoot(`iid-twice-${trial}`);
      expect(agent(root, ["init", "--local"]).code).toBe(0);
      const inits = await Promise.all([finished(agentAsync(root, ["init"])), finished(agentAsync(root, ["init"]))]);
      expect(inits.map((r) => r.code)).toEqual([0, 0]);
      expect(agent(root, ["modules", "--mode=config"]).code).toBe(0);
      const finals = await Promise.all([finished(agentAsync(root, ["modules", "--mode=final"])), finished(agentAsync(root, ["modules", "--mode=final"]))]);
      expect(finals.map((r) => r.code)).toEqual([0, 0]);
      expect([trial, lines(root, "var/tmp/wf.log"), lines(root, "var/tmp/run.log")]).toEqual([trial, ["once"], ["run"]]);
      expect(agent(root, ["status"]).stdout).toBe("status: done\n");
    }
  }, 120_000);

  it("the boot process under its shims and a manual `modules --mode final`: runcmd runs once (several trials)", async () => {
    for (let trial = 0; trial < 3; trial++) {
      const root = newRoot(`iid-shim-${trial}`);
      const main = finished(agentAsync(root, ["boot"]));
      for (const [stage, args] of [["local", ["init", "--local"]], ["network", ["init"]], ["config", ["modules", "--mode=config"]]] as const) {
        expect((await finished(shim(root, stage, [...args]))).code).toBe(0);
      }
      const [unit, manual] = await Promise.all([finished(shim(root, "final", ["modules", "--mode=final"])), finished(agentAsync(root, ["modules", "--mode=final"]))]);
      expect([unit.code, manual.code, (await main).code]).toEqual([0, 0, 0]);
      expect([trial, lines(root, "var/tmp/wf.log"), lines(root, "var/tmp/run.log")]).toEqual([trial, ["once"], ["run"]]);
    }
  }, 120_000);

  it("`single` waits for a running stage, then finds the module already ran", async () => {
    const root = newRoot("iid-single");
    writeSeed(root, { "meta-data": "instance-id: iid-single\n", "user-data": "#cloud-config\nruncmd: ['echo run >> /var/tmp/run.log', 'sleep 2']\n" });
    for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"]]) expect(agent(root, args).code).toBe(0);
    const final = finished(agentAsync(root, ["modules", "--mode=final"]));
    await new Promise((r) => setTimeout(r, 700));
    const single = await finished(agentAsync(root, ["single", "--name", "scripts_user"]));
    expect(single.code).toBe(0);
    expect(single.stderr).toMatch(/WARNING: waiting for cloud-agent pid \d+ \(stage modules-final\) to finish with this root \(\/run\/cloud-init\/cloud-agent.lock\)/);
    expect((await final).code).toBe(0);
    expect(lines(root, "var/tmp/run.log")).toEqual(["run"]);
  }, 30_000);

  it("the boot process's kept lock: taken ahead, held between stages, let go once no stage came for its time", async () => {
    const root = newRoot("iid-kept");
    const host = new Host({ root });
    const file = host.path(LOCK_FILE);
    const othersCanTake = () => spawnSync("flock", ["--nonblock", file, "true"]).status === 0;
    const warnings: string[] = [];
    const kept = new KeptLock(host, 1500, (m) => warnings.push(m));
    kept.takeAhead();
    const first = await kept.take({ holder: "stage init-local", onWait: (m) => warnings.push(m) });
    expect(readFileSync(file, "utf8")).toMatch(/^\d+ \d+ stage init-local\n$/);
    expect(othersCanTake()).toBe(false);
    await first.release();
    // between stages: still held, and the file says so
    expect(othersCanTake()).toBe(false);
    expect(readFileSync(file, "utf8")).toMatch(/ boot process, between stages\n$/);
    const second = await kept.take({ holder: "stage init", onWait: (m) => warnings.push(m) });
    expect(readFileSync(file, "utf8")).toMatch(/ stage init\n$/);
    await second.release();
    // no stage comes: another agent gets the lock once the kept time is over
    const waited = Date.now();
    const other = await lockRoot(new Host({ root }), { holder: "single", waitSeconds: 10, onWait: (m) => warnings.push(m) });
    expect(Date.now() - waited).toBeGreaterThanOrEqual(1000);
    expect(othersCanTake()).toBe(false);
    // and the next stage waits for that agent in turn
    const third = kept.take({ holder: "stage modules-config", onWait: (m) => warnings.push(m) });
    await other.release();
    await (await third).release();
    expect(warnings).toEqual([]);
  }, 30_000);

  it("a kept lock whose holder died between stages is taken afresh, after an agent that took it meanwhile", async () => {
    const root = newRoot("iid-kept-dead");
    const host = new Host({ root });
    const file = host.path(LOCK_FILE);
    const kept = new KeptLock(host, 60_000, () => undefined);
    await (await kept.take({ holder: "stage init-local", onWait: () => undefined })).release();
    // the holder shell of this process dies: the kernel frees the lock and another agent takes it
    const holder = spawnSync("pgrep", ["-P", String(process.pid), "-f", file.replace(/[.]/g, "\\.")], { encoding: "utf8" }).stdout.trim();
    expect(holder).toMatch(/^\d+$/);
    process.kill(Number(holder), "SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    const other = spawn("flock", ["--no-fork", file, "sleep", "3"], { stdio: "ignore" });
    const otherDone = new Promise((r) => other.on("exit", r));
    for (let i = 0; i < 100 && spawnSync("flock", ["--nonblock", file, "true"]).status === 0; i++) await new Promise((r) => setTimeout(r, 20));
    let taken = false;
    const next = kept.take({ holder: "stage init", onWait: () => undefined }).then((l) => ((taken = true), l));
    await new Promise((r) => setTimeout(r, 1000));
    expect(taken).toBe(false);
    await otherDone;
    const lock = await next;
    expect(lock.stillHeld()).toBe(true);
    expect(spawnSync("flock", ["--nonblock", file, "true"]).status).toBe(1);
    await lock.release();
  }, 30_000);

  it("waiting is bounded and names the holder; a holder killed with SIGKILL frees the lock at once", async () => {
    const root = newRoot("iid-bound");
    const host = new Host({ root });
    const file = host.path(LOCK_FILE);
    host.mkdirp("/run/cloud-init");
    const holder = spawn("flock", ["--no-fork", file, "sleep", "60"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    // the file names a process that is gone (or this one): a slow flock, not another agent, so no warning
    writeFileSync(file, "4242 1 stage init\n");
    const waits: string[] = [];
    let started = Date.now();
    await expect(lockRoot(host, { holder: "test", waitSeconds: 1.5, onWait: (m) => waits.push(m) })).rejects.toThrow(
      "gave up after 1.5 s waiting for cloud-agent pid 4242 (stage init) to finish with this root (/run/cloud-init/cloud-agent.lock)",
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(waits).toEqual([]);
    // a running holder is named once
    writeFileSync(file, `${holder.pid} ${processStartTime(holder.pid!)} stage init\n`);
    started = Date.now();
    await expect(lockRoot(host, { holder: "test", waitSeconds: 1.5, onWait: (m) => waits.push(m) })).rejects.toThrow(/^gave up after 1.5 s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(waits).toEqual([`waiting for cloud-agent pid ${holder.pid} (stage init) to finish with this root (/run/cloud-init/cloud-agent.lock)`]);
    holder.kill("SIGKILL");
    await new Promise((r) => holder.on("exit", r));
    const lock = await lockRoot(host, { holder: "test", waitSeconds: 5, onWait: (m) => waits.push(m) });
    // held now: another taker must wait
    expect(spawnSync("flock", ["--nonblock", file, "true"]).status).toBe(1);
    await lock.release();
    expect(spawnSync("flock", ["--nonblock", file, "true"]).status).toBe(0);
    expect(waits).toHaveLength(1);
  }, 30_000);
});
