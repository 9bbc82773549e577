// Fault injection against the built agent in throwaway roots: kill -9 at seeded random points
// of every stage and of the boot process, a full and a read-only disk in a private mount
// namespace, corrupt state files, and stages run twice at once. Every trial is held to the
// invariants of ./invariants.ts after its faulty boot and after the clean boot that follows.
// FAULT_SEED replays a run's kill points and disk sizes; FAULT_TRIALS scales the random trials;
// FAULT_VERBOSE=1 prints every violation as it is found.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot } from "../integration/root";
import { makeWorkloadRoot, prng, runStage, STAGES, startBoot, startGroup, agentArgv, status, type StageKey } from "./harness";
import type { StageRecord, Violation } from "./invariants";
import {
  bootKillingBootProcess,
  bootKillingStage,
  bootRunningTwice,
  bootWithDisk,
  cleanBoot,
  filesNamingPid,
  instanceDir,
  replacePid,
  sleep,
  stageStartRecorded,
  summary,
  summaryByKind,
  timeStage,
  trial,
  type Trial,
} from "./trials";

const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = prng(seed);
const TRIALS = Number(process.env.FAULT_TRIALS ?? 6);
/** The lock makes these deterministic: every trial overlaps the two agents (see bootRunningTwice). */
const CONCURRENT_TRIALS = Math.max(1, Math.round(TRIALS / 2));

function trialTest(name: string, body: () => Promise<Violation[]>, timeout: number): void {
  it(
    name,
    async () => {
      const violations = await body();
      if (process.env.FAULT_VERBOSE) for (const v of violations) console.log(`[${name}] (${v.invariant}) boot ${v.boot}: ${v.message}`);
      expect(violations).toEqual([]);
    },
    timeout,
  );
}

/** Points spread over [0, span): one random point in each of `n` equal slices. */
function spread(n: number, span: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i + random()) / n) * span);
}

