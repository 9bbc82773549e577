// OpenStack's metadata service (Huawei Cloud and OpenStack clouds without a config drive):
// /openstack/<version>/meta_data.json, user_data, vendor_data.json, network_data.json over
// HTTP, with the same local identification discipline and fault bounds as EC2.
import { monotonicDeadline } from "../host/clock";
import { DEFAULT_MAX_BODY_BYTES, requestWithRetry, type RetryPolicy } from "../http/client";
import { openStackInstance, pickOpenStackVersion } from "./openstack-data";
import { dmiField, recognisedBy, type Recognition } from "./recognise";
import { containerName } from "../host/container";
import { MAX_META_DATA_BYTES, type Datasource, type DatasourceContext, type InstanceData } from "./types";

const DEFAULT_URLS = ["http://169.254.169.254"];
const PRODUCT_NAMES = ["OpenStack Nova", "OpenStack Compute"];
/** What cloud-init's ds-identify and DataSourceOpenStack accept as OpenStack. */
const RECOGNISE: Recognition = {
  files: [
    dmiField("product_name", PRODUCT_NAMES),
    dmiField("chassis_asset_tag", [...PRODUCT_NAMES, "OpenTelekomCloud", "SAP CCloud VM", "HUAWEICLOUD", "Samsung Cloud Platform"]),
  ],
  pid1Environ: ["product_name=OpenStack Nova"],
  offX86: true,
};

export const openStack: Datasource = {
  name: "OpenStack",
  // cloud-init's OpenStackLocal (over an ephemeral lease; a container's network is its host's) and OpenStack
  stages: ["local", "network"],
  recognise: RECOGNISE,
  detect: (ctx) => (ctx.stage !== "local" || !containerName(ctx.host)) && recognisedBy("OpenStack", RECOGNISE, ctx) !== undefined,
  read: (ctx) => ctx.withNetwork(() => readFirstService(ctx)),
};

async function readFirstService(ctx: DatasourceContext): Promise<InstanceData> {
  const s = ctx.settings;
  const urls = Array.isArray(s.metadata_urls) && s.metadata_urls.length ? s.metadata_urls.map(String) : DEFAULT_URLS;
  const timeoutMs = (Number(s.timeout) || 10) * 1000;
  const policy: RetryPolicy = { retries: Number.isInteger(s.retries) ? Number(s.retries) : 5, delayMs: 1000, deadline: monotonicDeadline((Number(s.max_wait) || 120) * 1000) };
  const problems: string[] = [];
  for (const base of urls) {
    try {
      return await readService(base, timeoutMs, policy, ctx.stage === "local" ? "DataSourceOpenStackLocal" : "DataSourceOpenStack");
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  throw new Error(`no OpenStack metadata service answered: ${problems.join("; ")}`);
}

async function readService(base: string, timeoutMs: number, policy: RetryPolicy, className: string) {
  const get = async (path: string, optional: boolean, maxBytes = MAX_META_DATA_BYTES): Promise<Buffer | undefined> => {
    const res = await requestWithRetry(`${base}/${path}`, { timeoutMs, maxBytes }, policy);
    if (res.status === 200) return res.body;
    if (res.status === 404 && optional) return undefined;
    throw new Error(`${base}/${path}: HTTP ${res.status}`);
  };
  const listing = (await get("openstack", true))?.toString("utf8") ?? "";
  const version = pickOpenStackVersion(listing.split("\n").map((l) => l.trim()));
  const file = (name: string, optional = true, maxBytes?: number) => get(`openstack/${version}/${name}`, optional, maxBytes);
  const metaData = (await file("meta_data.json", false))!;
  const [userData, vendorData, vendorData2, networkData] = await Promise.all([
    file("user_data", true, DEFAULT_MAX_BODY_BYTES),
    file("vendor_data.json", true, DEFAULT_MAX_BODY_BYTES),
    file("vendor_data2.json", true, DEFAULT_MAX_BODY_BYTES),
    file("network_data.json"),
  ]);
  return openStackInstance(
    { source: base, version, metaData, userData, vendorData, vendorData2, networkData },
    { datasource: "OpenStack", description: `${className} [net,ver=2]`, platform: "openstack", requireUuid: false },
  );
}
