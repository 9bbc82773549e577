// The invariants every fault trial is held to, checked after the faulty boot and after the
// boot that follows it:
// (a) `status` is never `done` for a boot with an interrupted or failed stage (it says
//     `error`, never stays `running` once every stage exited, and never crashes);
// (b) per-instance work never starts twice in the same instance (per-boot work once a boot);
// (c) no partially written file is ever executed or left in place;
// (d) no temp file survives the next boot;
// (e) the next boot with room and a writable disk reaches `done`; one that finds bookkeeping
//     an earlier fault left broken on disk (a semaphore directory that became a file) may
//     refuse what needs it, and then says `error` by (a), but still runs the rest.
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BRACKETED,
  PER_BOOT_TOKENS,
  PER_EVER_TOKENS,
  PER_INSTANCE_TOKENS,
  status,
  TOKEN_LOG,
  type StageKey,
  type StatusReport,
  type Workload,
} from "./harness";

export type Invariant = "a" | "b" | "c" | "d" | "e";

export interface Violation {
  invariant: Invariant;
  boot: number;
  message: string;
}

export interface StageRecord {
  key: StageKey;
  code: number | null;
  killed: boolean;
  /** killed after `status` showed the stage started and before it showed it finished */
  interrupted: boolean;
}

export interface BootRecord {
  number: number;
  /** a fault was injected in this boot; a boot without one must reach `done` */
  faulty: boolean;
  /**
   * the fault is bookkeeping left broken on disk by an earlier boot (a state directory that
   * became a file): this boot may fail what needs it, and must say so, but the rest runs
   */
  lasting?: boolean;
  /** a stage ran twice at once: per-boot work may rightly run twice */
  concurrent: boolean;
  stages: StageRecord[];
}

/** Names the writers give files on their way in: `x.tmp-<hex>` (old) and `.x.tmp-<hex>` (random, hidden). */
export const TEMP_NAME = /\.tmp-/;
/** Where state and written files live; a temp file anywhere here is one a write left behind. */
const SCANNED = ["var/lib/cloud", "run", "etc", "srv"];

export function checkBoot(root: string, workload: Workload, boots: BootRecord[]): Violation[] {
  const boot = boots[boots.length - 1];
  const out: Violation[] = [];
  const add = (invariant: Invariant, message: string) => out.push({ invariant, boot: boot.number, message });
  const after = status(root);
  checkStatus(boot, after, add);
  checkOnce(root, workload, boots, add);
  checkWhole(root, workload, boots, add);
  if (!boot.faulty) {
    const temps = tempFiles(root);
    if (temps.length) add("d", `temp files after a boot without faults: ${temps.join(", ")}`);
    checkDone(root, boot, after, add);
  }
  if (boot.lasting) checkPerBootRan(root, boot, "a boot with broken bookkeeping", add);
  return out;
}

type Add = (invariant: Invariant, message: string) => void;

function checkStatus(boot: BootRecord, after: StatusReport, add: Add): void {
  if (after.status === "unreadable") {
    add("a", `status printed no JSON (exit ${after.code}): ${firstLine(after.stderr)}`);
    return;
  }
  const bad = boot.stages.filter((s) => s.interrupted || (!s.killed && s.code !== 0));
  if (bad.length && after.status !== "error") {
    const what = bad.map((s) => (s.interrupted ? `${s.key} killed` : `${s.key} exited ${s.code}`)).join(", ");
    add("a", `status is "${after.status}" after a boot where ${what}`);
  }
  // a stage killed before it recorded anything is known only to systemd, which a root lacks
  const unseen = boot.stages.some((s) => s.killed && !s.interrupted);
  if ((after.status === "running" || after.status === "not started") && !unseen) add("a", `status is "${after.status}" after every stage of the boot exited`);
}

function checkOnce(root: string, workload: Workload, boots: BootRecord[], add: Add): void {
  const tokens = tokenLines(root);
  for (const token of [...PER_INSTANCE_TOKENS, ...PER_EVER_TOKENS]) {
    const n = tokens.filter((t) => t === token).length;
    if (n > 1) add("b", `"${token}" ran ${n} times in one instance`);
  }
  for (const b of boots.filter((b) => !b.concurrent)) {
    for (const token of PER_BOOT_TOKENS) {
      const n = tokens.filter((t) => t === `${token} ${b.number}`).length;
      if (n > 1) add("b", `"${token}" ran ${n} times in boot ${b.number}`);
    }
  }
  for (const file of workload.appendFiles) {
    const appended = readIfExists(root, file);
    const runs = appended === undefined ? 0 : appended.split(workload.appendLine).length - 1;
    if (runs > 1) add("b", `write_files appended to ${file} ${runs} times in one instance`);
  }
}