describe.skipIf(!isRoot)("fault injection", () => {
  /** How long each stage of the workload's first boot takes here (see timeStage), to kill within it. */
  const took = new Map<StageKey, number>();
  const held = new Map<StageKey, number>();

  beforeAll(async () => {
    // the quicker of two first boots: the first one here runs with cold caches
    for (let i = 0; i < 2; i++) {
      const { root } = makeWorkloadRoot("iid-calibrate");
      startBoot(root, 1);
      for (const { key } of STAGES) {
        const { ms, heldMs } = await timeStage(root, key);
        took.set(key, Math.min(ms, took.get(key) ?? ms));
        held.set(key, Math.min(heldMs, held.get(key) ?? heldMs));
      }
      rmSync(root, { recursive: true, force: true });
    }
    console.log(`fault suite: seed ${seed}, ${TRIALS} random trials per kind; stages take ${STAGES.map(({ key }) => `${key} ${took.get(key)!.toFixed(0)} ms (${held.get(key)!.toFixed(0)} holding the root)`).join(", ")}`);
  }, 60_000);

  afterAll(() => {
    console.log(summaryByKind());
    console.log(summary(seed));
  });

  describe("kill -9", () => {
    for (const { key } of STAGES) {
      trialTest(
        `kill ${key}`,
        async () => {
          const found: Violation[] = [];
          for (const [i, delay] of spread(TRIALS, held.get(key)!).entries()) {
            found.push(
              ...(await trial(`kill ${key}`, `iid-kill-${key}-${i}`, async (t) => {
                const boot = await bootKillingStage(t.root, 1, key, delay);
                if (boot.stages.some((s) => s.killed)) t.fault();
                t.record(boot);
              })),
            );
          }
          return found;
        },
        120_000,
      );
    }

    trialTest(
      "kill the boot process",
      async () => {
        const found: Violation[] = [];
        // a point in each stage in turn, up to a fifth past what the stage takes on its own:
        // the last points land between stages or early in the next one
        for (const [i, at] of spread(TRIALS, 1.2).entries()) {
          const { key } = STAGES[i % STAGES.length];
          found.push(
            ...(await trial("kill the boot process", `iid-kill-boot-${i}`, async (t) => {
              t.fault();
              t.record(await bootKillingBootProcess(t.root, 1, key, at * took.get(key)!));
            })),
          );
        }
        return found;
      },
      120_000,
    );
  });

  describe("full and read-only disks (private mount namespace)", () => {
    trialTest(
      "ENOSPC under /var/lib/cloud",
      async () => {
        const found: Violation[] = [];
        // from no room at all to about what the workload's first boot writes there
        for (const [i, freeKb] of spread(TRIALS, 1400).entries()) {
          found.push(
            ...(await trial("ENOSPC /var/lib/cloud", `iid-enospc-${i}`, async (t) => {
              t.fault();
              t.record(bootWithDisk(t.root, 1, "var/lib/cloud", { full: Math.round(freeKb) }));
            })),
          );
        }
        return found;
      },
      120_000,
    );

    trialTest(
      "ENOSPC in a write_files target",
      async () => {
        const found: Violation[] = [];
        for (const [i, freeKb] of spread(2, 100).entries()) {
          found.push(
            ...(await trial("ENOSPC write target", `iid-enospc-target-${i}`, async (t) => {
              t.fault();
              t.record(bootWithDisk(t.root, 1, "srv/fault", { full: Math.round(freeKb) }));
            })),
          );
        }
        return found;
      },
      60_000,
    );

    trialTest(
      "EROFS /var/lib/cloud on a first boot",
      () =>
        trial("EROFS first boot", "iid-erofs-first", async (t) => {
          t.fault();
          t.record(bootWithDisk(t.root, 1, "var/lib/cloud", "readonly"));
        }),
      60_000,
    );

    trialTest(
      "EROFS /var/lib/cloud on a reboot",
      () =>
        trial("EROFS reboot", "iid-erofs-reboot", async (t) => {
          t.record(await cleanBoot(t.root, 1));
          t.fault();
          t.record(bootWithDisk(t.root, 2, "var/lib/cloud", "readonly"));
        }),
      60_000,
    );

    trialTest(
      "EROFS in a write_files target",
      () =>
        trial("EROFS write target", "iid-erofs-target", async (t) => {
          t.fault();
          t.record(bootWithDisk(t.root, 1, "srv/fault", "readonly"));
        }),
      60_000,
    );
  });

  trialTest(
    "status on a fresh /run after a finished boot",
    () =>
      trial("fresh /run", "iid-fresh-run", async (t) => {
        t.record(await cleanBoot(t.root, 1));
        startBoot(t.root, 2);
        t.fault();
        // this boot's stages have not run: whatever the last boot did, this one is not done
        const before = status(t.root);
        if (before.status === "done") t.violations.push({ invariant: "a", boot: 2, message: "status says done on a fresh /run, before any stage of the boot ran" });
      }),
    30_000,
  );

  describe("corrupt state files", () => {
    const nulls = "\0".repeat(32);
    // lasting: what the agent must not repair by guessing. Semaphores lost with their directory
    // would run per-instance work again, so what needs them fails, named, every boot until
    // someone looks; the rest of each boot still runs.
    const ROWS: { name: string; lasting?: true; corrupt(t: Trial): void }[] = [
      { name: "instance-id of NUL bytes", corrupt: (t) => writeFileSync(join(t.root, "var/lib/cloud/data/instance-id"), nulls) },
      { name: "the instance's sem a file", lasting: true, corrupt: (t) => replaceWithFile(join(instanceDir(t.root, t.workload), "sem")) },
      { name: "/var/lib/cloud/sem a file", lasting: true, corrupt: (t) => replaceWithFile(join(t.root, "var/lib/cloud/sem")) },
      ...["[]", '{"v1": null}', '{"v1": {"stage": "init", "init": "x"}}', '{"v1": {"init-local": {"errors": 5, "recoverable_errors": []}}}'].map((json) => ({
        name: `status.json ${json}`,
        corrupt: (t: Trial) => writeFileSync(join(t.root, "var/lib/cloud/data/status.json"), json),
      })),
      ...["null", '{"v1": {"errors": "x"}}'].map((json) => ({
        name: `result.json ${json}`,
        corrupt: (t: Trial) => writeFileSync(join(t.root, "var/lib/cloud/data/result.json"), json),
      })),
      { name: "yaml-cache.json null", corrupt: (t) => writeFileSync(join(t.root, "var/lib/cloud/data/yaml-cache.json"), "null") },
      { name: "obj.json null", corrupt: (t) => writeFileSync(join(instanceDir(t.root, t.workload), "obj.json"), "null") },
    ];
    for (const row of ROWS) {
      trialTest(
        row.name,
        () =>
          trial(`corrupt ${row.name}`, `iid-corrupt-${ROWS.indexOf(row)}`, async (t) => {
            t.record(await cleanBoot(t.root, 1));
            row.corrupt(t);
            t.fault(row.lasting && "lasting");
            const report = status(t.root);
            if (report.status === "unreadable") t.violations.push({ invariant: "a", boot: 1, message: `status crashed (exit ${report.code}): ${report.stderr.split("\n")[0]}` });
          }),
        30_000,
      );
    }

    trialTest(
      "a running marker whose pid another process now has",
      () =>
        trial("reused pid", "iid-reused-pid", async (t) => {
          startBoot(t.root, 1);
          const stages: StageRecord[] = [];
          const local = await runStage(t.root, "init-local");
          stages.push({ key: "init-local", code: local.code, killed: false, interrupted: false });
          const init = startGroup(agentArgv(t.root, ["init"]));
          // killed once it recorded its start (its running marker is written just before)
          while (!stageStartRecorded(t.root, "init")) await sleep(2);
          const marked = filesNamingPid(t.root, init.pid!);
          init.kill();
          const killed = await init.result;
          const other = spawn("sleep", ["60"], { stdio: "ignore" });
          try {
            for (const file of marked) replacePid(file, init.pid!, other.pid!);
            t.fault();
            const now = status(t.root);
            if (now.status !== "error") t.violations.push({ invariant: "a", boot: 1, message: `status is "${now.status}" when the killed stage's pid belongs to another process` });
            const waited = status(t.root, ["--wait", "--timeout", "3"]);
            if (waited.code === 124) t.violations.push({ invariant: "a", boot: 1, message: "status --wait waits on another process that has the killed stage's pid" });
          } finally {
            other.kill("SIGKILL");
          }
          stages.push({ key: "init", code: killed.code, killed: killed.killed, interrupted: killed.killed });
          for (const key of ["modules-config", "modules-final"] as const) {
            const run = await runStage(t.root, key);
            stages.push({ key, code: run.code, killed: false, interrupted: false });
          }
          t.record({ number: 1, faulty: true, concurrent: false, stages });
        }),
      60_000,
    );
  });

  describe("stages at once", () => {
    for (const [name, key] of [
      ["two init stages at once", "init"],
      ["the final stage and a manual modules --mode final at once", "modules-final"],
    ] as const) {
      trialTest(
        name,
        async () => {
          const found: Violation[] = [];
          // the first is stopped at a point in the first half of what its stage takes, with the root held
          for (const [i, stopAfter] of spread(CONCURRENT_TRIALS, held.get(key)! / 2).entries()) {
            found.push(
              ...(await trial(name, `iid-twice-${key}-${i}`, async (t) => {
                t.fault();
                const { boot, overlap } = await bootRunningTwice(t.root, 1, key, stopAfter);
                if (overlap) t.violations.push({ invariant: "b", boot: 1, message: overlap });
                t.record(boot);
              })),
            );
          }
          return found;
        },
        120_000,
      );
    }
  });
});

/** A state directory that became a plain file (a bad restore, a stray `cp`). */
function replaceWithFile(path: string): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "not a directory\n");
}
