// Makes a found datasource this boot's instance (cloud-init's instancify): the instance
// directory and symlink, data/instance-id and previous-*, the datasource cache, instance data.
import type { InstanceData } from "../datasources/types";
import type { Host } from "../host/host";
import { DATA_DIR, INSTANCE_LINK, instanceDir, instancePath, RUN_DIR } from "./paths";
import { stateJson } from "./status-store";

const CACHE = "obj.json";

export function instancify(host: Host, data: InstanceData): { newInstance: boolean } {
  const dir = instanceDir(data.instanceId);
  host.mkdirp(`${dir}/sem`);
  host.mkdirp(`${dir}/scripts`, 0o700);
  host.mkdirp(`${dir}/scripts/vendor`, 0o700);
  const previousId = host.readTextIfExists(`${DATA_DIR}/instance-id`)?.trim();
  const dsLine = `DataSource${data.datasource}: ${data.description}\n`;
  const previousDs = host.readTextIfExists(`${dir}/datasource`);
  host.writeAtomic(`${dir}/datasource`, dsLine);
  host.writeAtomic(`${DATA_DIR}/previous-datasource`, previousDs ?? dsLine);
  host.writeAtomic(`${DATA_DIR}/previous-instance-id`, `${previousId ?? "NO_PREVIOUS_INSTANCE_ID"}\n`);
  host.writeAtomic(`${DATA_DIR}/instance-id`, `${data.instanceId}\n`);
  if (host.readlink(INSTANCE_LINK) !== dir) {
    host.remove(INSTANCE_LINK);
    host.symlink(dir, INSTANCE_LINK);
  }
  saveCache(host, data);
  host.writeAtomic(`${RUN_DIR}/.instance-id`, `${data.instanceId}\n`);
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
export function restoreThisBoot(host: Host): InstanceData | undefined {
  const id = host.readTextIfExists(`${RUN_DIR}/.instance-id`)?.trim();
  return id ? loadCache(host, id) : undefined;
}

/** The last known instance, whatever boot found it (for `single`, `query`). */
export function restoreLast(host: Host): InstanceData | undefined {
  const id = host.readTextIfExists(`${DATA_DIR}/instance-id`)?.trim();
  return id ? loadCache(host, id) : undefined;
}

function loadCache(host: Host, id: string): InstanceData | undefined {
  const text = host.readTextIfExists(instancePath(id, CACHE));
  if (!text) return undefined;
  try {
    const plain = JSON.parse(text);
    return {
      ...plain,
      userData: Buffer.from(plain.userData ?? "", "base64"),
      vendorData: plain.vendorData === undefined ? undefined : Buffer.from(plain.vendorData, "base64"),
      vendorData2: plain.vendorData2 === undefined ? undefined : Buffer.from(plain.vendorData2, "base64"),
    };
  } catch {
    return undefined;
  }
}

/** boot-finished of the instance the link points at, removed at the start of every boot. */
export function forgetBootFinished(host: Host): void {
  const id = host.readTextIfExists(`${DATA_DIR}/instance-id`)?.trim();
  if (id) host.remove(instancePath(id, "boot-finished"));
}

