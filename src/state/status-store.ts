// Reads and writes this boot's status.json / result.json and the running-stage marker.
// As cloud-init lays them out, the files live in /var/lib/cloud/data with relative symlinks
// in /run/cloud-init; but only /run is ever read, so a file from an earlier boot never speaks
// for this one, and when /var/lib/cloud cannot be written the file is kept in /run instead.
// Every write is atomic; JSON is indented by 1 with sorted keys, as cloud-init's.
import type { Host } from "../host/host";
import { describeError } from "../log/logger";
import { DATA_DIR, DISABLED_MARKER, RUN_DIR } from "./paths";
import { isRunning, parseIdentity, thisProcess, type ProcessIdentity } from "./process";
import { checkResultFile, checkStatusFile, emptyStatus, markInterrupted, STAGES, summarize, type ResultFile, type StageKey, type StatusFile, type StatusSummary } from "./status";

export const STATUS_FILE = `${DATA_DIR}/status.json`;
export const RESULT_FILE = `${DATA_DIR}/result.json`;
export const RUNNING_MARKER = `${RUN_DIR}/.running-stage`;

/** Where a state file that is unreadable or of the wrong shape is reported (it is then treated as absent). */
export type Warn = (message: string) => void;

export function readStatus(host: Host, warn: Warn): StatusFile | undefined {
  return readChecked(host, `${RUN_DIR}/status.json`, checkStatusFile, warn);
}

export function readResult(host: Host, warn: Warn): ResultFile | undefined {
  return readChecked(host, `${RUN_DIR}/result.json`, checkResultFile, warn);
}

/**
 * The first stage of a boot starts from nothing, as cloud-init's init-local does. The files
 * in /run must go; a leftover in /var/lib/cloud is harmless (never read) and is reported.
 */
export function resetStatus(host: Host): { status: StatusFile; problems: string[] } {
  const problems: string[] = [];
  for (const name of ["status.json", "result.json"]) {
    host.remove(`${RUN_DIR}/${name}`);
    try {
      host.remove(`${DATA_DIR}/${name}`);
    } catch (err) {
      problems.push(`could not remove the last boot's ${DATA_DIR}/${name}: ${describeError(err)}`);
    }
  }
  return { status: emptyStatus(), problems };
}

/** Returns a problem to record when the file could be kept in /run only; throws when not even there. */
export function writeStatus(host: Host, status: StatusFile): string | undefined {
  return writeLinkedJson(host, "status.json", status);
}

export function writeResult(host: Host, result: ResultFile): string | undefined {
  return writeLinkedJson(host, "result.json", result);
}

/** Both files speak for this boot alone (module comment), so neither is fsynced. */
function writeLinkedJson(host: Host, name: string, value: unknown): string | undefined {
  const text = stateJson(value);
  host.mkdirp(RUN_DIR);
  try {
    host.writeAtomic(`${DATA_DIR}/${name}`, text, 0o644, { thisBootOnly: true });
    if (host.readlink(`${RUN_DIR}/${name}`) === undefined) host.symlink(`../../var/lib/cloud/data/${name}`, `${RUN_DIR}/${name}`);
    return undefined;
  } catch (err) {
    host.writeAtomic(`${RUN_DIR}/${name}`, text, 0o644, { thisBootOnly: true });
    return `could not write ${DATA_DIR}/${name}: ${describeError(err)}; this boot's status is kept in ${RUN_DIR} only`;
  }
}

/** cloud-init's json dump for state files: indent 1, sorted keys, trailing newline. */
export function stateJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 1)}\n`;
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** State files are small: anything larger is not one of ours. */
const MAX_STATE_BYTES = 1 << 20;

function readChecked<T>(host: Host, path: string, check: (value: unknown) => T | string, warn: Warn): T | undefined {
  let bytes: Buffer | undefined;
  try {
    const st = host.statFollow(path);
    if (!st) return undefined;
    if (!st.isFile() || st.size > MAX_STATE_BYTES) {
      warn(`ignoring ${path}: not a state file (${st.isFile() ? `${st.size} bytes` : "not a regular file"})`);
      return undefined;
    }
    bytes = host.readBytesIfExists(path);
  } catch (err) {
    warn(`ignoring ${path}: ${describeError(err)}`);
    return undefined;
  }
  if (bytes === undefined) return undefined;
  let checked: T | string;
  try {
    checked = check(JSON.parse(bytes.toString("utf8")));
  } catch {
    checked = "it is not JSON";
  }
  if (typeof checked === "string") {
    warn(`ignoring ${path}: ${checked}`);
    return undefined;
  }
  return checked;
}

export interface RunningMarker extends ProcessIdentity {
  stage: StageKey;
}

/** Written before a stage's status entry, so a reader that sees the entry also sees the marker. */
export function writeRunningMarker(host: Host, stage: StageKey): void {
  const me = thisProcess();
  host.writeAtomic(RUNNING_MARKER, `${me.pid} ${me.startTime} ${stage}\n`);
}

export function removeRunningMarker(host: Host): void {
  host.remove(RUNNING_MARKER);
}

/** The marker as written ("<pid> <start time> <stage>"), or undefined plus a warning for anything else. */
export function readRunningMarker(host: Host, warn: Warn): RunningMarker | undefined {
  let text: string | undefined;
  try {
    text = host.readTextIfExists(RUNNING_MARKER);
  } catch (err) {
    warn(`ignoring ${RUNNING_MARKER}: ${describeError(err)}`);
    return undefined;
  }
  if (text === undefined) return undefined;
  const [pid, startTime, stage, ...rest] = text.trim().split(" ");
  const identity = parseIdentity(pid, startTime);
  if (!identity || !(STAGES as readonly string[]).includes(stage) || rest.length) {
    warn(`ignoring ${RUNNING_MARKER}: not "<pid> <start time> <stage>"`);
    return undefined;
  }
  return { ...identity, stage: stage as StageKey };
}

/** The stage a live process is running now, if the marker names one. */
export function liveStage(marker: RunningMarker | undefined): StageKey | undefined {
  return marker && isRunning(marker) ? marker.stage : undefined;
}

/** cloud-init's boot_status_code, first match wins. */
export function bootStatusCode(host: Host, cmdline: string): string {
  const tokens = cmdline.split(/\s+/);
  if (!host.isDirectory("/run/systemd/system")) return "enabled-by-sysvinit";
  if (tokens.includes("cloud-init=enabled")) return "enabled-by-kernel-command-line";
  if (host.exists(DISABLED_MARKER)) return "disabled-by-marker-file";
  if (tokens.includes("cloud-init=disabled")) return "disabled-by-kernel-command-line";
  if (host.exists(`${RUN_DIR}/disabled`)) return "disabled-by-generator";
  if (host.exists(`${RUN_DIR}/enabled`)) return "enabled-by-generator";
  return "unknown";
}

/** This boot's status as `status` reports it (a stage whose process died is marked interrupted). */
export function readSummary(host: Host, cmdline: string, warn: Warn): { summary: StatusSummary; file: StatusFile | undefined } {
  const before = readStatus(host, warn);
  const marker = readRunningMarker(host, warn);
  const file = readStatus(host, warn);
  if (file) {
    const running = liveStage(marker);
    const unfinishedBefore = (key: StageKey) => before !== undefined && before.v1[key].finished === null && before.v1[key].start === file.v1[key].start;
    markInterrupted(file, (key) => key === running || !unfinishedBefore(key), marker);
  }
  return { summary: summarize(file, readResult(host, warn) !== undefined, bootStatusCode(host, cmdline)), file };
}
