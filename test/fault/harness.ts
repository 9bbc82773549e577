// The fault suite's machinery: a throwaway root with a workload whose every effect leaves
// countable evidence, the four stages run (and killed) the way systemd runs them, a seeded
// PRNG for the random points, and a private mount namespace for full and read-only disks.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { agentCommand, makeRoot, writeSeed } from "../integration/root";

export const STAGES = [
  { key: "init-local", args: ["init", "--local"] },
  { key: "init", args: ["init"] },
  { key: "modules-config", args: ["modules", "--mode=config"] },
  { key: "modules-final", args: ["modules", "--mode=final"] },
] as const;
export type StageKey = (typeof STAGES)[number]["key"];

export const SHIM = resolve(__dirname, "../../units/cloud-agent-stage.sh");
const BOOT_STAGE_NAMES: Record<StageKey, string> = { "init-local": "local", init: "network", "modules-config": "config", "modules-final": "final" };

/** Every line the workload appends to TOKEN_LOG: what runs once per instance, per boot, or ever. */
export const TOKEN_LOG = "var/tmp/fault-tokens.log";
/** The harness writes the boot's number here; per-boot work logs it with its token. */
const BOOT_NUMBER = "var/tmp/fault-boot-nr";
export const PER_INSTANCE_TOKENS = ["runcmd begin", "runcmd end", "part begin", "part end"];
export const PER_BOOT_TOKENS = ["bootcmd", "perboot"];
export const PER_EVER_TOKENS = ["peronce"];
/** Scripts whose first line logs "<name> begin" and last line "<name> end": a begin alone ran cut. */
export const BRACKETED = ["runcmd", "part"];

/** write_files targets and their whole expected content (append.log: one line per run). */
export const FILES_DIR = "srv/fault";
const APPEND_LINE = "appended once per instance\n";

export interface Workload {
  instanceId: string;
  /** path under the root -> content it must have whenever it exists */
  files: Record<string, string>;
  /** appended once per instance: by write_files (init) and deferred write_files (final) */
  appendFiles: string[];
  appendLine: string;
}

/** Lines of a shell script that do nothing, to make its write (and its run) take room and time. */
function padding(lines: number, tag: string): string[] {
  return Array.from({ length: lines }, (_, i) => `: ${tag} padding line ${i} ${"-".repeat(24)}`);
}

/**
 * Seeds `root` with user-data touching every stage: bootcmd and write_files (init),
 * runcmd's script (config), deferred files, per-boot/once scripts, a user script part and
 * runcmd (final). `scale` sizes the scripts and the big file (ENOSPC trials want them big).
 */
export function seedWorkload(root: string, instanceId: string, scale = 1): Workload {
  const log = `/${TOKEN_LOG}`;
  const big = Array.from({ length: 2000 * scale }, (_, i) => `big file line ${i} of instance ${instanceId}\n`).join("");
  const small = `small file of ${instanceId}\n`;
  const deferred = `deferred file of ${instanceId}\n`;
  const runcmd = [`echo runcmd begin >> ${log}`, ...padding(1500 * scale, "runcmd"), `echo runcmd end >> ${log}`];
  const part = ["#!/bin/sh", `echo part begin >> ${log}`, ...padding(1500 * scale, "part"), `echo part end >> ${log}`].join("\n");
  const config = [
    "#cloud-config",
    `bootcmd: ${JSON.stringify([`echo bootcmd $(cat /${BOOT_NUMBER}) >> ${log}`])}`,
    `runcmd: ${JSON.stringify(runcmd)}`,
    "write_files:",
    `  - {path: /${FILES_DIR}/small.txt, content: ${JSON.stringify(small)}}`,
    `  - {path: /${FILES_DIR}/big.txt, content: ${JSON.stringify(big)}}`,
    `  - {path: /${FILES_DIR}/append.log, content: ${JSON.stringify(APPEND_LINE)}, append: true}`,
    `  - {path: /${FILES_DIR}/deferred-append.log, content: ${JSON.stringify(APPEND_LINE)}, append: true, defer: true}`,
    `  - {path: /${FILES_DIR}/deferred.txt, content: ${JSON.stringify(deferred)}, defer: true}`,
  ].join("\n");
  const userData = [
    'Content-Type: multipart/mixed; boundary="FAULT"',
    "MIME-Version: 1.0",
    "",
    "--FAULT",
    "Content-Type: text/cloud-config",
    "",
    config,
    "--FAULT",
    "Content-Type: text/x-shellscript",
    'Content-Disposition: attachment; filename="fault-part.sh"',
    "",
    part,
    "--FAULT--",
    "",
  ].join("\n");
  writeSeed(root, { "meta-data": `instance-id: ${instanceId}\n`, "user-data": userData });
  for (const [dir, token] of [["per-boot", `perboot $(cat /${BOOT_NUMBER})`], ["per-once", "peronce"]]) {
    const script = join(root, "var/lib/cloud/scripts", dir, "fault.sh");
    mkdirSync(join(script, ".."), { recursive: true });
    writeFileSync(script, `#!/bin/sh\necho ${token} >> ${log}\n`);
    chmodSync(script, 0o755);
  }
  return {
    instanceId,
    files: { [`${FILES_DIR}/small.txt`]: small, [`${FILES_DIR}/big.txt`]: big, [`${FILES_DIR}/deferred.txt`]: deferred },
    appendFiles: [`${FILES_DIR}/append.log`, `${FILES_DIR}/deferred-append.log`],
    appendLine: APPEND_LINE,
  };
}

