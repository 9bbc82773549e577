// NoCloud: seed directories, a drive labelled cidata (ISO 9660 or vfat, read in place),
// `ds=nocloud;...` on the kernel command line or in the DMI serial, and `datasource.NoCloud`.
import { isPlainObject, parseYaml, setOwn } from "../config/yaml";
import type { Host } from "../host/host";
import { SEED_DIR } from "../state/paths";
import { requestWithRetry } from "../http/client";
import { monotonicDeadline } from "../host/clock";
import { dmiField, recognisedBy, type Recognition } from "./recognise";
import { hasLabelledDrive, readLabelledDrive } from "./seed-drives";
import { dmi, DS_DOC, MAX_META_DATA_BYTES, type Datasource, type DatasourceContext, type Dsmode, type InstanceData } from "./types";

const SEED_DIRS = [`${SEED_DIR}/nocloud`, `${SEED_DIR}/nocloud-net`];
/** `ds=nocloud` on the kernel command line is covered by being forced there. */
const RECOGNISE: Recognition = {
  seeds: SEED_DIRS.map((dir) => ({ dir, files: ["meta-data", "user-data"] })),
  files: [dmiField("product_serial", ["ds=nocloud*", "* ds=nocloud*"])],
  labels: ["cidata", "CIDATA"],
};
const SHORT_KEYS: Record<string, string> = { h: "local-hostname", i: "instance-id", s: "seedfrom" };

/** Parses "ds=nocloud;s=file:///seed/;i=iid-1;h=host" (the cmdline or DMI serial form). */
export function parseNoCloudArgs(text: string): Record<string, string> | undefined {
  const token = text.split(/\s+/).find((t) => /^ds=nocloud(-net)?(;|$)/.test(t));
  if (!token) return undefined;
  const out: Record<string, string> = {};
  for (const item of token.split(";").slice(1)) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    const key = item.slice(0, eq);
    setOwn(out, Object.hasOwn(SHORT_KEYS, key) ? SHORT_KEYS[key] : key, item.slice(eq + 1));
  }
  if (!out.dsmode) out.dsmode = token.startsWith("ds=nocloud-net") || /^(https?|ftps?):/.test(out.seedfrom ?? "") ? "net" : "local";
  return out;
}

interface Seed {
  source: string;
  metadata: Record<string, unknown>;
  userData?: Buffer;
  vendorData?: Buffer;
  networkConfig?: unknown;
  networkConfigError?: string;
}

function readSeedDir(host: Host, dir: string): Seed | undefined {
  return seedFromFiles(dir, (name) => host.readBytesIfExists(`${dir}/${name}`));
}

/** A seed directory or a drive's root: meta-data and user-data must both be there. */
function seedFromFiles(source: string, read: (name: string) => Buffer | undefined): Seed | undefined {
  const meta = read("meta-data");
  const user = read("user-data");
  if (meta === undefined || user === undefined) return undefined;
  return {
    source,
    metadata: parseMapping(meta.toString("utf8"), `${source}/meta-data`),
    userData: user,
    vendorData: read("vendor-data"),
    ...networkConfigOf(read("network-config"), `${source}/network-config`),
  };
}

/** A network-config that does not parse costs the network config alone, not the seed. */
function networkConfigOf(data: Buffer | undefined, where: string): Pick<Seed, "networkConfig" | "networkConfigError"> {
  if (data === undefined) return {};
  try {
    return { networkConfig: unwrapNetwork(parseYaml(data.toString("utf8"))) };
  } catch (err) {
    return { networkConfigError: `${where}: invalid YAML: ${(err as Error).message}` };
  }
}

/** `fs_label` (default cidata) in either case, as cloud-init accepts. */
function driveLabels(settings: Record<string, unknown>): string[] {
  const label = typeof settings.fs_label === "string" ? settings.fs_label : "cidata";
  return [label.toLowerCase(), label.toUpperCase()];
}

