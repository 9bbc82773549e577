// Runs external commands with argv arrays, optional stdin and a timeout; inside a
// root other than "/" the command runs through chroot so it sees the guest's files.
import { spawn } from "node:child_process";

export interface RunOptions {
  /** Written to the command's stdin (how secrets reach tools: never argv or env). */
  input?: string | Buffer;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Called with output as it arrives (e.g. to tee into cloud-init-output.log). */
  onOutput?: (chunk: Buffer) => void;
  /** Ends the command with SIGTERM when aborted (a DHCP client, once it holds a lease). */
  signal?: AbortSignal;
}

export interface RunResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function runCommand(root: string, argv: string[], options: RunOptions = {}): Promise<RunResult> {
  if (argv.length === 0) throw new Error("empty command");
  const full = root === "/" ? argv : ["chroot", root, ...argv];
  const env = { PATH: DEFAULT_PATH, LANG: "C.UTF-8", ...options.env };
  return new Promise((resolve) => {
    const child = spawn(full[0], full.slice(1), {
      env,
      cwd: root === "/" ? options.cwd ?? "/" : root,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout.push(chunk);
      options.onOutput?.(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr.push(chunk);
      options.onOutput?.(chunk);
    });
    const stop = () => child.kill("SIGTERM");
    options.signal?.addEventListener("abort", stop, { once: true });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
    const finish = (code: number, signal: NodeJS.Signals | null) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", stop);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        timedOut,
      });
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      stderr.push(Buffer.from(`${argv[0]}: ${err.message}\n`));
      finish(err.code === "ENOENT" ? 127 : 126, null);
    });
    child.on("close", (code, signal) => finish(code ?? 128, signal));
  });
}

/** Starts argv in its own session and does not wait: it outlives this process. */
export function startDetached(root: string, argv: string[]): void {
  const full = root === "/" ? argv : ["chroot", root, ...argv];
  const child = spawn(full[0], full.slice(1), { env: { PATH: DEFAULT_PATH, LANG: "C.UTF-8" }, cwd: "/", detached: true, stdio: "ignore" });
  child.on("error", () => undefined);
  child.unref();
}
