// cloud-init.log lines ("2026-01-01 10:00:00,123 - where[LEVEL]: message", UTC) plus the
// WARNING-and-above records a stage keeps for status.json's recoverable_errors.
import * as fs from "node:fs";
import type { Host } from "../host/host";
import { writeStderr, writeStdout } from "../host/stdio";

export type Level = "DEBUG" | "INFO" | "WARNING" | "DEPRECATED" | "ERROR";
export interface LogRecord {
  level: Level;
  message: string;
}

export const LOG_FILE = "/var/log/cloud-init.log";
export const OUTPUT_LOG_FILE = "/var/log/cloud-init-output.log";

/** Where a Logger's lines go; one per process, shared by the child loggers. */
export class LogSink {
  readonly records: LogRecord[] = [];
  private logFd: number | undefined;
  private outputFd: number | undefined;

  constructor(
    private readonly host: Host,
    private readonly options: { echo?: boolean; files?: boolean } = {},
  ) {}

  write(where: string, level: Level, message: string): void {
    if (level !== "DEBUG" && level !== "INFO") this.records.push({ level, message });
    const line = `${timestamp(new Date())} - ${where}[${level}]: ${message}\n`;
    this.logFd ??= this.open(LOG_FILE);
    if (this.logFd !== undefined) fs.writeSync(this.logFd, line);
    if (this.options.echo && level !== "DEBUG" && level !== "INFO") writeStderr(`${level}: ${message}\n`);
  }

  /** What users read in cloud-init-output.log (and the journal): banners, command output. */
  output(text: string | Buffer): void {
    this.outputFd ??= this.open(OUTPUT_LOG_FILE);
    if (this.outputFd !== undefined) fs.writeSync(this.outputFd, typeof text === "string" ? Buffer.from(text) : text);
    if (this.options.echo) writeStdout(text);
  }

  close(): void {
    for (const fd of [this.logFd, this.outputFd]) if (fd !== undefined) fs.closeSync(fd);
    this.logFd = this.outputFd = undefined;
  }

  private open(file: string): number | undefined {
    if (this.options.files === false) return undefined;
    try {
      this.host.mkdirp("/var/log");
      return fs.openSync(this.host.path(file), "a", 0o640);
    } catch {
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