function parseMapping(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new Error(`${where}: invalid YAML: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw new Error(`${where}: expected a mapping`);
  return value;
}

function unwrapNetwork(value: unknown): unknown {
  return isPlainObject(value) && isPlainObject(value.network) ? value.network : value;
}

function seeds(ctx: DatasourceContext): { seeds: Seed[]; args: Record<string, string> } {
  const { host } = ctx;
  const found: Seed[] = [];
  let args: Record<string, string> = {};
  const serialArgs = parseNoCloudArgs(dmi(host, "product_serial"));
  if (serialArgs) {
    args = { ...serialArgs };
    found.push({ source: "dmi", metadata: { ...serialArgs } });
  }
  const cmdlineArgs = parseNoCloudArgs(ctx.cmdline);
  if (cmdlineArgs) {
    args = { ...cmdlineArgs, ...args };
    found.push({ source: "cmdline", metadata: { ...cmdlineArgs } });
  }
  const dir = SEED_DIRS.map((d) => readSeedDir(host, d)).find(Boolean);
  if (dir) found.push(dir);
  else if (ctx.stage === "local") {
    const drive = readLabelledDrive(host, driveLabels(ctx.settings), ctx.log, (image, device) => seedFromFiles(device, (name) => image.readFile(name)));
    if (drive) found.push(drive);
  }
  const given = typeof ctx.settings.seedfrom === "string" ? ctx.settings.seedfrom : args.seedfrom;
  const seedfrom = given === undefined ? undefined : withDmiValues(ctx.host, given);
  if (seedfrom && /^(\/|file:\/\/)/.test(seedfrom)) {
    const path = seedfrom.replace(/^file:\/\//, "").replace(/\/?$/, "");
    const seed = readSeedDir(host, path);
    if (seed) found.push(seed);
    else ctx.log.warn(`NoCloud seedfrom ${seedfrom}: no meta-data and user-data there`);
  }
  const configured = ctx.settings;
  if (configured["meta-data"] !== undefined && configured["user-data"] !== undefined) {
    found.push({
      source: "ds_config",
      metadata: isPlainObject(configured["meta-data"]) ? configured["meta-data"] : {},
      userData: Buffer.from(String(configured["user-data"])),
    });
  }
  return { seeds: found, args };
}

/** What only `datasource: {NoCloud: ...}` says: a seedfrom, the seed itself, or another drive label. */
function configured(settings: Record<string, unknown>, host: Host): boolean {
  if (typeof settings.seedfrom === "string" || (settings["meta-data"] !== undefined && settings["user-data"] !== undefined)) return true;
  return typeof settings.fs_label === "string" && hasLabelledDrive(host, driveLabels(settings));
}

/** An http(s) `seedfrom` (kernel `s=` or config): read by the network stage only, as cloud-init's NoCloudNet. */
function urlSeedfrom(ctx: DatasourceContext): string | undefined {
  const given = typeof ctx.settings.seedfrom === "string" ? ctx.settings.seedfrom : (parseNoCloudArgs(dmi(ctx.host, "product_serial")) ?? parseNoCloudArgs(ctx.cmdline))?.seedfrom;
  const seedfrom = given === undefined ? undefined : withDmiValues(ctx.host, given);
  if (!seedfrom || !/^https?:\/\//.test(seedfrom)) return undefined;
  // "%s" stands for the file name; otherwise names are appended to a directory URL
  return seedfrom.includes("%s") || seedfrom.includes("?") ? seedfrom : seedfrom.replace(/\/?$/, "/");
}

/** A seed file's URL: the name in place of "%s", or after the directory URL. */
export function seedFileUrl(seedfrom: string, name: string): string {
  return seedfrom.includes("%s") ? seedfrom.replace("%s", name) : `${seedfrom}${name}`;
}

// dmidecode's key names, as __dmi.<key>__ in seedfrom says them, to their /sys/class/dmi/id files
const DMI_FILES: Record<string, string> = {
  "baseboard-asset-tag": "board_asset_tag",
  "baseboard-manufacturer": "board_vendor",
  "baseboard-product-name": "board_name",
  "baseboard-serial-number": "board_serial",
  "baseboard-version": "board_version",
  "bios-release-date": "bios_date",
  "bios-vendor": "bios_vendor",
  "bios-version": "bios_version",
  "chassis-asset-tag": "chassis_asset_tag",
  "chassis-manufacturer": "chassis_vendor",
  "chassis-serial-number": "chassis_serial",
  "chassis-version": "chassis_version",
  "system-manufacturer": "sys_vendor",
  "system-product-name": "product_name",
  "system-serial-number": "product_serial",
  "system-uuid": "product_uuid",
  "system-version": "product_version",
};

/** `__dmi.system-uuid__` and the like replaced by the machine's value (empty when unknown). */
export function withDmiValues(host: DatasourceContext["host"], seedfrom: string): string {
  return seedfrom.replace(/__dmi\.([a-z-]+)__/g, (_, key: string) => (DMI_FILES[key] ? dmi(host, DMI_FILES[key]) : ""));
}

/** meta-data and user-data are required; vendor-data and network-config are optional. */
async function readUrlSeed(url: string, ctx: DatasourceContext): Promise<Seed> {
  const timeoutMs = (Number(ctx.settings.timeout) || 10) * 1000;
  const policy = { retries: 10, delayMs: 1000, deadline: monotonicDeadline((Number(ctx.settings.max_wait) || 60) * 1000) };
  const get = async (name: string, required: boolean) => {
    const fileUrl = seedFileUrl(url, name);
    const meta = name === "meta-data" || name === "network-config";
    const res = await requestWithRetry(fileUrl, { timeoutMs, ...(meta ? { maxBytes: MAX_META_DATA_BYTES } : {}) }, policy);
    if (res.status === 200) return res.body;
    if (required || res.status !== 404) throw new Error(`${fileUrl}: HTTP ${res.status}`);
    return undefined;
  };
  // all fetched at once; every failure is reported, in this order, not whichever came first
  const settled = await Promise.allSettled([get("meta-data", true), get("user-data", true), get("vendor-data", false), get("network-config", false)]);
  const failures = settled.flatMap((r) => (r.status === "rejected" ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
  if (failures.length) throw new Error(failures.join("; "));
  const [meta, user, vendor, network] = settled.map((r) => (r.status === "fulfilled" ? r.value : undefined));
  return seedFromFiles(url, (name) => ({ "meta-data": meta, "user-data": user, "vendor-data": vendor, "network-config": network })[name])!;
}

export const nocloud: Datasource = {
  name: "NoCloud",
  stages: ["local", "network"],
  recognise: RECOGNISE,
  detect(ctx) {
    const here = recognisedBy("NoCloud", RECOGNISE, ctx) !== undefined || configured(ctx.settings, ctx.host);
    // a network seed is for the network stage: the local one leaves it alone
    return here && (ctx.stage === "network" || !urlSeedfrom(ctx));
  },
  async read(ctx): Promise<InstanceData | undefined> {
    const { seeds: found } = seeds(ctx);
    const url = urlSeedfrom(ctx);
    if (url) found.push(await readUrlSeed(url, ctx));
    if (!found.length) return undefined;
    // meta-data: earlier sources win per key; user/vendor/network: the last one wins
    const metadata: Record<string, unknown> = {};
    for (const seed of [...found].reverse()) for (const [key, value] of Object.entries(seed.metadata)) setOwn(metadata, key, value);
    const last = <K extends keyof Seed>(key: K) => [...found].reverse().find((s) => s[key] !== undefined)?.[key];
    const dsmode = (metadata.dsmode as Dsmode | undefined) ?? "net";
    const sources = found.map((s) => s.source);
    const instanceId = String(metadata["instance-id"] ?? "nocloud");
    metadata["instance-id"] = instanceId;
    metadata.dsmode = dsmode;
    const seed = sources.join(",");
    return {
      datasource: "NoCloud",
      description: `DataSourceNoCloud [seed=${seed}]${dsmode === "net" ? "" : `[dsmode=${dsmode}]`}`,
      instanceId,
      localHostname: metadata["local-hostname"] === undefined ? undefined : String(metadata["local-hostname"]),
      publicKeys: publicKeys(metadata["public-keys"]),
      metadata,
      userData: (last("userData") as Buffer | undefined) ?? Buffer.alloc(0),
      vendorData: last("vendorData") as Buffer | undefined,
      ...networkOf(found, metadata),
      dsmode,
      platform: "nocloud",
      subplatform: seed.startsWith("/dev") ? `config-disk (${seed})` : `seed-dir (${seed})`,
      cloudName: "unknown",
      ds: { _doc: DS_DOC, meta_data: metadata },
    };
  },
};

/** The last seed's network-config (or why it is unusable), else the legacy `network-interfaces` (interfaces(5) text) in meta-data. */
function networkOf(found: Seed[], metadata: Record<string, unknown>): Pick<InstanceData, "networkConfig" | "networkFormat" | "networkConfigError"> {
  const seed = [...found].reverse().find((s) => s.networkConfig !== undefined || s.networkConfigError !== undefined);
  if (seed) return { networkConfig: seed.networkConfig, networkConfigError: seed.networkConfigError };
  const legacy = metadata["network-interfaces"];
  return typeof legacy === "string" ? { networkConfig: legacy, networkFormat: "eni" } : {};
}

/** public-keys may be a string, a list, or a map of name -> key(s). */
export function publicKeys(value: unknown): string[] {
  if (typeof value === "string") return value.split("\n").map((k) => k.trim()).filter(Boolean);
  if (Array.isArray(value)) return value.flatMap(publicKeys);
  if (isPlainObject(value)) return Object.values(value).flatMap(publicKeys);
  return [];
}
