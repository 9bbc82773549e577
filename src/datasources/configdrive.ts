// ConfigDrive (OpenStack --config-drive, oVirt): the seed directories cloud-init reads.
// (Drives labelled config-2 arrive with the filesystem-image readers.)
import type { Host } from "../host/host";
import { SEED_DIR } from "../state/paths";
import { openStackInstance, pickOpenStackVersion, type OpenStackFiles } from "./openstack-data";
import type { Datasource } from "./types";

const SEED_DIRS = [`${SEED_DIR}/config_drive`, "/config-drive"];

function seedDir(host: Host): string | undefined {
  return SEED_DIRS.find((dir) => host.isDirectory(`${dir}/openstack`));
}

/** The files of one ConfigDrive tree (a seed directory, or a drive's root). */
export function readConfigDriveTree(source: string, list: (dir: string) => string[], read: (path: string) => Buffer | undefined): OpenStackFiles {
  const version = pickOpenStackVersion(list("openstack"));
  const file = (name: string) => read(`openstack/${version}/${name}`);
  const metaData = file("meta_data.json");
  if (!metaData) throw new Error(`${source}: openstack/${version}/meta_data.json is missing`);
  return { source, version, metaData, userData: file("user_data"), vendorData: file("vendor_data.json"), networkData: file("network_data.json") };
}

export const configDrive: Datasource = {
  name: "ConfigDrive",
  stages: ["local"],
  detect(ctx) {
    return seedDir(ctx.host) !== undefined;
  },
  async read(ctx) {
    const dir = seedDir(ctx.host);
    if (!dir) return undefined;
    const files = readConfigDriveTree(dir, (d) => ctx.host.list(`${dir}/${d}`), (p) => ctx.host.readBytesIfExists(`${dir}/${p}`));
    return openStackInstance(files, { datasource: "ConfigDrive", description: `DataSourceConfigDrive [net,ver=2][source=${dir}]`, platform: "configdrive", requireUuid: true });
  },
};
