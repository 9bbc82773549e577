// Every datasource cloud-agent has, by the name datasource_list uses (matched case-
// insensitively; "NoCloud-Net" is NoCloud). Static imports: a single executable cannot scan.
import { ec2 } from "./ec2";
import { none } from "./none";
import { nocloud } from "./nocloud";
import type { Datasource } from "./types";

export const DATASOURCES: Record<string, Datasource> = {
  ec2: ec2,
  nocloud: nocloud,
  none: none,
};

export function datasourceByName(name: string): Datasource | undefined {
  return DATASOURCES[name.toLowerCase().replace(/-net$/, "")];
}
