// Reads and writes status.json / result.json: real files in /var/lib/cloud/data, relative
// symlinks in /run/cloud-init, every write atomic, JSON indent 1 with sorted keys.
import type { Host } from "../host/host";
import { DATA_DIR, DISABLED_MARKER, RUN_DIR } from "./paths";
import { emptyStatus, type ResultFile, type StatusFile } from "./status";

export const STATUS_FILE = `${DATA_DIR}/status.json`;
export const RESULT_FILE = `${DATA_DIR}/result.json`;

export function readStatus(host: Host): StatusFile | undefined {
  return readJson(host, `${RUN_DIR}/status.json`) ?? readJson(host, STATUS_FILE);
}

export function resultExists(host: Host): boolean {
  return host.exists(`${RUN_DIR}/result.json`) || host.exists(RESULT_FILE);
}

/** The first stage of a boot starts from nothing, as cloud-init's init-local does. */
export function resetStatus(host: Host): StatusFile {
  for (const name of ["status.json", "result.json"]) {
    host.remove(`${DATA_DIR}/${name}`);
    host.remove(`${RUN_DIR}/${name}`);
  }
  return emptyStatus();
}

export function writeStatus(host: Host, status: StatusFile): void {
  writeLinkedJson(host, "status.json", status);
}

export function writeResult(host: Host, result: ResultFile): void {
  writeLinkedJson(host, "result.json", result);
}

function writeLinkedJson(host: Host, name: string, value: unknown): void {
  host.writeAtomic(`${DATA_DIR}/${name}`, stateJson(value));
  host.mkdirp(RUN_DIR);
  if (host.readlink(`${RUN_DIR}/${name}`) === undefined) host.symlink(`../../var/lib/cloud/data/${name}`, `${RUN_DIR}/${name}`);
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

function readJson<T>(host: Host, path: string): T | undefined {
  try {
    const text = host.readTextIfExists(path);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  } catch {
    return undefined;
  }
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
