// Throwaway roots for integration tests (build/minimal-root.mjs) and the built agent run
// against them the way systemd runs it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
// @ts-expect-error plain JS shared with the demo script
import { makeMinimalRoot } from "../../build/minimal-root.mjs";

export const isRoot = process.getuid?.() === 0;

/** The built single executable, or CLOUD_AGENT_BIN ("node bundle.js") while developing. */
export function agentCommand(): string[] {
  if (process.env.CLOUD_AGENT_BIN) return process.env.CLOUD_AGENT_BIN.split(" ");
  const bin = resolve(__dirname, "../../build/out/cloud-agent");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  return [bin];
}

export function makeRoot(): string {
  return makeMinimalRoot(resolve(__dirname, "../../units/cloud.cfg"));
}

export function writeSeed(root: string, files: Record<string, string>, dir = "nocloud"): void {
  const seed = join(root, "var/lib/cloud/seed", dir);
  mkdirSync(seed, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(seed, name), text);
}

export interface AgentResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the agent the way systemd does: a clean environment, no stdin. */
export function agent(root: string, args: string[], argv0?: string): AgentResult {
  const [cmd, ...pre] = agentCommand();
  const r = spawnSync(cmd, [...pre, "--root", root, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, encoding: "utf8", argv0 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function agentAsync(root: string, args: string[]) {
  const [cmd, ...pre] = agentCommand();
  return spawn(cmd, [...pre, "--root", root, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
}

/** What a started agent (or any child with piped output) printed, and how it exited. */
export function finished(child: ChildProcess): Promise<AgentResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((r) => child.on("close", (code) => r({ code: code ?? -1, stdout, stderr })));
}

/** One boot: /run is a fresh tmpfs, then the four stages in systemd's order. */
export function boot(root: string): AgentResult[] {
  rmSync(join(root, "run"), { recursive: true, force: true });
  return [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]].map((args) => agent(root, args));
}

export function read(root: string, path: string): string {
  return readFileSync(join(root, path), "utf8");
}

export function lines(root: string, path: string): string[] {
  return existsSync(join(root, path)) ? read(root, path).split("\n").filter(Boolean) : [];
}

/** A boot whose stages run while this process keeps serving (e.g. a metadata stand-in). */
export async function bootAsync(root: string): Promise<AgentResult[]> {
  rmSync(join(root, "run"), { recursive: true, force: true });
  const results: AgentResult[] = [];
  for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]]) {
    const child = agentAsync(root, args);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
    results.push({ code, stdout, stderr });
  }
  return results;
}

export const SHIM = resolve(__dirname, "../../units/cloud-agent-stage.sh");
/** The four stage shims in systemd's order: the unit's stage name and its agent arguments. */
export const STAGES: [string, string[]][] = [
  ["local", ["init", "--local"]],
  ["network", ["init"]],
  ["config", ["modules", "--mode=config"]],
  ["final", ["modules", "--mode=final"]],
];
export const SHIM_ENV = (root: string) => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", CLOUD_AGENT_ROOT: root, CLOUD_AGENT: agentCommand().join(" ") });

/** One stage unit's shim (units/cloud-agent-stage.sh), as systemd starts it. */
export function shim(root: string, stage: string, args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync("sh", [SHIM, stage, ...args], { env: SHIM_ENV(root), encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}
