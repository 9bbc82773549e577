// The OpenStack metadata format shared by the ConfigDrive and OpenStack datasources: which
// version directory to read, and meta_data.json / vendor_data*.json turned into instance data.
// Pure: the datasources fetch the files (from a drive or over HTTP) and pass them in.
import { isPlainObject } from "../config/yaml";
import { publicKeys } from "./nocloud";
import { DS_DOC, type Dsmode, type InstanceData } from "./types";

/** Newest first; `latest` when none of these is present (cloud-init's list). */
export const OPENSTACK_VERSIONS = ["2018-08-27", "2017-02-22", "2016-10-06", "2016-06-30", "2015-10-15", "2013-10-17", "2013-04-04", "2012-08-10"];

export function pickOpenStackVersion(available: string[]): string {
  return OPENSTACK_VERSIONS.find((v) => available.includes(v)) ?? "latest";
}

export interface OpenStackFiles {
  /** Where they came from, for messages: "/dev/sr0", "http://169.254.169.254". */
  source: string;
  version: string;
  metaData: Buffer;
  userData?: Buffer;
  vendorData?: Buffer;
  vendorData2?: Buffer;
  networkData?: Buffer;
  /** Reads openstack/<path> (a drive's `content/0000` files); absent for the metadata service. */
  readContent?: (path: string) => Buffer | undefined;
}

/** Parses a JSON file of the drive or service; a broken one is an error naming it (not quoting it: JSON.parse's message would). */
export function parseJsonFile(data: Buffer, name: string): unknown {
  try {
    return JSON.parse(data.toString("utf8"));
  } catch {
    throw new Error(`${name}: invalid JSON`);
  }
}

/** vendor_data.json: a mapping means its "cloud-init" key; a string is the data itself. */
export function vendorDataFrom(value: unknown): Buffer | undefined {
  const chosen = isPlainObject(value) ? value["cloud-init"] : value;
  if (typeof chosen === "string") return Buffer.from(chosen);
  return undefined;
}

export function openStackInstance(files: OpenStackFiles, kind: { datasource: string; description: string; platform: string; requireUuid: boolean }): InstanceData {
  const where = (name: string) => `${files.source} openstack/${files.version}/${name}`;
  const meta = parseJsonFile(files.metaData, where("meta_data.json"));
  if (!isPlainObject(meta)) throw new Error(`${where("meta_data.json")}: expected a JSON object`);
  if (kind.requireUuid && typeof meta.uuid !== "string") throw new Error(`${where("meta_data.json")}: no "uuid" (the instance-id)`);
  const vendor = files.vendorData === undefined ? undefined : vendorDataFrom(parseJsonFile(files.vendorData, where("vendor_data.json")));
  const vendor2 = files.vendorData2 === undefined ? undefined : vendorDataFrom(parseJsonFile(files.vendorData2, where("vendor_data2.json")));
  const network = files.networkData === undefined ? undefined : parseJsonFile(files.networkData, where("network_data.json"));
  const legacyNetwork = network === undefined ? legacyNetworkConfig(files, meta) : undefined;
  const extra = isPlainObject(meta.meta) ? meta.meta : {};
  const dsmode = (["local", "net", "disabled", "pass"].includes(String(extra.dsmode)) ? extra.dsmode : "net") as Dsmode;
  const instanceId = String(meta.uuid ?? "iid-dsconfigdrive");
  const metadata: Record<string, unknown> = { ...meta, "instance-id": instanceId, "local-hostname": meta.hostname, dsmode };
  return {
    datasource: kind.datasource,
    description: kind.description,
    instanceId,
    localHostname: typeof meta.hostname === "string" ? meta.hostname : undefined,
    publicKeys: publicKeys(meta.public_keys),
    metadata,
    userData: files.userData ?? Buffer.alloc(0),
    vendorData: vendor,
    vendorData2: vendor2,
    ...(legacyNetwork === undefined ? { networkConfig: network, networkFormat: "openstack" as const } : { networkConfig: legacyNetwork, networkFormat: "eni" as const }),
    dsmode,
    platform: kind.platform,
    subplatform: files.source.startsWith("/dev") ? `config-disk (${files.source})` : files.source.startsWith("http") ? `metadata (${files.source})` : `seed-dir (${files.source})`,
    cloudName: kind.platform,
    availabilityZone: typeof meta.availability_zone === "string" ? meta.availability_zone : undefined,
    ds: { _doc: DS_DOC, meta_data: metadata, ...(network === undefined ? {} : { network_json: network }) },
  };
}

/** Old drives: meta_data.json's network_config.content_path names interfaces(5) text. */
function legacyNetworkConfig(files: OpenStackFiles, meta: Record<string, unknown>): string | undefined {
  const path = isPlainObject(meta.network_config) ? meta.network_config.content_path : undefined;
  if (typeof path !== "string" || !files.readContent || path.split("/").includes("..")) return undefined;
  return files.readContent(path.replace(/^\/+/, ""))?.toString("utf8");
}
