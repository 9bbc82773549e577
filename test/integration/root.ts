// Throwaway roots for integration tests: a few real binaries (dash as /bin/sh, cat, sleep,
// false) with their libraries, enough for the agent to chroot into and run user commands.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const TOOLS: Record<string, string> = { "/bin/sh": "/bin/dash", "/bin/cat": "/bin/cat", "/bin/sleep": "/bin/sleep", "/bin/false": "/bin/false", "/bin/true": "/bin/true", "/bin/id": "/usr/bin/id" };

export const isRoot = process.getuid?.() === 0;

/** The built single executable, or CLOUD_AGENT_BIN ("node bundle.js") while developing. */
export function agentCommand(): string[] {
  if (process.env.CLOUD_AGENT_BIN) return process.env.CLOUD_AGENT_BIN.split(" ");
  const bin = resolve(__dirname, "../../build/out/cloud-agent");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  return [bin];
}

export function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "cloud-agent-root-"));
  for (const [inside, outside] of Object.entries(TOOLS)) copyWithLibraries(root, outside, inside);
  mkdirSync(join(root, "etc/cloud/cloud.cfg.d"), { recursive: true });
  for (const dir of ["proc", "var/tmp", "tmp"]) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\ndaemon:x:1:\nadm:x:4:\n");
  writeFileSync(join(root, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  writeFileSync(join(root, "proc/cmdline"), "ro quiet\n");
  copyFileSync(resolve(__dirname, "../../units/cloud.cfg"), join(root, "etc/cloud/cloud.cfg"));
  return root;
}

function copyWithLibraries(root: string, outside: string, inside: string): void {
  copyInto(root, outside, inside);
  const ldd = execFileSync("ldd", [outside], { encoding: "utf8" });
  for (const m of ldd.matchAll(/(\/[^\s]+) \(0x/g)) copyInto(root, m[1], m[1]);
}

function copyInto(root: string, from: string, to: string): void {
  const target = join(root, to);
  mkdirSync(dirname(target), { recursive: true });
  if (!existsSync(target)) copyFileSync(from, target);
  spawnSync("chmod", ["0755", target]);
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
