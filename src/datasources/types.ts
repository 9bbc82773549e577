// The one interface every datasource implements: a cheap `detect` and a `read` that
// returns plain data. Datasources never write to disk; the stages do.
import type { Config } from "../config/load";
import type { Host } from "../host/host";
import type { Logger } from "../log/logger";
import type { Recognition } from "./recognise";

export type Dsmode = "local" | "net" | "disabled" | "pass";
export type DatasourceStage = "local" | "network";

export interface InstanceData {
  /** cloud-init's datasource name as in datasource_list: "NoCloud", "ConfigDrive", ... */
  datasource: string;
  /** str(ds): "DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]" */
  description: string;
  instanceId: string;
  localHostname?: string;
  publicKeys: string[];
  metadata: Record<string, unknown>;
  userData: Buffer;
  vendorData?: Buffer;
  /** OpenStack's vendor_data2.json (dynamic vendor data): outranks vendorData. */
  vendorData2?: Buffer;
  networkConfig?: unknown;
  /** Why the datasource's network config could not be read (names the file); the rest of the data still applies. */
  networkConfigError?: string;
  /** How networkConfig is written: cloud-init's v1/v2 (the default), OpenStack's network_data.json, EC2's meta-data tree, or interfaces(5) text. */
  networkFormat?: "cloud-init" | "openstack" | "ec2" | "eni";
  dsmode: Dsmode;
  platform: string;
  subplatform: string;
  cloudName: string;
  region?: string;
  availabilityZone?: string;
  /** The datasource's own tree for instance-data.json's `ds` key. */
  ds: Record<string, unknown>;
}

export interface DatasourceContext {
  host: Host;
  cmdline: string;
  config: Config;
  /** `datasource: {<Name>: {...}}` from config. */
  settings: Record<string, unknown>;
  log: Logger;
  stage: DatasourceStage;
  /**
   * Runs `read` with the network up: as it is, in the network stage; in the local stage over
   * an ephemeral DHCP lease taken down afterwards (LeaseUnavailable when none comes).
   */
  withNetwork<T>(read: () => Promise<T>): Promise<T>;
}

export interface Datasource {
  name: string;
  /** Stages in which this datasource may be found (cloud-init's dependency sets). */
  stages: DatasourceStage[];
  /** The evidence it is recognised by; the generator's checks are written from it. None has none: it is always there. */
  recognise?: Recognition;
  /** Cheap, local, side-effect free: could this datasource be here? `recognise`, plus what only configuration can say. */
  detect(ctx: DatasourceContext): boolean | Promise<boolean>;
  /** Reads the instance's data; undefined when, after all, it is not there. */
  read(ctx: DatasourceContext): Promise<InstanceData | undefined>;
}

/** Cap on a meta-data or network-data document fetched over HTTP (user-data gets the client's default). */
export const MAX_META_DATA_BYTES = 1024 * 1024;

/** Reads one DMI field as cloud-init does (/sys/class/dmi/id), trimmed; "" when absent. */
export function dmi(host: Host, key: string): string {
  return (host.readTextIfExists(`/sys/class/dmi/id/${key}`) ?? "").trim();
}

/** instance-data.json's note on the `ds` key, as cloud-init writes it. */
export const DS_DOC =
  "EXPERIMENTAL: The structure and format of content scoped under the 'ds' key may change in subsequent releases of cloud-init.";
