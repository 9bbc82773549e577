// /run/cloud-init/instance-data.json (0644, secrets redacted) and
// instance-data-sensitive.json (0600), with cloud-init's v1 keys; `query` reads them.
import * as os from "node:os";
import type { InstanceData } from "../datasources/types";
import type { Distro } from "../system/distro";
import type { Host } from "../host/host";
import { isPlainObject, parseJson } from "../config/yaml";
import { fromMetadata, validHostname } from "../system/hostname";
import { RUN_DIR } from "./paths";
import { sortKeys } from "./status-store";

export const INSTANCE_DATA = `${RUN_DIR}/instance-data.json`;
export const INSTANCE_DATA_SENSITIVE = `${RUN_DIR}/instance-data-sensitive.json`;
/** What cloud-init redacts, by key anywhere or by path. */
const SENSITIVE = ["combined_cloud_config", "merged_cfg", "merged_system_cfg", "security-credentials", "userdata", "user-data", "user_data", "vendordata", "vendor-data", "ds/vendor_data"];
/**
 * Beyond cloud-init: any key a datasource hands us under `ds` that names a secret
 * (ConfigDrive's admin_pass, random_seed, tokens, keys). "private" IP addresses are not secrets.
 */
const SECRET_KEY = /pass(word)?|secret|token|private(?![-_]?ip)|credential|random_seed/i;
const REDACTED = "redacted for non-root user";

export function instanceDataDocument(data: InstanceData, distro: Distro, systemConfig: Record<string, unknown>): Record<string, unknown> {
  const hostname = shortHostname(data.localHostname);
  const v1: Record<string, unknown> = {
    _beta_keys: ["subplatform"],
    availability_zone: data.availabilityZone ?? null,
    cloud_id: canonicalCloudId(data.cloudName, data.region, data.platform),
    cloud_name: data.cloudName,
    distro: distro.name,
    distro_release: distro.release,
    distro_version: distro.version,
    instance_id: data.instanceId,
    kernel_release: os.release(),
    local_hostname: hostname ?? os.hostname(),
    machine: os.machine(),
    platform: data.platform,
    public_ssh_keys: data.publicKeys,
    python_version: null,
    region: data.region ?? null,
    subplatform: data.subplatform,
    system_platform: `Linux-${os.release()}-${os.machine()}`,
    variant: distro.name,
  };
  for (const key of ["availability_zone", "cloud_name", "instance_id", "local_hostname"]) v1[key.replace(/_/g, "-")] = v1[key];
  return {
    _doc: "cloud-agent instance data, in cloud-init's format",
    base64_encoded_keys: [],
    ds: data.ds,
    merged_system_cfg: systemConfig,
    sensitive_keys: sensitiveKeys(data.ds),
    sys_info: { platform: v1.system_platform, release: os.release(), system: "Linux", uname: [os.type(), os.hostname(), os.release(), os.version(), os.machine()], variant: distro.name },
    v1,
  };
}

/** Writes both files; the sensitive one never exists with a wider mode than 0600. */
export function writeInstanceData(host: Host, doc: Record<string, unknown>): void {
  host.writeAtomic(INSTANCE_DATA_SENSITIVE, `${JSON.stringify(sortKeys(doc), null, 1)}\n`, 0o600);
  host.writeAtomic(INSTANCE_DATA, `${JSON.stringify(sortKeys(redact(doc, "")), null, 1)}\n`, 0o644);
}

function isSensitive(path: string): boolean {
  const key = path.slice(path.lastIndexOf("/") + 1);
  return SENSITIVE.includes(key) || SENSITIVE.includes(path) || (path.startsWith("ds/") && SECRET_KEY.test(key));
}

/** cloud-init's list plus the paths of the datasource's secret keys, so `query` users see what is hidden. */
function sensitiveKeys(ds: Record<string, unknown>): string[] {
  const found: string[] = [];
  redact(ds, "ds", found);
  return [...SENSITIVE, ...found.filter((p) => !SENSITIVE.includes(p))];
}

/** A copy with every sensitive key's value replaced; `found` collects their paths. */
function redact(value: unknown, path: string, found: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item, i) => redact(item, `${path}/${i}`, found));
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const child = path ? `${path}/${key}` : key;
    if (isSensitive(child)) {
      out[key] = REDACTED;
      found.push(child);
    } else out[key] = redact(item, child, found);
  }
  return out;
}

/**
 * First label of local-hostname, an IPv4 address as ip-a-b-c-d; undefined when it is not a
 * valid host name (jinja user-data may write v1.local_hostname into files).
 */
function shortHostname(name: string | undefined): string | undefined {
  return name ? validHostname(fromMetadata(name))?.split(".")[0] : undefined;
}

/** Regions that make a cloud of their own: prefix, the cloud it applies to, the cloud-id. */
const REGION_CLOUDS: [string, string, string][] = [
  ["cn-", "aws", "aws-china"],
  ["us-gov-", "aws", "aws-gov"],
  ["china", "azure", "azure-china"],
];

/** cloud-init's canonical cloud-id: the cloud's name (a regional variant where it has one), else the platform. */
export function canonicalCloudId(cloudName: string | undefined, region: string | undefined, platform: string): string {
  const known = (v: string | undefined) => (v && v !== "unknown" ? v : undefined);
  const cloud = known(cloudName);
  const variant = REGION_CLOUDS.find(([prefix, c]) => known(region)?.startsWith(prefix) && c === cloud);
  return variant?.[2] ?? cloud ?? platform;
}

export type InstanceDataFile = { path: string } & ({ data: Record<string, unknown> } | { missing: true } | { invalid: string });

/**
 * The instance data a command reads: the file given, else for root the sensitive one (when
 * there is one), else the redacted one; what is wrong with it when it is not a JSON object.
 */
export function readInstanceDataFile(host: Host, given: string | undefined): InstanceDataFile {
  const path = given ?? (process.getuid?.() === 0 && host.exists(INSTANCE_DATA_SENSITIVE) ? INSTANCE_DATA_SENSITIVE : INSTANCE_DATA);
  const text = host.readTextIfExists(path);
  if (text === undefined) return { path, missing: true };
  try {
    const data = parseJson(text);
    return isPlainObject(data) ? { path, data } : { path, invalid: `${path} is not a JSON object` };
  } catch (err) {
    return { path, invalid: `${path} is not valid JSON: ${(err as Error).message}` };
  }
}
