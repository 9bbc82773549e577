// The network stage's user-data work (cloud-init's consume_data): keep the raw data, process
// user- and vendor-data, write cloud-config.txt and scripts, and run boothooks.
import type { InstanceData } from "../datasources/types";
import type { Config } from "../config/load";
import { mergeConfigs } from "../config/merge";
import { isPlainObject, toYaml } from "../config/yaml";
import { describeError } from "../log/logger";
import { CLOUD_DIR, instancePath } from "../state/paths";
import type { FileToWrite, Host } from "../host/host";
import { requestWithRetry } from "../http/client";
import { monotonicDeadline } from "../host/clock";
import { INSTANCE_DATA_SENSITIVE } from "../state/instance-data";
import { MAX_INCLUDED_BYTES, processUserData, type Script, type UserDataEnv } from "../userdata/process";
import type { StageEnv } from "./env";
import { instanceIdLine } from "../state/instance";
import { digestOf, forgetRecord, unchangedSinceRecorded, writeRecord, type ProcessingInputs } from "./user-data-record";

export async function consumeUserData(env: StageEnv, data: InstanceData): Promise<void> {
  const { host, log } = env;
  const iid = data.instanceId;
  const inputs: ProcessingInputs = {
    streams: [data.userData, data.vendorData, data.vendorData2],
    systemSettings: { vendor_data: env.config.vendor_data, vendor_data2: env.config.vendor_data2 },
    instanceData: host.readTextIfExists(INSTANCE_DATA_SENSITIVE),
  };
  if (unchangedSinceRecorded(host, iid, inputs)) {
    log.info("user-data and vendor-data unchanged since they were processed on an earlier boot; their cloud-config and scripts are kept");
    return;
  }
  forgetRecord(host, iid);
  const warningsBefore = env.sink.records.length;
  const out = new Outputs(host);
  out.write(instancePath(iid, "user-data.txt"), data.userData);
  out.write(instancePath(iid, "vendor-data.txt"), data.vendorData ?? Buffer.alloc(0));
  out.write(instancePath(iid, "vendor-data2.txt"), data.vendorData2 ?? Buffer.alloc(0));

  const used: Used = { fetched: false, instanceData: false };
  const sources = userDataEnv(env, iid, inputs.instanceData, used);
  const user = await processUserData(data.userData, "user-data", sources);
  // user-data the user wrote but that could not be used is a partial failure (degraded)
  for (const problem of user.problems) log.error(problem);
  out.write(instancePath(iid, "user-data.txt.i"), user.processed);
  writeCloudConfig(env, out, instancePath(iid, "cloud-config.txt"), user.cloudConfig);
  writeScripts(env, out, instancePath(iid, "scripts"), user.scripts.filter((s) => s.frequency === "user"));
  out.writeAll(user.scripts.filter((s) => s.frequency !== "user").map((s) => ({ path: `${CLOUD_DIR}/scripts/${s.frequency}/${s.filename}`, data: s.content, mode: 0o700 })));

  // vendor-data, then OpenStack's dynamic vendor_data2 (which outranks it in the merged config);
  // the image (system config) or user-data can turn each off or disable part types
  const vendor = await consumeVendorData(env, out, iid, data.vendorData, "vendor-data", vendorDataSetting("vendor_data", user.cloudConfig, env.config), sources);
  const vendor2 = await consumeVendorData(env, out, iid, data.vendorData2, "vendor-data2", vendorDataSetting("vendor_data2", user.cloudConfig, env.config), sources);
  writeCloudConfig(env, out, instancePath(iid, "vendor-cloud-config.txt"), vendor?.cloudConfig ?? {});
  writeCloudConfig(env, out, instancePath(iid, "vendor2-cloud-config.txt"), vendor2?.cloudConfig ?? {});
  writeScripts(env, out, instancePath(iid, "scripts/vendor"), [...(vendor?.scripts ?? []), ...(vendor2?.scripts ?? [])]);

  const boothooks = [...(vendor?.boothooks ?? []), ...(vendor2?.boothooks ?? []), ...user.boothooks];
  for (const hook of boothooks) await runBoothook(env, iid, hook);
  // the record last, after every file it vouches for
  const dependedOnlyOnInputs = !used.fetched && !boothooks.length && env.sink.records.length === warningsBefore;
  if (dependedOnlyOnInputs) writeRecord(host, iid, inputs, used.instanceData, out.digests, [instancePath(iid, "scripts"), instancePath(iid, "scripts/vendor")]);
}

