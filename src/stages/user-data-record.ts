// What the last processing of an instance's user- and vendor-data took in and wrote, so a
// warm boot can tell that processing it again would write the same files and skip it (the
// network stage's costliest step with nothing new: 10-16 ms under boot load). cloud-init
// processes it on every boot; what the modules then read is the same either way, because the
// record is kept only for processing that depended on nothing but the recorded inputs (no
// #include, no boothook, which runs on every boot, no warning, which status must show again)
// and is used only while every file it lists still holds what was written.
import { createHash } from "node:crypto";
import type { Host } from "../host/host";
import { instancePath } from "../state/paths";
import { VERSION } from "../version";

const RECORD_NAME = "user-data-processed.json";

/** The inputs of one processing: the raw streams, the system config's say over vendor-data, and instance data when a template read it. */
export interface ProcessingInputs {
  streams: (Buffer | undefined)[];
  systemSettings: unknown;
  /** The instance data (instance-data-sensitive.json) a jinja template was rendered with. */
  instanceData: string | undefined;
}

interface ProcessingRecord {
  inputs: string;
  readInstanceData: boolean;
  /** sha256 of every file written, by guest path. */
  outputs: Record<string, string>;
  /** The part-* files of an instance's script directories (processing replaces them all). */
  listings: Record<string, string[]>;
}

export function digestOf(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function inputsDigest(inputs: ProcessingInputs, readInstanceData: boolean): string {
  const hash = createHash("sha256").update(`cloud-agent ${VERSION}\n`);
  for (const stream of inputs.streams) hash.update(`${stream?.length ?? -1}\n`).update(stream ?? "");
  hash.update(`${JSON.stringify(inputs.systemSettings ?? null)}\n`);
  if (readInstanceData) hash.update(inputs.instanceData ?? "\0none");
  return hash.digest("hex");
}

/** Whether the recorded processing had these inputs and its files are all still as written. */
export function unchangedSinceRecorded(host: Host, iid: string, inputs: ProcessingInputs): boolean {
  const record = readRecord(host, iid);
  if (!record || record.inputs !== inputsDigest(inputs, record.readInstanceData)) return false;
  try {
    for (const [path, digest] of Object.entries(record.outputs)) {
      const bytes = host.readBytesIfExists(path);
      if (!bytes || digestOf(bytes) !== digest) return false;
    }
    return Object.entries(record.listings).every(([dir, names]) => sameNames(partFiles(host, dir), names));
  } catch {
    // a file or directory that cannot be read as written (a directory in its place): processed again
    return false;
  }
}

export function forgetRecord(host: Host, iid: string): void {
  host.remove(instancePath(iid, RECORD_NAME));
}

export function writeRecord(host: Host, iid: string, inputs: ProcessingInputs, readInstanceData: boolean, outputs: Map<string, string>, dirs: string[]): void {
  const record: ProcessingRecord = {
    inputs: inputsDigest(inputs, readInstanceData),
    readInstanceData,
    outputs: Object.fromEntries(outputs),
    listings: Object.fromEntries(dirs.map((dir) => [dir, partFiles(host, dir)])),
  };
  host.writeAtomic(instancePath(iid, RECORD_NAME), `${JSON.stringify(record)}\n`, 0o600);
}

function readRecord(host: Host, iid: string): ProcessingRecord | undefined {
  try {
    const value = JSON.parse(host.readTextIfExists(instancePath(iid, RECORD_NAME)) ?? "null") as Partial<ProcessingRecord> | null;
    const strings = (v: unknown) => v !== null && typeof v === "object" && Object.values(v).every((x) => typeof x === "string");
    if (!value || typeof value.inputs !== "string" || typeof value.readInstanceData !== "boolean" || !strings(value.outputs)) return undefined;
    if (value.listings === null || typeof value.listings !== "object" || !Object.values(value.listings).every((l) => Array.isArray(l) && l.every((n) => typeof n === "string"))) return undefined;
    return value as ProcessingRecord;
  } catch {
    // unreadable or not ours: the data is processed again and the record rewritten
    return undefined;
  }
}

/** Scripts of the user-data are part-NNN unless a MIME filename names them; other files there are another module's (runcmd). */
function partFiles(host: Host, dir: string): string[] {
  return host.list(dir).filter((name) => name.startsWith("part-"));
}

function sameNames(found: string[], recorded: string[]): boolean {
  return found.length === recorded.length && found.every((name, i) => name === recorded[i]);
}