export function makeWorkloadRoot(instanceId: string, scale = 1): { root: string; workload: Workload } {
  const root = makeRoot();
  return { root, workload: seedWorkload(root, instanceId, scale) };
}

/** A new boot: /run is a fresh tmpfs, and per-boot work will log this number. */
export function startBoot(root: string, boot: number): void {
  rmSync(join(root, "run"), { recursive: true, force: true });
  mkdirSync(join(root, "run"));
  writeFileSync(join(root, BOOT_NUMBER), `${boot}\n`);
}

export interface Run {
  code: number | null;
  /** the process (group) was killed by the harness while it still ran */
  killed: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

export interface Group {
  pid: number | undefined;
  /** SIGKILL to the whole group, as systemd kills a unit's cgroup; a no-op once it exited */
  kill(): void;
  /** what it wrote to stderr so far */
  stderr(): string;
  result: Promise<Run>;
}

/** Starts a command in a process group of its own, as a unit in its cgroup. */
export function startGroup(argv: string[], env: Record<string, string> = ENV): Group {
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  let exited = false;
  let killed = false;
  child.on("exit", () => (exited = true));
  const result = new Promise<Run>((done) =>
    child.on("close", (code) => {
      // a script the agent started may outlive it in the group: the unit's cgroup would not
      if (killed) killGroup(child.pid);
      done({ code, killed, ms: performance.now() - started, stdout, stderr });
    }),
  );
  return {
    pid: child.pid,
    kill() {
      if (exited) return;
      killed = true;
      killGroup(child.pid);
    },
    stderr: () => stderr,
    result,
  };
}

/** Runs a command in a group of its own; `killAfterMs` kills the group then if it still runs. */
export async function runGroup(argv: string[], options: { killAfterMs?: number; env?: Record<string, string> } = {}): Promise<Run> {
  const group = startGroup(argv, options.env);
  const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => group.kill(), options.killAfterMs);
  const run = await group.result;
  clearTimeout(timer);
  return run;
}

export function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, "SIGKILL");
  } catch {
    // the group is already gone
  }
}

export function agentArgv(root: string, args: readonly string[]): string[] {
  return [...agentCommand(), "--root", root, ...args];
}

export function runStage(root: string, key: StageKey, killAfterMs?: number): Promise<Run> {
  const stage = STAGES.find((s) => s.key === key)!;
  return runGroup(agentArgv(root, stage.args), { killAfterMs });
}

/** The stage's unit as systemd starts it: the shim, handing over to `boot` or running alone. */
export function runShim(root: string, key: StageKey): Promise<Run> {
  const stage = STAGES.find((s) => s.key === key)!;
  return runGroup(["sh", SHIM, BOOT_STAGE_NAMES[key], ...stage.args], {
    env: { ...ENV, CLOUD_AGENT_ROOT: root, CLOUD_AGENT: agentCommand().join(" ") },
  });
}

export interface StatusReport {
  /** `status` field of `status --format json`, or "unreadable" when it crashed or printed no JSON */
  status: string;
  code: number | null;
  json?: Record<string, unknown>;
  stderr: string;
}

export function status(root: string, extra: string[] = []): StatusReport {
  const [cmd, ...args] = agentArgv(root, ["status", "--format", "json", ...extra]);
  const r = spawnSync(cmd, args, { env: ENV, encoding: "utf8", timeout: 20_000 });
  try {
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    return { status: String(json.status), code: r.status, json, stderr: r.stderr };
  } catch {
    return { status: "unreadable", code: r.status, stderr: r.stderr };
  }
}

/** Whether `status` shows the stage began in this boot (its start recorded). */
export function stageStarted(report: StatusReport, key: StageKey): boolean {
  const stage = report.json?.[key] as { start?: unknown } | undefined;
  return stage?.start !== null && stage?.start !== undefined;
}

export function stageFinished(report: StatusReport, key: StageKey): boolean {
  const stage = report.json?.[key] as { finished?: unknown } | undefined;
  return stage?.finished !== null && stage?.finished !== undefined;
}

/** mulberry32: small, seedable, good enough to spread kill points. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `script` (sh) in a private mount namespace with ROOT set: whatever it mounts
 * vanishes with it, so no fault outlives the trial.
 */
export function inMountNamespace(root: string, script: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-euc", script], {
    env: { ...ENV, ROOT: root, AGENT: agentCommand().join(" "), ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