/** The files one processing writes, as it writes them (root-owned, 0600 unless said). */
class Outputs {
  readonly digests = new Map<string, string>();

  constructor(private readonly host: Host) {}

  write(path: string, data: string | Uint8Array, mode = 0o600): void {
    this.host.writeAtomic(path, data, mode);
    this.digests.set(path, digestOf(data));
  }

  writeAll(files: FileToWrite[]): void {
    this.host.writeAtomicAll(files);
    for (const file of files) this.digests.set(file.path, digestOf(file.data));
  }
}

/** One vendor-data stream processed like user-data (vendor-data.txt.i / vendor-data2.txt.i). */
async function consumeVendorData(env: StageEnv, out: Outputs, iid: string, raw: Buffer | undefined, name: "vendor-data" | "vendor-data2", setting: VendorDataSetting, sources: UserDataEnv) {
  if (setting.off && raw?.length) env.log[setting.off.level](`${name} not consumed: ${setting.off.reason}`);
  const skip = (type: string, where: string) => {
    const listed = disablingType(setting.disabledTypes, type);
    if (listed) env.log.info(`${where}: ${type} is disabled by ${setting.key}.disabled_handlers (${listed}); part skipped`);
    return listed !== undefined;
  };
  const processed = !setting.off && raw?.length ? await processUserData(raw, name, { ...sources, skip }) : undefined;
  for (const problem of processed?.problems ?? []) env.log.error(problem);
  out.write(instancePath(iid, `${name}.txt.i`), processed?.processed ?? Buffer.alloc(0));
  return processed;
}

export interface VendorDataSetting {
  key: "vendor_data" | "vendor_data2";
  /** Why the stream is not consumed at all (info when asked for, warning when the setting is invalid). */
  off?: { level: "info" | "warn"; reason: string };
  /** Content types whose parts are skipped. */
  disabledTypes: Set<string>;
}

/** The values cloud-init's is_true accepts (case-insensitive, trimmed); anything else is off. */
const TRUE_WORDS = ["true", "yes", "on", "1"];

/**
 * vendor_data / vendor_data2 from user-data over the system config, merged as the modules see
 * them but without vendor-data's own cloud-config (it cannot turn itself on). Absent means on;
 * a present value fails closed: not a mapping, an `enabled` that is not clearly true, or a
 * disabled_handlers that is not a list of content types turns the stream off.
 */
export function vendorDataSetting(key: "vendor_data" | "vendor_data2", userConfig: Config, systemConfig: Config): VendorDataSetting {
  const setting: VendorDataSetting = { key, disabledTypes: new Set() };
  // the default sits under the system config, not under the merge: a user-data mapping
  // without `enabled` over an image's `vendor_data: false` must stay off
  const only = (config: Config) => (Object.hasOwn(config, key) ? { [key]: config[key] } : {});
  const system = mergeConfigs([only(systemConfig), { [key]: { enabled: true } }]);
  const value = mergeConfigs([only(userConfig), system])[key];
  const fromUser = (field?: string) => {
    const own = userConfig[key];
    return Object.hasOwn(userConfig, key) && (field === undefined || !isPlainObject(own) || Object.hasOwn(own, field));
  };
  const origin = (field?: string) => (fromUser(field) ? "user-data" : "the system config");
  if (!isPlainObject(value)) {
    setting.off = { level: "warn", reason: `${key} in ${origin()} is ${kindOf(value)}, not a mapping` };
    return setting;
  }
  const enabled = value.enabled;
  if (enabled === undefined) {
    // only a user-data mapping over a system value that is not a mapping lacks `enabled`
    setting.off = { level: "warn", reason: `${key} in user-data has no enabled, and ${key} in the system config is not a mapping` };
    return setting;
  }
  const isTrue = enabled === true || ((typeof enabled === "string" || typeof enabled === "number") && TRUE_WORDS.includes(String(enabled).trim().toLowerCase()));
  if (!isTrue) {
    setting.off = { level: enabled === false ? "info" : "warn", reason: `${key}.enabled in ${origin("enabled")} is ${kindOf(enabled)}; only true, "true", "yes", "on" or "1" turn it on` };
    return setting;
  }
  const handlers = value.disabled_handlers ?? [];
  const types = typeof handlers === "string" ? [handlers] : handlers;
  if (!Array.isArray(types) || !types.every((t) => typeof t === "string")) {
    setting.off = { level: "warn", reason: `${key}.disabled_handlers in ${origin("disabled_handlers")} is ${kindOf(handlers)}, not a list of content types` };
    return setting;
  }
  for (const type of types) setting.disabledTypes.add(type.trim().toLowerCase());
  return setting;
}

