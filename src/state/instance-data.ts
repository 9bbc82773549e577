// /run/cloud-init/instance-data.json (0644, secrets redacted) and
// instance-data-sensitive.json (0600), with cloud-init's v1 keys; `query` reads them.
import * as os from "node:os";
import type { InstanceData } from "../datasources/types";
import type { Distro } from "../distro";
import type { Host } from "../host/host";
import { RUN_DIR } from "./paths";
import { sortKeys } from "./status-store";

export const INSTANCE_DATA = `${RUN_DIR}/instance-data.json`;
export const INSTANCE_DATA_SENSITIVE = `${RUN_DIR}/instance-data-sensitive.json`;
const SENSITIVE = ["combined_cloud_config", "merged_cfg", "merged_system_cfg", "security-credentials", "userdata", "user-data", "user_data", "vendordata", "vendor-data", "ds/vendor_data"];
const REDACTED = "redacted for non-root user";

export function instanceDataDocument(data: InstanceData, distro: Distro, systemConfig: Record<string, unknown>): Record<string, unknown> {
  const hostname = shortHostname(data.localHostname);
  const v1: Record<string, unknown> = {
    _beta_keys: ["subplatform"],
    availability_zone: data.availabilityZone ?? null,
    cloud_id: cloudId(data),
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
    sensitive_keys: SENSITIVE,
    sys_info: { platform: v1.system_platform, release: os.release(), system: "Linux", uname: [os.type(), os.hostname(), os.release(), os.version(), os.machine()], variant: distro.name },
    v1,
  };
}

/** Writes both files; the sensitive one never exists with a wider mode than 0600. */
export function writeInstanceData(host: Host, doc: Record<string, unknown>): void {
  host.writeAtomic(INSTANCE_DATA_SENSITIVE, `${JSON.stringify(sortKeys(doc), null, 1)}\n`, 0o600);
  host.writeAtomic(INSTANCE_DATA, `${JSON.stringify(sortKeys(redact(doc, "")), null, 1)}\n`, 0o644);
}

function redact(value: unknown, path: string): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const child = path ? `${path}/${key}` : key;
    out[key] = SENSITIVE.includes(key) || SENSITIVE.includes(child) ? REDACTED : redact(item, child);
  }
  return out;
}

/** First label of local-hostname; an IPv4 address becomes ip-a-b-c-d (cloud-init's rule). */
function shortHostname(name: string | undefined): string | undefined {
  if (!name) return undefined;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `ip-${name.replace(/\./g, "-")}`;
  return name.split(".")[0];
}

function cloudId(data: InstanceData): string {
  if (data.cloudName === "aws" && data.region?.startsWith("cn-")) return "aws-china";
  if (data.cloudName === "aws" && data.region?.startsWith("us-gov-")) return "aws-gov";
  return data.cloudName && data.cloudName !== "unknown" ? data.cloudName : data.platform;
}
