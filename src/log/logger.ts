// cloud-init.log lines ("2026-01-01 10:00:00,123 - where[LEVEL]: message", UTC) plus the
// WARNING-and-above records a stage keeps for status.json's recoverable_errors.
import * as fs from "node:fs";
import { groupId } from "../host/accounts";
import type { Host } from "../host/host";
import { writeStderr, writeStdout } from "../host/stdio";

export type Level = "DEBUG" | "INFO" | "WARNING" | "DEPRECATED" | "ERROR";
export interface LogRecord {
  level: Level;
  message: string;
}

export const LOG_FILE = "/var/log/cloud-init.log";
export const OUTPUT_LOG_FILE = "/var/log/cloud-init-output.log";

/** Where a Logger's lines go; one per stage (its records are the stage's), shared by the child loggers. */
export class LogSink {
  readonly records: LogRecord[] = [];
  private readonly files: LogFiles | undefined;

  /** `files`: the log files to append to (a process's stages share them), or false for none. */
  constructor(
    host: Host,
    private readonly options: { echo?: boolean; files?: LogFiles | false } = {},
  ) {
    this.files = options.files === false ? undefined : (options.files ?? new LogFiles(host));
  }

  write(where: string, level: Level, message: string): void {
    if (level !== "DEBUG" && level !== "INFO") this.records.push({ level, message });
    this.files?.append(LOG_FILE, `${timestamp(new Date())} - ${where}[${level}]: ${message}\n`);
    if (this.options.echo && level !== "DEBUG" && level !== "INFO") writeStderr(`${level}: ${message}\n`);
  }

  /** What users read in cloud-init-output.log (and the journal): banners, command output. */
  output(text: string | Buffer): void {
    this.files?.append(OUTPUT_LOG_FILE, text);
    if (this.options.echo) writeStdout(text);
  }
}

/**
 * The log files, each opened on its first line and kept open: the boot process's stages
 * share one set (opening and fixing a log's owner cost each stage a millisecond or two).
 */
export class LogFiles {
  private readonly fds = new Map<string, number | undefined>();

  constructor(private readonly host: Host) {}

  append(file: string, data: string | Uint8Array): void {
    if (!this.fds.has(file)) this.fds.set(file, this.open(file));
    const fd = this.fds.get(file);
    if (fd !== undefined) fs.writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
  }

  close(): void {
    for (const fd of this.fds.values()) if (fd !== undefined) fs.closeSync(fd);
    this.fds.clear();
  }

  /**
   * Opens a log for appending, 0640 root:adm (as cloud-init's syslog_fix_perms leaves them)
   * whether or not it existed: the file descriptor is changed, not the path. A symlink, a
   * FIFO or a hard-linked file in its place is refused, and that log is then not written.
   */
  private open(file: string): number | undefined {
    let fd: number | undefined;
    try {
      this.host.mkdirp("/var/log");
      const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = fs.constants;
      fd = fs.openSync(this.host.path(file), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0o640);
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.nlink !== 1) throw Object.assign(new Error("not a plain file"), { code: "ELOOP" });
      if (process.getuid?.() === 0) fs.fchownSync(fd, 0, groupId(this.host, "adm") ?? 0);
      fs.fchmodSync(fd, 0o640);
      return fd;
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      if ((err as NodeJS.ErrnoException).code === "ELOOP") writeStderr(`cloud-agent: ${file} is a symlink or not a plain file; refusing to write to it\n`);
      return undefined;
    }
  }
}

export class Logger {
  constructor(
    readonly sink: LogSink,
    private readonly where: string,
  ) {}

  child(where: string): Logger {
    return new Logger(this.sink, where);
  }

  debug(message: string): void {
    this.sink.write(this.where, "DEBUG", message);
  }
  info(message: string): void {
    this.sink.write(this.where, "INFO", message);
  }
  warn(message: string): void {
    this.sink.write(this.where, "WARNING", message);
  }
  deprecated(message: string): void {
    this.sink.write(this.where, "DEPRECATED", message);
  }
  error(message: string): void {
    this.sink.write(this.where, "ERROR", message);
  }
}

function timestamp(d: Date): string {
  return d.toISOString().replace("T", " ").replace(/\.(\d{3})Z$/, ",$1");
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
