// EC2 and clouds that speak its metadata paths. Identified locally first (DMI/hypervisor
// uuid, sys_vendor, or configuration) so a guest elsewhere never waits on the network; then
// IMDSv2 (token PUT, token on every GET) with plain GETs where the service has no token
// endpoint (EC2-compatible clouds), the API version chosen in one round of parallel probes,
// and the meta-data tree crawled level by level in parallel. The token is never logged.
import { monotonicDeadline } from "../host/clock";
import { DEFAULT_MAX_BODY_BYTES, HttpError, requestWithRetry, type HttpResponse, type RetryPolicy } from "../http/client";
import { containerName } from "../host/container";
import type { Host } from "../host/host";
import { isPlainObject, MAX_NESTING, parseJson, PROTOTYPE_KEYS } from "../config/yaml";
import { dmiField, matchingFile, recognisedBy, type FileRule, type Recognition } from "./recognise";
import { MAX_META_DATA_BYTES, type Datasource, type DatasourceContext, type InstanceData } from "./types";

const DEFAULT_URLS = ["http://169.254.169.254", "http://[fd00:ec2::254]"];
const API_VERSIONS = ["2021-03-23", "2018-09-24", "2016-09-02"];
const FALLBACK_VERSION = "2009-04-04";
const TOKEN_TTL = "21600";
const CRAWL_CONCURRENCY = 16;

/** cloud-init's identify_platform for AWS: a uuid starting "ec2" in either byte order, or the vendor. */
const AWS_IDENTITY: FileRule[] = [
  { path: "/sys/hypervisor/uuid", globs: ["[eE][cC]2*"] },
  dmiField("product_uuid", ["[eE][cC]2*", "????2[0-9a-fA-F][eE][cC]-*"]),
  dmiField("sys_vendor", ["Amazon EC2"]),
];
const RECOGNISE: Recognition = { files: AWS_IDENTITY };

function identifyAws(host: Host): boolean {
  return matchingFile(host, AWS_IDENTITY) !== undefined;
}

interface Ec2Settings {
  urls: string[];
  timeoutMs: number;
  maxWaitMs: number;
  retries: number;
  /** cloud-agent's own key: requests in flight during the crawl (1 = cloud-init's sequential crawl). */
  crawlConcurrency: number;
}

function settingsOf(ctx: DatasourceContext): Ec2Settings {
  const s = ctx.settings;
  const num = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : d);
  const urls = Array.isArray(s.metadata_urls) && s.metadata_urls.length ? s.metadata_urls.map(String) : DEFAULT_URLS;
  return { urls, timeoutMs: num(s.timeout, 50) * 1000, maxWaitMs: num(s.max_wait, 240) * 1000, retries: num(s.retries, 5), crawlConcurrency: Math.max(1, num(s.crawl_concurrency, CRAWL_CONCURRENCY)) };
}

/** Not on AWS, only an explicit choice makes us ask (besides naming Ec2 alone): strict_id false, or metadata_urls. */
function configuredForEc2(ctx: DatasourceContext): boolean {
  const strict = ctx.settings.strict_id;
  return strict === false || String(strict).toLowerCase() === "false" || Array.isArray(ctx.settings.metadata_urls);
}

export const ec2: Datasource = {
  name: "Ec2",
  // cloud-init's Ec2Local (over an ephemeral lease, AWS only) and Ec2
  stages: ["local", "network"],
  recognise: RECOGNISE,
  detect: (ctx) =>
    ctx.stage === "local" ? identifyAws(ctx.host) && !containerName(ctx.host) : recognisedBy("Ec2", RECOGNISE, ctx) !== undefined || configuredForEc2(ctx),
  read: (ctx) => ctx.withNetwork(() => crawlService(ctx)),
};

async function crawlService(ctx: DatasourceContext): Promise<InstanceData> {
  const aws = identifyAws(ctx.host);
  const settings = settingsOf(ctx);
  const client = await connect(ctx, settings, aws);
  const version = await pickVersion(client);
  const limit = limiter(settings.crawlConcurrency);
  const [metadata, userData, identity] = await Promise.all([
    crawl(client, `${version}/meta-data/`, limit),
    limit(() => optional(client, `${version}/user-data`, DEFAULT_MAX_BODY_BYTES)),
    aws ? limit(() => identityDocument(client, version)) : undefined,
  ]);
  const data = toInstanceData(client, version, metadata, userData, identity, aws);
  // str(ds) names the class that found it, as cloud-init's status and logs do
  return ctx.stage === "local" ? { ...data, description: "DataSourceEc2Local" } : data;
}

