// Every datasource cloud-agent has, by the name datasource_list uses (matched case-
// insensitively; "NoCloud-Net" is NoCloud). Static imports: a single executable cannot scan.
import { configDrive } from "./configdrive";
import { ec2 } from "./ec2";
import { none } from "./none";
import { nocloud } from "./nocloud";
import { openStack } from "./openstack";
import { datasourceKey } from "./recognise";
import type { Datasource } from "./types";

export const DATASOURCES: Record<string, Datasource> = {
  configdrive: configDrive,
  ec2: ec2,
  nocloud: nocloud,
  none: none,
  openstack: openStack,
};

export function datasourceByName(name: string): Datasource | undefined {
  return DATASOURCES[datasourceKey(name)];
}
