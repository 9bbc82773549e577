// Makes a found datasource this boot's instance (cloud-init's instancify): the instance
// directory and symlink, data/instance-id and previous-*, the datasource cache, instance data.
import type { InstanceData } from "../datasources/types";
import type { Host } from "../host/host";
import { DATA_DIR, INSTANCE_LINK, instanceDir, instancePath, RUN_DIR } from "./paths";
import { describeError } from "../log/logger";
import { stateJson, type Warn } from "./status-store";

const CACHE = "obj.json";

export function instancify(host: Host, data: InstanceData, warn: Warn): { newInstance: boolean } {
  const dir = instanceDir(data.instanceId);
  try {
    host.mkdirp(`${dir}/sem`);
  } catch (err) {
    // each per-instance module then fails to claim its run, and says so; the rest goes on
    warn(`could not create ${dir}/sem: ${describeError(err)}`);
  }
  host.mkdirp(`${dir}/scripts`, 0o700);
  host.mkdirp(`${dir}/scripts/vendor`, 0o700);
  const previousId = readInstanceId(host, `${DATA_DIR}/instance-id`, warn);
  const dsLine = `DataSource${data.datasource}: ${data.description}\n`;
  const previousDs = host.readTextIfExists(`${dir}/datasource`);
  host.writeAtomic(`${dir}/datasource`, dsLine);
  host.writeAtomic(`${DATA_DIR}/previous-datasource`, previousDs ?? dsLine);
  host.writeAtomic(`${DATA_DIR}/previous-instance-id`, `${previousId === undefined ? "NO_PREVIOUS_INSTANCE_ID" : instanceIdLine(previousId)}\n`);
  host.writeAtomic(`${DATA_DIR}/instance-id`, `${instanceIdLine(data.instanceId)}\n`);
  if (host.readlink(INSTANCE_LINK) !== dir) {
    host.remove(INSTANCE_LINK);
    host.symlink(dir, INSTANCE_LINK);
  }
  saveCache(host, data);
  host.writeAtomic(`${RUN_DIR}/.instance-id`, `${instanceIdLine(data.instanceId)}\n`);
  return { newInstance: previousId !== data.instanceId };
}

/** The datasource's result, kept for the later stages (cloud-init pickles it as obj.pkl). */
function saveCache(host: Host, data: InstanceData): void {
  const plain = {
    ...data,
    userData: data.userData.toString("base64"),
    vendorData: data.vendorData?.toString("base64"),
    vendorData2: data.vendorData2?.toString("base64"),
  };
  host.writeAtomic(instancePath(data.instanceId, CACHE), stateJson(plain), 0o600);
}

/** This boot's instance, if a stage of this boot found one (/run/cloud-init/.instance-id). */
export function restoreThisBoot(host: Host, warn: Warn): InstanceData | undefined {
  const id = readInstanceId(host, `${RUN_DIR}/.instance-id`, warn);
  return id === undefined ? undefined : loadCache(host, id, warn);
}

/** The last known instance, whatever boot found it (for `single`, `query`). */
export function restoreLast(host: Host, warn: Warn): InstanceData | undefined {
  const id = readInstanceId(host, `${DATA_DIR}/instance-id`, warn);
  return id === undefined ? undefined : loadCache(host, id, warn);
}

function loadCache(host: Host, id: string, warn: Warn): InstanceData | undefined {
  const file = instancePath(id, CACHE);
  const text = host.readTextIfExists(file);
  if (!text) return undefined;
  try {
    const plain: unknown = JSON.parse(text);
    if (!isCache(plain) || plain.instanceId !== id) {
      warn(`ignoring ${file}: not this instance's datasource cache`);
      return undefined;
    }
    return {
      ...(plain as unknown as InstanceData),
      userData: Buffer.from(plain.userData ?? "", "base64"),
      vendorData: plain.vendorData === undefined ? undefined : Buffer.from(plain.vendorData, "base64"),
      vendorData2: plain.vendorData2 === undefined ? undefined : Buffer.from(plain.vendorData2, "base64"),
    };
  } catch {
    warn(`ignoring ${file}: it is not JSON`);
    return undefined;
  }
}

/** The fields every stage relies on; the rest is the datasource's and read where used. */
interface StoredCache {
  instanceId: string;
  userData?: string;
  vendorData?: string;
  vendorData2?: string;
}

function isCache(value: unknown): value is StoredCache {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const optionalString = (key: string) => v[key] === undefined || typeof v[key] === "string";
  return typeof v.instanceId === "string" && typeof v.datasource === "string" && typeof v.description === "string" && ["userData", "vendorData", "vendorData2", "dsmode"].every(optionalString);
}

/** boot-finished of the instance the link points at, removed at the start of every boot. */
export function forgetBootFinished(host: Host, warn: Warn): void {
  const id = readInstanceId(host, `${DATA_DIR}/instance-id`, warn);
  if (id !== undefined) host.remove(instancePath(id, "boot-finished"));
}

/**
 * The id as one line of an instance-id file: a backslash, control characters (a newline
 * would make two lines) and blanks at either end (readers strip them) are written as \xHH.
 * Ordinary ids are written as they are, as cloud-init does.
 */
export function instanceIdLine(id: string): string {
  return id.replace(/[\\\x00-\x1f\x7f]|^ | $/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * The id an instance-id file holds (undoing instanceIdLine), or undefined when there is none.
 * A line with a raw control character (NUL bytes from a crash) was not written by
 * instanceIdLine: it is treated as no id, with a warning.
 */
export function readInstanceId(host: Host, file: string, warn?: Warn): string | undefined {
  const line = host.readTextIfExists(file)?.split("\n")[0].trim();
  if (!line) return undefined;
  if (/[\x00-\x1f\x7f]/.test(line)) {
    warn?.(`ignoring ${file}: it holds control characters, not an instance-id`);
    return undefined;
  }
  return line.replace(/\\x([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
