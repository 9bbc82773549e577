// status.json / result.json as cloud-init writes them, and what `status` makes of them.
// Pure: reading and writing the files lives in status-store.ts.
import type { LogRecord } from "../log/logger";

export const STAGES = ["init-local", "init", "modules-config", "modules-final"] as const;
export type StageKey = (typeof STAGES)[number];

export interface StageStatus {
  errors: string[];
  finished: number | null;
  recoverable_errors: Record<string, string[]>;
  start: number | null;
}

export interface StatusFile {
  v1: { datasource: string | null; stage: StageKey | null } & Record<StageKey, StageStatus>;
}

export interface ResultFile {
  v1: { datasource: string | null; errors: string[] };
}

export function emptyStatus(): StatusFile {
  const stage = (): StageStatus => ({ errors: [], finished: null, recoverable_errors: {}, start: null });
  return {
    v1: {
      datasource: null,
      stage: null,
      "init-local": stage(),
      init: stage(),
      "modules-config": stage(),
      "modules-final": stage(),
    },
  };
}

/**
 * status.json as read back, checked for shape (a file that parses but is not a status file
 * is as good as none); returns the file or why it is not one.
 */
export function checkStatusFile(value: unknown): StatusFile | string {
  if (!isObject(value) || !isObject(value.v1)) return "it has no v1 object";
  const v1 = value.v1;
  if (!isNullOr(v1.datasource, "string")) return "v1.datasource is not a string";
  if (v1.stage !== null && v1.stage !== undefined && !(STAGES as readonly unknown[]).includes(v1.stage)) return "v1.stage is not a stage name";
  const checked = emptyStatus();
  checked.v1.datasource = (v1.datasource as string | null | undefined) ?? null;
  checked.v1.stage = (v1.stage as StageKey | null | undefined) ?? null;
  for (const key of STAGES) {
    const stage = v1[key];
    if (stage === undefined) continue;
    if (!isObject(stage)) return `v1.${key} is not an object`;
    if (!isStringList(stage.errors)) return `v1.${key}.errors is not a list of strings`;
    if (!isNullOr(stage.start, "number") || !isNullOr(stage.finished, "number")) return `v1.${key}.start or .finished is not a number`;
    const recoverable = stage.recoverable_errors ?? {};
    const byLevel = isObject(recoverable) && Object.entries(recoverable).every(([level, msgs]) => /^[A-Z]{1,20}$/.test(level) && isStringList(msgs));
    if (!byLevel) return `v1.${key}.recoverable_errors is not lists of strings by level`;
    checked.v1[key] = {
      errors: stage.errors,
      finished: (stage.finished as number | null | undefined) ?? null,
      recoverable_errors: recoverable as Record<string, string[]>,
      start: (stage.start as number | null | undefined) ?? null,
    };
  }
  return checked;
}

