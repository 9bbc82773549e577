// OpenStack's metadata service (Huawei Cloud and OpenStack clouds without a config drive):
// /openstack/<version>/meta_data.json, user_data, vendor_data.json, network_data.json over
// HTTP, with the same local identification discipline and fault bounds as EC2.
import { monotonicDeadline } from "../host/clock";
import { DEFAULT_MAX_BODY_BYTES, requestWithRetry, type RetryPolicy } from "../http/client";
import { openStackInstance, pickOpenStackVersion } from "./openstack-data";
import { dmi, MAX_META_DATA_BYTES, type Datasource, type DatasourceContext } from "./types";

const DEFAULT_URLS = ["http://169.254.169.254"];
/** DMI product names and chassis asset tags cloud-init accepts as OpenStack. */
const OPENSTACK_DMI = ["OpenStack Nova", "OpenStack Compute", "OpenTelekomCloud", "SAP CCloud VM", "HUAWEICLOUD"];

function identified(ctx: DatasourceContext): boolean {
  if (OPENSTACK_DMI.includes(dmi(ctx.host, "product_name")) || OPENSTACK_DMI.includes(dmi(ctx.host, "chassis_asset_tag"))) return true;
  const list = Array.isArray(ctx.config.datasource_list) ? ctx.config.datasource_list.map((n) => String(n).toLowerCase()).filter((n) => n !== "none") : [];
  return list.length === 1 && list[0] === "openstack";
}

export const openStack: Datasource = {
  name: "OpenStack",
  stages: ["network"],
  detect: identified,
  async read(ctx) {
    const s = ctx.settings;
    const urls = Array.isArray(s.metadata_urls) && s.metadata_urls.length ? s.metadata_urls.map(String) : DEFAULT_URLS;
    const timeoutMs = (Number(s.timeout) || 10) * 1000;
    const policy: RetryPolicy = { retries: Number.isInteger(s.retries) ? Number(s.retries) : 5, delayMs: 1000, deadline: monotonicDeadline((Number(s.max_wait) || 120) * 1000) };
    const problems: string[] = [];
    for (const base of urls) {
      try {
        return await readService(base, timeoutMs, policy);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    throw new Error(`no OpenStack metadata service answered: ${problems.join("; ")}`);
  },
};

async function readService(base: string, timeoutMs: number, policy: RetryPolicy) {
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
    { datasource: "OpenStack", description: `DataSourceOpenStack [net,ver=2]`, platform: "openstack", requireUuid: false },
  );
}