function checkWhole(root: string, workload: Workload, boots: BootRecord[], add: Add): void {
  const tokens = tokenLines(root);
  const known = new RegExp(`^(${[...PER_INSTANCE_TOKENS, ...PER_EVER_TOKENS].join("|")}|(${PER_BOOT_TOKENS.join("|")}) \\d+)$`);
  for (const line of tokens.filter((t) => !known.test(t))) add("c", `a script wrote a line no whole script writes: ${JSON.stringify(line)}`);
  // a kill in the final stage may land while a script runs; nothing else may cut one short
  const finalKilled = boots.some((b) => b.stages.some((s) => s.key === "modules-final" && s.killed));
  for (const name of BRACKETED) {
    const begun = tokens.filter((t) => t === `${name} begin`).length;
    const ended = tokens.filter((t) => t === `${name} end`).length;
    if (begun > ended && !finalKilled) add("c", `the ${name} script began ${begun} times and ended ${ended}: a cut script ran`);
  }
  for (const [path, content] of Object.entries(workload.files)) {
    const found = readIfExists(root, path);
    if (found !== undefined && found !== content) add("c", `${path} holds ${found.length} bytes, not the ${content.length} it was given`);
  }
  for (const file of workload.appendFiles) {
    const appended = readIfExists(root, file);
    if (appended !== undefined && appended.split(workload.appendLine).some((rest) => rest !== "")) add("c", `${file} holds a partial append`);
  }
  for (const file of stateFiles(root)) {
    const text = readFileSync(file, "utf8");
    for (const name of BRACKETED) {
      if (text.includes(`echo ${name} begin`) && !text.includes(`echo ${name} end`)) add("c", `${file.slice(root.length)} is a cut copy of the ${name} script`);
    }
    if (file.endsWith(".json") && !parses(text)) add("c", `${file.slice(root.length)} is not whole JSON`);
  }
}

function checkDone(root: string, boot: BootRecord, after: StatusReport, add: Add): void {
  const failed = boot.stages.filter((s) => s.code !== 0);
  if (failed.length) add("e", `stages failed in a boot without faults: ${failed.map((s) => `${s.key} exited ${s.code}`).join(", ")}`);
  const errors = (after.json?.errors as unknown[] | undefined) ?? [];
  if (after.status !== "done") add("e", `status is "${after.status}" after a boot without faults${errors.length ? `: ${firstLine(String(errors[0]))}` : ""}`);
  checkPerBootRan(root, boot, "a boot without faults", add);
}

function checkPerBootRan(root: string, boot: BootRecord, what: string, add: Add): void {
  if (boot.concurrent) return;
  const tokens = tokenLines(root);
  for (const token of PER_BOOT_TOKENS) {
    if (!tokens.includes(`${token} ${boot.number}`)) add("e", `"${token}" did not run in boot ${boot.number}, ${what}`);
  }
}

/** Every file whose name a writer gives a file on its way in, anywhere state or output lives. */
export function tempFiles(root: string): string[] {
  return SCANNED.flatMap((dir) => walk(join(root, dir))).filter((f) => TEMP_NAME.test(f.slice(f.lastIndexOf("/") + 1))).map((f) => f.slice(root.length));
}

/** Regular files under /var/lib/cloud at their real names (temps are (d)'s business). */
function stateFiles(root: string): string[] {
  return walk(join(root, "var/lib/cloud")).filter((f) => !TEMP_NAME.test(f.slice(f.lastIndexOf("/") + 1)) && !f.includes("/seed/"));
}

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) return walk(path);
    return st.isFile() ? [path] : [];
  });
}

function tokenLines(root: string): string[] {
  return (readIfExists(root, TOKEN_LOG) ?? "").split("\n").filter(Boolean);
}

function readIfExists(root: string, path: string): string | undefined {
  const full = join(root, path);
  return existsSync(full) && lstatSync(full).isFile() ? readFileSync(full, "utf8") : undefined;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  return text.split("\n").find((l) => l.trim()) ?? "";
}
