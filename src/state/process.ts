// Which process wrote a marker: a pid alone is not enough, because pids are reused (a
// killed stage's pid may belong to some other process minutes later). The kernel's start
// time of the process (/proc/<pid>/stat field 22, clock ticks since boot) tells them apart.
// Processes are this machine's, so /proc is read directly, even under --root.
import * as fs from "node:fs";

export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** Field 22 of /proc/<pid>/stat, or undefined when there is no such process. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // field 2 (comm) is in parentheses and may hold spaces or ")"; fields 3.. follow the last ")"
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const startTime = fields[22 - 3];
  return startTime && /^\d+$/.test(startTime) ? startTime : undefined;
}

export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid) ?? "0" };
}

/** Whether the process that wrote `identity` is still running (not merely its pid). */
export function isRunning(identity: ProcessIdentity): boolean {
  return processStartTime(identity.pid) === identity.startTime;
}

/** "<pid> <start time>" as markers store it; undefined for anything else. */
export function parseIdentity(pid: string | undefined, startTime: string | undefined): ProcessIdentity | undefined {
  if (!pid || !startTime || !/^[1-9]\d{0,9}$/.test(pid) || !/^\d{1,20}$/.test(startTime)) return undefined;
  return { pid: Number(pid), startTime };
}
