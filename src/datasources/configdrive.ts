// ConfigDrive (OpenStack --config-drive, oVirt): the seed directories cloud-init reads, then
// a drive labelled config-2 (ISO 9660 or vfat), read in place.
import type { Host } from "../host/host";
import { readLabelledDrive } from "./seed-drives";
import { SEED_DIR } from "../state/paths";
import { openStackInstance, pickOpenStackVersion, type OpenStackFiles } from "./openstack-data";
import { recognisedBy, type Recognition } from "./recognise";
import type { Datasource } from "./types";

const RECOGNISE = {
  seeds: [`${SEED_DIR}/config_drive`, "/config-drive"].map((dir) => ({ dir, files: ["openstack"] })),
  labels: ["config-2", "CONFIG-2"],
} satisfies Recognition;

function seedDir(host: Host): string | undefined {
  return RECOGNISE.seeds.map((s) => s.dir).find((dir) => host.isDirectory(`${dir}/openstack`));
}

/** The files of one ConfigDrive tree (a seed directory, or a drive's root). */
export function readConfigDriveTree(source: string, list: (dir: string) => string[], read: (path: string) => Buffer | undefined): OpenStackFiles {
  const version = pickOpenStackVersion(list("openstack"));
  const file = (name: string) => read(`openstack/${version}/${name}`);
  const metaData = file("meta_data.json");
  if (!metaData) throw new Error(`${source}: openstack/${version}/meta_data.json is missing`);
  return {
    source,
    version,
    metaData,
    userData: file("user_data"),
    vendorData: file("vendor_data.json"),
    vendorData2: file("vendor_data2.json"),
    networkData: file("network_data.json"),
    readContent: (path) => read(`openstack/${path}`),
  };
}

export const configDrive: Datasource = {
  name: "ConfigDrive",
  stages: ["local"],
  recognise: RECOGNISE,
  detect: (ctx) => recognisedBy("ConfigDrive", RECOGNISE, ctx) !== undefined,
  async read(ctx) {
    const dir = seedDir(ctx.host);
    const files = dir
      ? readConfigDriveTree(dir, (d) => ctx.host.list(`${dir}/${d}`), (p) => ctx.host.readBytesIfExists(`${dir}/${p}`))
      : readLabelledDrive(ctx.host, RECOGNISE.labels, ctx.log, (image, device) => readConfigDriveTree(device, (d) => image.list(d), (p) => image.readFile(p)));
    if (!files) return undefined;
    return openStackInstance(files, { datasource: "ConfigDrive", description: `DataSourceConfigDrive [net,ver=2][source=${files.source}]`, platform: "configdrive", requireUuid: true });
  },
};