interface Client {
  base: string;
  /** maxBytes: MAX_META_DATA_BYTES unless said otherwise. */
  get(path: string, maxBytes?: number): Promise<HttpResponse>;
}

/** Finds the first metadata URL that answers, with a token where the service hands one out. */
async function connect(ctx: DatasourceContext, settings: Ec2Settings, aws: boolean): Promise<Client> {
  const deadline = monotonicDeadline(settings.maxWaitMs);
  const policy = { retries: settings.retries, delayMs: 1000, deadline };
  const perRequest = Math.min(settings.timeoutMs, 5000);
  const problems: string[] = [];
  while (!deadline.passed()) {
    for (const base of settings.urls) {
      try {
        let token = await fetchToken(base, perRequest, policy, aws);
        if (!token) ctx.log.info(`${base}: no token endpoint; using plain GETs`);
        const attempt = (path: string, maxBytes: number) =>
          requestWithRetry(`${base}/${path}`, { headers: token ? { "X-aws-ec2-metadata-token": token } : {}, timeoutMs: perRequest, maxBytes }, policy);
        // a 401 means the token expired: fetch a new one once
        const get = async (path: string, maxBytes = MAX_META_DATA_BYTES): Promise<HttpResponse> => {
          const res = await attempt(path, maxBytes);
          if (res.status !== 401 || !token) return res;
          token = await fetchToken(base, perRequest, policy, aws);
          return attempt(path, maxBytes);
        };
        ctx.log.info(`using metadata service ${base}${token ? " with an IMDSv2 token" : ""}`);
        return { base, get };
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    await new Promise((r) => setTimeout(r, Math.min(1000, deadline.left())));
  }
  throw new Error(`no metadata service answered within ${settings.maxWaitMs / 1000} s: ${[...new Set(problems)].slice(-3).join("; ")}`);
}

/**
 * IMDSv2's token. On AWS it is mandatory (no IMDSv1 fallback, as cloud-init); elsewhere a
 * service that answers the PUT with anything but a token has none, and plain GETs follow.
 * Throws only when nothing answered (or AWS refused), so the caller tries again.
 */
async function fetchToken(base: string, timeoutMs: number, policy: RetryPolicy, aws: boolean): Promise<string | undefined> {
  const url = `${base}/latest/api/token`;
  let res: HttpResponse;
  try {
    res = await requestWithRetry(url, { method: "PUT", headers: { "X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL }, timeoutMs, maxBytes: MAX_META_DATA_BYTES }, { ...policy, retries: 0 });
  } catch (err) {
    if (aws || (err as HttpError).status === undefined) throw err;
    return undefined;
  }
  const token = res.status === 200 ? res.body.toString("utf8").trim() : "";
  if (token) return token;
  if (aws) throw new HttpError(`${url}: HTTP ${res.status}, no IMDSv2 token; AWS requires one`, res.status);
  return undefined;
}

/** The newest API version whose instance-id answers, probed all at once. */
async function pickVersion(client: Client): Promise<string> {
  const answers = await Promise.allSettled(API_VERSIONS.map((v) => client.get(`${v}/meta-data/instance-id`)));
  const version = API_VERSIONS.find((_, i) => {
    const a = answers[i];
    return a.status === "fulfilled" && a.value.status === 200;
  });
  if (version) return version;
  // a service that fails every probe (5xx, resets) says so, rather than "not found"
  const failure = answers.find((a) => a.status === "rejected");
  if (failure && answers.every((a) => a.status === "rejected")) throw failure.reason;
  const res = await client.get(`${FALLBACK_VERSION}/meta-data/instance-id`);
  if (res.status !== 200) throw new Error(`${client.base}: meta-data/instance-id answers HTTP ${res.status} for every API version`);
  return FALLBACK_VERSION;
}

/** The meta-data tree: one round trip per level, the entries of a level fetched together. */
async function crawl(client: Client, dir: string, limit: Limiter, depth = 1): Promise<Record<string, unknown>> {
  // a service that lists a directory inside every directory would be crawled forever
  if (depth > MAX_NESTING) throw new Error(`${client.base}/${dir}: meta-data directories nested deeper than ${MAX_NESTING} levels`);
  const listing = await limit(() => mustGet(client, dir));
  const out: Record<string, unknown> = {};
  const entries = listing.toString("utf8").split("\n").map((l) => l.trim()).filter(Boolean);
  await Promise.all(
    entries.map(async (entry) => {
      if (entry === "security-credentials/" || entry === "security-credentials") return;
      const key = /^\d+=(.+)$/.exec(entry);
      const name = key ? key[1] : entry.replace(/\/$/, "");
      // a listed name is a key of our tree: one that reaches a prototype is no meta-data
      if (PROTOTYPE_KEYS.has(name)) return;
      if (key) out[name] = leafValue(await limit(() => mustGet(client, `${dir}${entry.split("=")[0]}/openssh-key`)));
      else if (entry.endsWith("/")) out[name] = await crawl(client, `${dir}${entry}`, limit, depth + 1);
      else out[name] = leafValue(await limit(() => mustGet(client, `${dir}${entry}`)));
    }),
  );
  return out;
}

async function mustGet(client: Client, path: string): Promise<Buffer> {
  const res = await client.get(path);
  if (res.status !== 200) throw new Error(`${client.base}/${path}: HTTP ${res.status}`);
  return res.body;
}

async function optional(client: Client, path: string, maxBytes: number): Promise<Buffer> {
  const res = await client.get(path, maxBytes);
  if (res.status === 404) return Buffer.alloc(0);
  if (res.status !== 200) throw new Error(`${client.base}/${path}: HTTP ${res.status}`);
  return res.body;
}

async function identityDocument(client: Client, version: string): Promise<Record<string, unknown>> {
  const path = `${version}/dynamic/instance-identity/document`;
  const text = (await mustGet(client, path)).toString("utf8");
  let doc: unknown;
  try {
    doc = parseJson(text);
  } catch (err) {
    throw new Error(`${client.base}/${path}: not a JSON document (${(err as Error).message})`);
  }
  if (!isPlainObject(doc)) throw new Error(`${client.base}/${path}: not a JSON object`);
  return doc;
}

/** Leaves: a JSON object stays an object, several lines become a list, else a string. */
export function leafValue(body: Buffer): unknown {
  const text = body.toString("utf8");
  if (text.startsWith("{")) {
    try {
      return parseJson(text);
    } catch {
      return text;
    }
  }
  return text.includes("\n") ? text.split("\n") : text;
}

type Limiter = <T>(job: () => Promise<T>) => Promise<T>;

/** At most `max` requests in flight; the rest wait their turn in order. */
function limiter(max: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (active >= max) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function toInstanceData(client: Client, version: string, metadata: Record<string, unknown>, userData: Buffer, identity: Record<string, unknown> | undefined, aws: boolean): InstanceData {
  const instanceId = String(identity?.instanceId ?? metadata["instance-id"] ?? "");
  if (!instanceId) throw new Error(`${client.base}: meta-data has no instance-id`);
  const placement = isPlainObject(metadata.placement) ? metadata.placement : {};
  const az = String(identity?.availabilityZone ?? placement["availability-zone"] ?? "") || undefined;
  const region = String(identity?.region ?? (az ? az.slice(0, -1) : "")) || undefined;
  const keys = isPlainObject(metadata["public-keys"]) ? Object.values(metadata["public-keys"]).flat().map(String) : [];
  return {
    datasource: "Ec2",
    description: "DataSourceEc2",
    instanceId,
    localHostname: typeof metadata["local-hostname"] === "string" ? metadata["local-hostname"] : undefined,
    publicKeys: keys.filter(Boolean),
    metadata,
    userData,
    networkConfig: metadata,
    networkFormat: "ec2",
    dsmode: "net",
    platform: "ec2",
    subplatform: `metadata (${client.base})`,
    cloudName: aws ? "aws" : "unknown",
    region,
    availabilityZone: az,
    ds: { "meta-data": metadata, dynamic: identity ? { "instance-identity": { document: identity } } : {}, _metadata_api_version: version },
  };
}