/** result.json as read back: the same rule as checkStatusFile. */
export function checkResultFile(value: unknown): ResultFile | string {
  if (!isObject(value) || !isObject(value.v1)) return "it has no v1 object";
  if (!isNullOr(value.v1.datasource, "string")) return "v1.datasource is not a string";
  if (!isStringList(value.v1.errors)) return "v1.errors is not a list of strings";
  return { v1: { datasource: (value.v1.datasource as string | null | undefined) ?? null, errors: value.v1.errors } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNullOr(value: unknown, type: "string" | "number"): boolean {
  return value === null || value === undefined || typeof value === type;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/** The error a stage that started and never finished carries for the rest of the boot. */
export function interruptedError(key: StageKey, pid?: number): string {
  return `stage ${key} did not finish: cloud-agent exited while running it${pid ? ` (pid ${pid})` : ""}`;
}

/**
 * Records, as an error of the stage itself, every stage that started and has not finished
 * and is not `running` (in a live process now); returns those stages.
 * The last running-stage marker names the pid of the stage it was written for.
 */
export function markInterrupted(status: StatusFile, running: (key: StageKey) => boolean, lastMarker?: { stage: StageKey; pid: number }): StageKey[] {
  const interrupted: StageKey[] = [];
  for (const key of STAGES) {
    const stage = status.v1[key];
    if (running(key) || stage.start === null || stage.finished !== null) continue;
    interrupted.push(key);
    const pid = lastMarker?.stage === key ? lastMarker.pid : undefined;
    if (!stage.errors.some((e) => e.startsWith(interruptedError(key)))) stage.errors.push(interruptedError(key, pid));
  }
  return interrupted;
}

/** Groups a stage's WARNING-and-above log records by level, as recoverable_errors. */
export function recoverableErrors(records: LogRecord[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[r.level] ??= []).push(r.message);
  return out;
}

export type RunningStatus = "not started" | "running" | "done" | "disabled";
export type Condition = "healthy" | "degraded" | "error";

export interface StatusSummary {
  status: RunningStatus | "error";
  extended_status: string;
  boot_status_code: string;
  detail: string;
  errors: string[];
  recoverable_errors: Record<string, string[]>;
  last_update: string;
  datasource: string;
  exitCode: number;
}

/**
 * cloud-init's status logic and its one rule for failure (23.4+): an error of a stage (an
 * exception out of a module, a stage that did not finish) is `error`, exit 1; any
 * WARNING-or-worse log record of a stage is a recoverable error: `degraded`, exit 2.
 */
export function summarize(
  statusFile: StatusFile | undefined,
  resultExists: boolean,
  bootStatusCode: string,
): StatusSummary {
  const v1 = statusFile?.v1;
  const errors: string[] = [];
  const recoverable: Record<string, string[]> = {};
  let latest = 0;
  let anyStarted = false;
  for (const key of STAGES) {
    const stage = v1?.[key];
    if (!stage) continue;
    errors.push(...stage.errors);
    for (const [level, msgs] of Object.entries(stage.recoverable_errors)) {
      // every stage re-reads the config, so its warnings recur: list each once
      const seen = (recoverable[level] ??= []);
      for (const m of msgs) if (!seen.includes(m)) seen.push(m);
    }
    for (const t of [stage.start, stage.finished]) {
      if (t) {
        anyStarted = true;
        latest = Math.max(latest, t);
      }
    }
  }
  let running: RunningStatus;
  if (bootStatusCode.startsWith("disabled")) running = "disabled";
  else if (statusFile && !resultExists) running = "running";
  else if (anyStarted) running = "done";
  else running = "not started";

  const condition: Condition = errors.length ? "error" : Object.values(recoverable).some((m) => m.length) ? "degraded" : "healthy";
  const status = condition === "error" ? "error" : running;
  const extended =
    condition === "error" ? `error - ${running}` : condition === "degraded" ? `degraded ${running}` : running;
  const detail =
    v1?.datasource ?? (v1?.stage ? `Running in stage: ${v1.stage}` : bootStatusDetail(bootStatusCode));
  return {
    status,
    extended_status: extended,
    boot_status_code: bootStatusCode,
    detail,
    errors,
    recoverable_errors: recoverable,
    last_update: latest ? rfc2822(new Date(latest * 1000)) : "",
    datasource: datasourceId(v1?.datasource ?? null),
    exitCode: condition === "error" ? 1 : condition === "degraded" ? 2 : 0,
  };
}

/** "DataSourceNoCloud [seed=/dev/sr0]" -> "nocloud" (status --format json's `datasource`). */
export function datasourceId(description: string | null): string {
  if (!description) return "";
  return description.split(" ")[0].replace(/^DataSource/, "").toLowerCase();
}

function bootStatusDetail(code: string): string {
  const details: Record<string, string> = {
    "disabled-by-marker-file": "Cloud-init disabled by /etc/cloud/cloud-init.disabled",
    "disabled-by-kernel-command-line": "Cloud-init disabled by kernel parameter cloud-init=disabled",
    "disabled-by-generator": "Cloud-init disabled by cloud-init-generator",
    "enabled-by-generator": "Cloud-init enabled by systemd cloud-init-generator",
    "enabled-by-kernel-command-line": "Cloud-init enabled by kernel command line cloud-init=enabled",
    "enabled-by-sysvinit": "Cloud-init enabled by sysvinit",
    unknown: "Systemd generator may not have run yet.",
  };
  return details[code] ?? code;
}

/** "Thu, 01 Jan 1970 00:02:05 +0000", Python's email.utils-style date in UTC. */
export function rfc2822(d: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** `status` / `status --long` in cloud-init's tabular format. */
export function renderTabular(s: StatusSummary, long: boolean): string {
  if (!long) return `status: ${s.status}\n`;
  let out = `status: ${s.status}\nextended_status: ${s.extended_status}\nboot_status_code: ${s.boot_status_code}\n`;
  if (s.last_update) out += `last_update: ${s.last_update}\n`;
  out += `detail: ${s.detail}\n`;
  out += s.errors.length ? `errors:${s.errors.map((e) => `\n\t- ${oneLine(e)}`).join("")}\n` : "errors: []\n";
  const levels = Object.keys(s.recoverable_errors).sort();
  if (!levels.length) return `${out}recoverable_errors: {}\n`;
  out += "recoverable_errors:\n";
  for (const level of levels) {
    out += `${level}:\n${s.recoverable_errors[level].map((m) => `\t- ${oneLine(m)}\n`).join("")}`;
  }
  return out;
}

/** The JSON/YAML form: cloud-init's keys plus the stage objects from status.json. */
export function statusObject(s: StatusSummary, statusFile: StatusFile | undefined): Record<string, unknown> {
  const stages: Record<string, unknown> = {};
  if (statusFile) for (const [k, v] of Object.entries(statusFile.v1)) if (k !== "datasource") stages[k] = v;
  return {
    boot_status_code: s.boot_status_code,
    datasource: s.datasource,
    detail: s.detail,
    errors: s.errors,
    extended_status: s.extended_status,
    last_update: s.last_update,
    recoverable_errors: s.recoverable_errors,
    status: s.status,
    ...stages,
  };
}

/** One list item per message: no line breaks, and no terminal control sequences from a value. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, " ");
}