/**
 * The listed type that disables a part's type. Beyond cloud-init's exact match, a type also
 * covers its variants (text/x-shellscript the -per-boot/-per-instance/-per-once scripts,
 * text/cloud-config the -jsonp patches), so vendor-data cannot slip past the list.
 */
export function disablingType(disabled: ReadonlySet<string>, type: string): string | undefined {
  return [...disabled].find((listed) => type === listed || type.startsWith(`${listed}-`));
}

/** What a setting holds, without quoting a string from user-data. */
function kindOf(value: unknown): string {
  if (value === null || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (isPlainObject(value)) return "a mapping";
  return `a ${typeof value}`;
}

/** What processing took from outside the recorded inputs (see ./user-data-record). */
interface Used {
  fetched: boolean;
  instanceData: boolean;
}

/** How parts reach the outside: #include URLs (include-once kept per instance) and instance data. */
function userDataEnv(env: StageEnv, iid: string, instanceDataText: string | undefined, used: Used): UserDataEnv {
  let instanceData: Record<string, unknown> | undefined;
  return {
    instanceData: () => {
      used.instanceData = true;
      if (instanceDataText !== undefined) instanceData ??= JSON.parse(instanceDataText) as Record<string, unknown>;
      return instanceData;
    },
    fetch: async (url, once) => {
      used.fetched = true;
      const cached = instancePath(iid, `data/urlcache/${digestOf(url)}`);
      if (once) {
        const kept = env.host.readBytesIfExists(cached);
        if (kept) return kept;
      }
      const body = url.startsWith("file://") ? readIncludedFile(env, url.slice("file://".length)) : await fetchBody(url);
      if (once) env.host.writeAtomic(cached, body, 0o600);
      return body;
    },
  };
}

/** A file:// include: a regular file no larger than all includes together may be (/dev/zero never ends). */
function readIncludedFile(env: StageEnv, path: string): Buffer {
  const st = env.host.statFollow(path);
  if (!st?.isFile()) throw new Error(st ? "not a regular file" : "no such file");
  if (st.size > MAX_INCLUDED_BYTES) throw new Error(`larger than ${MAX_INCLUDED_BYTES} bytes; refused`);
  return env.host.readBytes(path);
}

async function fetchBody(url: string): Promise<Buffer> {
  if (!/^https?:\/\//.test(url)) throw new Error("only http(s):// and file:// URLs can be included");
  const res = await requestWithRetry(url, { timeoutMs: 10_000 }, { retries: 2, delayMs: 1000, deadline: monotonicDeadline(30_000) });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return res.body;
}

function writeCloudConfig(env: StageEnv, out: Outputs, path: string, config: Record<string, unknown>): void {
  const body = Object.keys(config).length ? toYaml(config) : "{}\n";
  out.write(path, `#cloud-config\n${body}`);
  env.yamlCache.prime(path, config);
}

/** Scripts of this boot replace those of the last: the directory is rewritten each boot. */
function writeScripts(env: StageEnv, out: Outputs, dir: string, scripts: Script[]): void {
  for (const name of env.host.list(dir)) {
    if (name.startsWith("part-") || scripts.some((s) => s.filename === name)) env.host.remove(`${dir}/${name}`);
  }
  // one sync for the lot: 10,000 parts took 8 s with an fsync each, 0.6 s this way
  out.writeAll(scripts.map((s) => ({ path: `${dir}/${s.filename}`, data: s.content, mode: 0o700 })));
}

async function runBoothook(env: StageEnv, iid: string, hook: Script): Promise<void> {
  const path = instancePath(iid, `boothooks/${hook.filename}`);
  env.host.writeAtomic(path, hook.content, 0o700);
  try {
    await env.host.runChecked([path], { env: { INSTANCE_ID: instanceIdLine(iid) }, onOutput: (c) => env.sink.output(c), what: `boothook ${hook.filename}`, quoteOutput: false });
  } catch (err) {
    env.log.child("boothook").error(describeError(err));
  }
}
