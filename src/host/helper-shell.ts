// One long-lived shell per process and lock file, for what Node cannot do itself: hold a
// flock(2) (it keeps the lock file open on descriptor 9 and runs flock(1) on it) and run
// small programs of the agent's own (mkfifo, systemd-notify) for the boot process. Each
// program Node starts forks the whole 60 MB process, 3-8 ms of its main thread on a loaded
// VM; the shell forks in a fraction of that. It reads commands from a pipe from this process
// and ends when the kernel closes that pipe because this process died, however it died,
// which frees the lock. Arguments are passed a line each and never parsed by the shell.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Socket } from "node:net";

const SCRIPT = [
  "file=$1",
  "while read -r cmd arg; do",
  "  case $cmd in",
  '  lock) exec 9<>"$file" && flock --exclusive --wait "$arg" 9 && echo locked || { exec 9>&-; echo failed; } ;;',
  "  unlock) exec 9>&- && echo unlocked ;;",
  "  run)",
  "    set --",
  // a pipe closed halfway through a command (this process died) runs nothing
  '    while [ $# -lt "$arg" ]; do IFS= read -r word || exit 1; set -- "$@" "$word"; done',
  '    "$@" 9>&- </dev/null >/dev/null',
  '    echo "ran $?" ;;',
  "  esac",
  "done",
].join("\n");

/**
 * The shell for one lock file. It does not keep this process alive: its handles are
 * referenced only while a command waits for its answer.
 */
export class HelperShell {
  private child: ChildProcessWithoutNullStreams | undefined;
  private pending: ((line: string | Error) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private buffered = "";

  constructor(private readonly lockFile: string) {}

  /** Takes the lock, waiting at most `waitSeconds`; false when it was not taken in time. */
  async lock(waitSeconds: number): Promise<boolean> {
    return (await this.ask([`lock ${waitSeconds}`])) === "locked";
  }

  async unlock(): Promise<void> {
    await this.ask(["unlock"]);
  }

  /** For a lock just taken: whether the shell holding it still runs (its death frees it). */
  holding(): () => boolean {
    const child = this.child;
    return () => child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /**
   * Runs argv (found on PATH, with this process's environment, no stdin or stdout, stderr
   * to the shell's) and returns its exit status.
   */
  async run(argv: string[]): Promise<number> {
    if (argv.length === 0 || argv.some((a) => a.includes("\n"))) throw new Error(`not a command the helper shell can run: ${JSON.stringify(argv)}`);
    const answer = await this.ask([`run ${argv.length}`, ...argv]);
    const match = /^ran (\d+)$/.exec(answer);
    if (!match) throw new Error(`the helper shell answered "${answer}" to ${argv[0]}`);
    return Number(match[1]);
  }

  /** One command at a time: each answer is the next line the shell writes. */
  private ask(lines: string[]): Promise<string> {
    const asked = this.queue.then(() => this.send(lines));
    this.queue = asked.catch(() => undefined);
    return asked;
  }

  private send(lines: string[]): Promise<string> {
    const child = this.child ?? this.start();
    return new Promise((resolve, reject) => {
      this.pending = (answer) => {
        this.pending = undefined;
        pipe(child.stdout).unref();
        if (answer instanceof Error) reject(answer);
        else resolve(answer);
      };
      pipe(child.stdout).ref();
      child.stdin.write(`${lines.join("\n")}\n`);
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn("sh", ["-c", SCRIPT, "-", this.lockFile], { stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffered += chunk.toString();
      for (let nl = this.buffered.indexOf("\n"); nl >= 0; nl = this.buffered.indexOf("\n")) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.pending?.(line);
      }
    });
    const gone = (why: string) => {
      if (this.child === child) this.child = undefined;
      this.pending?.(new Error(why));
    };
    child.once("error", (err) => gone(`sh: ${err.message}`));
    child.once("exit", (code) => gone(`the helper shell exited with ${code}: ${stderr.trim() || "no message"}`));
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) pipe(stream).unref();
    return child;
  }
}

/** A child's stdio stream is a socket over a pipe, which can be (un)referenced. */
const pipe = (stream: NodeJS.ReadableStream | NodeJS.WritableStream) => stream as unknown as Socket;
