// apt_configure: where apt gets packages from. debconf selections; unless
// preserve_sources_list (Debian's cloud.cfg sets it), the main source list rendered for the
// chosen primary/security mirrors with their keys; proxies and `conf:` as apt.conf.d snippets
// (removed when unset); `sources:` entries as .list files with their keys; then the package
// index refreshed once, so packages: installs from the configured mirror. Keys are read
// in-process (no gpg, never apt-key) and a key fetched by id must be the key asked for.
import { isPlainObject } from "../src/config/yaml";
import type { Host } from "../src/host/host";
import type { Logger } from "../src/log/logger";
import { currentHostname, resolveNames } from "../src/system/hostname";
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { CONF_FILE, PROXY_FILE, proxySnippet } from "../src/packages/apt/apt-conf";
import { DEFAULT_KEYSERVER, fetchKey } from "../src/packages/apt/keyserver";
import { dnsCandidates, firstResolvable } from "../src/packages/apt/mirror-search";
import { dearmor, KeyError } from "../src/packages/apt/openpgp";
import {
  AptConfigError,
  checkMirrorUri,
  checkOneLineEntry,
  checkSourceList,
  DEBIAN_DEB822_TEMPLATE,
  DEBIAN_LIST_TEMPLATE,
  DEBIAN_MIRRORS,
  disableSuites,
  isDeb822,
  keyStem,
  type Mirrors,
  mirrorFor,
  renderSourcesTemplate,
  sourceFile,
  SUITE,
  systemMirrors,
  templateVariables,
} from "../src/packages/apt/sources";
import { refreshPackageIndex } from "../src/packages/package-manager";
import { RUN_DIR } from "../src/state/paths";

const SOURCES_LIST = "/etc/apt/sources.list";
const DEB822_SOURCES = "/etc/apt/sources.list.d/debian.sources";
const TRUSTED_DIR = "/etc/apt/trusted.gpg.d";
/** Keys a source names itself with [signed-by=$KEY_FILE]: not trusted for every other source. */
const SIGNED_BY_DIR = "/etc/apt/cloud-init.gpg.d";
/** cloud-init's: "ppa:foo" and "cloud-archive:bar" go to add-apt-repository. */
const ADD_APT_REPO_MATCH = "^[\\w-]+:\\w";
const SOURCE_BYTES = 4096;

const MIRROR_SCHEMA = {
  type: "array" as const,
  items: {
    type: "object" as const,
    properties: {
      arches: { type: "array" as const, items: { type: "string" as const } },
      uri: { type: "string" as const },
      search: { type: "array" as const, items: { type: "string" as const } },
      search_dns: { type: "boolean" as const },
      keyid: { type: "string" as const },
      key: { type: "string" as const },
      keyserver: { type: "string" as const },
    },
    required: ["arches"],
  },
};

export const aptConfigure: CloudConfigModule = {
  name: "apt_configure",
  frequency: "once-per-instance",
  idempotent: true, // every file is written whole; `append` adds a line only when it is missing
  distros: ["debian", "ubuntu"],
  schema: {
    properties: {
      apt: {
        type: "object",
        properties: {
          preserve_sources_list: { type: "boolean" },
          disable_suites: { type: "array", items: { type: "string" } },
          primary: MIRROR_SCHEMA,
          security: MIRROR_SCHEMA,
          add_apt_repo_match: { type: "string" },
          debconf_selections: { type: "object", additionalProperties: { type: "string" } },
          sources_list: { type: "string" },
          conf: { type: "string" },
          proxy: { type: "string" },
          http_proxy: { type: "string" },
          https_proxy: { type: "string" },
          ftp_proxy: { type: "string" },
          sources: {
            type: "object",
            additionalProperties: {
              type: "object",
              properties: {
                source: { type: "string" },
                keyid: { type: "string" },
                key: { type: "string" },
                keyserver: { type: "string" },
                filename: { type: "string" },
                append: { type: "boolean" },
              },
            },
          },
        },
      },
      apt_sources: { deprecated: "apt_sources is deprecated: use apt.sources" },
      apt_mirror: { type: "string", deprecated: "apt_mirror is deprecated: use apt.primary" },
      apt_proxy: { type: "string", deprecated: "apt_proxy is deprecated: use apt.proxy" },
      apt_http_proxy: { type: "string", deprecated: "apt_http_proxy is deprecated: use apt.http_proxy" },
      apt_https_proxy: { type: "string", deprecated: "apt_https_proxy is deprecated: use apt.https_proxy" },
      apt_ftp_proxy: { type: "string", deprecated: "apt_ftp_proxy is deprecated: use apt.ftp_proxy" },
      apt_preserve_sources_list: { type: "boolean", deprecated: "apt_preserve_sources_list is deprecated: use apt.preserve_sources_list" },
      apt_custom_sources_list: { type: "string", deprecated: "apt_custom_sources_list is deprecated: use apt.sources_list" },
    },
  },
  async run(ctx) {
    const { host, log } = ctx;
    if (!host.which("apt-get")) return { skipped: "no apt-get in this image" };
    const apt = aptSettings(ctx.config);
    const problems: string[] = [];
    const attempt = async (what: string, work: () => Promise<void> | void) => {
      try {
        await work();
      } catch (err) {
        if (!(err instanceof AptConfigError || err instanceof KeyError)) throw err;
        problems.push(`${what}: ${err.message}`);
      }
    };
    await attempt("apt.debconf_selections", () => debconfSelections(host, apt.debconf_selections));
    // mirrors and release only matter to a source list or `sources:` (a first boot with
    // Debian's defaults spends nothing on them)
    const needsMirrors = apt.preserve_sources_list !== true || isPlainObject(apt.sources);
    const release = needsMirrors ? releaseName(host) : "";
    let mirrors: Mirrors = DEBIAN_MIRRORS;
    if (needsMirrors) {
      const arch = await dpkgArchitecture(host);
      await attempt("apt mirrors", async () => {
        mirrors = await chooseMirrors(ctx, apt, arch);
      });
    }
    if (apt.preserve_sources_list !== true) {
      await attempt("apt.primary/apt.security keys", () => mirrorKeys(host, apt));
      await attempt("apt.sources_list", () => writeSourceList(host, log, apt, mirrors, release));
    }
    await attempt("apt proxy", () => {
      const proxies = proxySnippet(apt);
      // a proxy with a password is root's alone (apt's other users are only warned they cannot read it)
      replaceSnippet(host, log, PROXY_FILE, proxies, proxies && /:\/\/[^/\s"]*@/.test(proxies) ? 0o600 : 0o644);
    });
    await attempt("apt.conf", () => aptConf(host, log, apt.conf));
    if (isPlainObject(apt.sources)) {
      await attempt("apt.sources", () => addSources(ctx, apt, mirrors, release, problems));
      await refreshPackageIndex(host, "apt", ctx.instance.instanceId, ctx.output);
    }
    // each refused setting was left out and the rest applied: degraded, not failed
    for (const problem of problems) log.warn(problem);
  },
};

/** cloud-init's older spellings (top-level apt_* keys, the apt_sources list) moved under `apt:`. */
function aptSettings(config: Record<string, unknown>): Record<string, unknown> {
  const apt: Record<string, unknown> = isPlainObject(config.apt) ? { ...config.apt } : {};
  const renamed: [string, string][] = [
    ["apt_proxy", "proxy"],
    ["apt_http_proxy", "http_proxy"],
    ["apt_https_proxy", "https_proxy"],
    ["apt_ftp_proxy", "ftp_proxy"],
    ["apt_preserve_sources_list", "preserve_sources_list"],
    ["apt_custom_sources_list", "sources_list"],
    ["add_apt_repo_match", "add_apt_repo_match"],
  ];
  for (const [old, key] of renamed) if (config[old] !== undefined && config[old] !== null && config[old] !== "" && apt[key] === undefined) apt[key] = config[old];
  if (typeof config.apt_mirror === "string" && apt.primary === undefined) apt.primary = [{ arches: ["default"], uri: config.apt_mirror }];
  if (config.apt_sources !== undefined && apt.sources === undefined) {
    const list = config.apt_sources;
    if (Array.isArray(list)) {
      const sources: Record<string, unknown> = {};
      list.forEach((entry, i) => {
        if (!isPlainObject(entry)) return;
        const name = typeof entry.filename === "string" ? entry.filename : "cloud_config_sources.list";
        sources[typeof entry.filename === "string" ? name : `${name}#${i}`] = { filename: name, ...entry };
      });
      apt.sources = sources;
    } else if (isPlainObject(list)) apt.sources = list;
  }
  return apt;
}

/** The codename apt's suites are named after (cloud-init asks lsb_release). */
function releaseName(host: Host): string {
  const osRelease = host.readTextIfExists("/etc/os-release") ?? "";
  const codename = /^VERSION_CODENAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? "";
  if (!SUITE.test(codename)) throw new Error("/etc/os-release names no VERSION_CODENAME; apt's suites cannot be named");
  return codename;
}

async function dpkgArchitecture(host: Host): Promise<string> {
  const arch = (await host.runChecked(["dpkg", "--print-architecture"])).stdout.trim();
  if (!/^[a-z0-9-]+$/.test(arch)) throw new Error("dpkg --print-architecture printed no architecture name");
  return arch;
}

/**
 * apt.primary/security: the entry for the architecture gives `uri`, else the first `search`
 * candidate whose host resolves, else (search_dns) a <distro>-mirror name in the machine's
 * domain; security defaults to primary; then system_info.package_mirrors, then Debian's.
 */
async function chooseMirrors(ctx: ModuleContext, apt: Record<string, unknown>, arch: string): Promise<Mirrors> {
  const pick = async (key: "primary" | "security") => {
    const entry = mirrorFor(apt[key], arch);
    if (!entry) return undefined;
    if (entry.uri !== undefined) return checkMirrorUri(entry.uri, `apt.${key} uri`);
    const found = Array.isArray(entry.search) ? await firstResolvable(entry.search.map(String)) : undefined;
    if (found) return checkMirrorUri(found, `apt.${key} search`);
    if (entry.search_dns !== true) return undefined;
    let fqdn = "";
    try {
      fqdn = resolveNames(ctx.config, ctx.instance, currentHostname(ctx.host)).fqdn;
    } catch {
      // a host name the hostname modules refuse (and report) gives no domain to search in
    }
    const viaDns = await firstResolvable(dnsCandidates(ctx.distro.name, key, fqdn));
    return viaDns && checkMirrorUri(viaDns, `apt.${key} search_dns`);
  };
  const primary = await pick("primary");
  const security = await pick("security");
  if (primary) return { PRIMARY: primary, SECURITY: security ?? primary };
  const systemInfo = ctx.config.system_info;
  const fallback = systemMirrors(isPlainObject(systemInfo) ? systemInfo.package_mirrors : undefined, arch) ?? DEBIAN_MIRRORS;
  return { PRIMARY: fallback.PRIMARY, SECURITY: security ?? fallback.SECURITY };
}

async function mirrorKeys(host: Host, apt: Record<string, unknown>): Promise<void> {
  for (const key of ["primary", "security"] as const) {
    for (const entry of Array.isArray(apt[key]) ? apt[key] : []) {
      if (isPlainObject(entry)) await installKey(host, entry, key, `apt.${key}`, false);
    }
  }
}

/** The key of an entry (`key`, or `keyid` from its keyserver) in apt's key directory; its path, or undefined when the entry has none. */
async function installKey(host: Host, entry: Record<string, unknown>, stem: string, where: string, signedBy: boolean): Promise<string | undefined> {
  let keyring: Buffer;
  try {
    if (typeof entry.key === "string") keyring = dearmor(entry.key);
    else if (typeof entry.keyid === "string") keyring = await fetchKey(typeof entry.keyserver === "string" ? entry.keyserver : DEFAULT_KEYSERVER, entry.keyid);
    else return undefined;
  } catch (err) {
    throw new KeyError(`${where} key ${(err as Error).message}`);
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:+-]*$/.test(stem)) throw new AptConfigError(`${where}: the key file name must be letters, digits and "_.:+-"`);
  const path = `${signedBy ? SIGNED_BY_DIR : TRUSTED_DIR}/${stem}.gpg`;
  host.mkdirp(signedBy ? SIGNED_BY_DIR : TRUSTED_DIR);
  host.writeAtomic(path, keyring, 0o644);
  return path;
}

function writeSourceList(host: Host, log: Logger, apt: Record<string, unknown>, mirrors: Mirrors, release: string): void {
  // an image that keeps its sources as deb822 (Debian 12's debian.sources) keeps that form
  const deb822Image = host.exists(DEB822_SOURCES) && !activeLines(host.readTextIfExists(SOURCES_LIST) ?? "");
  const template =
    typeof apt.sources_list === "string" && apt.sources_list.trim()
      ? apt.sources_list
      : deb822Image
        ? (host.readTextIfExists("/etc/cloud/templates/sources.list.debian.deb822.tmpl") ?? DEBIAN_DEB822_TEMPLATE)
        : (host.readTextIfExists("/etc/cloud/templates/sources.list.debian.tmpl") ?? DEBIAN_LIST_TEMPLATE);
  const rendered = renderSourcesTemplate(template, templateVariables(mirrors, release));
  const suites = Array.isArray(apt.disable_suites) ? apt.disable_suites.map(String) : [];
  const text = disableSuites(rendered, suites, release);
  checkSourceList(text, "apt.sources_list");
  if (isDeb822(text)) {
    host.writeAtomic(DEB822_SOURCES, text, 0o644);
    if (host.exists(SOURCES_LIST)) {
      // one list only: apt would read every source twice and warn about it
      host.remove(SOURCES_LIST);
      log.info(`removed ${SOURCES_LIST}: the sources are in ${DEB822_SOURCES}`);
    }
  } else {
    host.writeAtomic(SOURCES_LIST, text, 0o644);
    if (deb822Image) log.warn(`apt.sources_list is one-line entries: written to ${SOURCES_LIST}, next to ${DEB822_SOURCES}`);
  }
}

function activeLines(text: string): boolean {
  return text.split("\n").some((l) => l.trim() && !l.trimStart().startsWith("#"));
}

/** Writes the snippet, or removes a snippet left by an earlier instance when it is unset. */
function replaceSnippet(host: Host, log: Logger, path: string, text: string | undefined, mode = 0o644): void {
  if (text !== undefined) host.writeAtomic(path, text, mode);
  else if (host.exists(path)) {
    host.remove(path);
    log.info(`removed ${path}: nothing is configured for it`);
  }
}

/** `apt.conf` is apt.conf syntax given whole: apt-config reads it before it is installed. */
async function aptConf(host: Host, log: Logger, conf: unknown): Promise<void> {
  if (typeof conf !== "string" || !conf.trim()) return replaceSnippet(host, log, CONF_FILE, undefined);
  const text = conf.endsWith("\n") ? conf : `${conf}\n`;
  // checked outside apt.conf.d: apt reads any file there, so a check killed midway must not leave one
  const candidate = `${RUN_DIR}/tmp/apt-conf-check`;
  host.mkdirp(`${RUN_DIR}/tmp`, 0o700);
  host.writeAtomic(candidate, text, 0o600, { thisBootOnly: true });
  try {
    const checked = await host.run(["apt-config", "-c", candidate, "dump"], { timeoutMs: 30_000 });
    if (checked.code !== 0) throw new AptConfigError(`apt-config refuses it: ${checked.stderr.trim().split("\n")[0] ?? `exit ${checked.code}`}`);
  } finally {
    host.remove(candidate);
  }
  host.mkdirp("/etc/apt/apt.conf.d");
  host.writeAtomic(CONF_FILE, text, 0o644);
}

async function debconfSelections(host: Host, selections: unknown): Promise<void> {
  if (!isPlainObject(selections) || !Object.keys(selections).length) return;
  const text = Object.keys(selections)
    .sort()
    .map((k) => String(selections[k]).replace(/\n+$/, ""))
    .join("\n");
  if (text.includes("\0")) throw new AptConfigError("holds a NUL byte");
  const result = await host.run(["debconf-set-selections"], { input: `${text}\n`, timeoutMs: 60_000 });
  if (result.code !== 0) throw new AptConfigError(`debconf-set-selections refused them: ${result.stderr.trim().split("\n")[0] ?? `exit ${result.code}`}`);
}

/** One entry of `sources:` after another; a bad entry is reported and the others still go in. */
async function addSources(ctx: ModuleContext, apt: Record<string, unknown>, mirrors: Mirrors, release: string, problems: string[]): Promise<void> {
  const { host } = ctx;
  const sources = apt.sources as Record<string, unknown>;
  const match = typeof apt.add_apt_repo_match === "string" ? apt.add_apt_repo_match : ADD_APT_REPO_MATCH;
  let matcher: RegExp;
  try {
    matcher = new RegExp(match);
  } catch {
    throw new AptConfigError("add_apt_repo_match is not a regular expression");
  }
  const written = new Set<string>();
  // by name, as cloud-init reads them back from its key-sorted cloud-config.txt
  for (const [name, entry] of Object.entries(sources).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const where = `apt.sources.${name}`;
    try {
      if (!isPlainObject(entry)) throw new AptConfigError(`${where} must be a mapping`);
      const filename = typeof entry.filename === "string" ? entry.filename : name;
      const source = typeof entry.source === "string" ? entry.source : undefined;
      const keyFile = await installKey(host, entry, keyStem(filename), where, source?.includes("$KEY_FILE") === true);
      if (source === undefined) continue;
      if (source.length > SOURCE_BYTES) throw new AptConfigError(`${where}.source is longer than ${SOURCE_BYTES} characters`);
      const line = renderSourcesTemplate(source, templateVariables(mirrors, release, keyFile ? { KEY_FILE: keyFile } : {})).trim();
      if (matcher.test(line)) {
        if (!host.which("add-apt-repository")) throw new AptConfigError(`${where}.source is for add-apt-repository, which is not in this image`);
        if (line.includes("\n") || line.startsWith("-")) throw new AptConfigError(`${where}.source is not one add-apt-repository line`);
        await host.runChecked(["add-apt-repository", "--no-update", line], { timeoutMs: 120_000 });
        continue;
      }
      checkOneLineEntry(line, `${where}.source`);
      const path = sourceFile(filename, `${where}.filename`);
      const appendTo = entry.append !== false || written.has(path) ? host.readTextIfExists(path) : undefined;
      const lines = (appendTo ?? "").split("\n").filter((l) => l !== "");
      // an entry already there (an earlier instance, or the same line twice) is not added again
      if (!lines.includes(line)) lines.push(line);
      host.writeAtomic(path, `${lines.join("\n")}\n`, 0o644);
      written.add(path);
    } catch (err) {
      const message = (err as Error).message;
      problems.push(message.startsWith(where) ? message : `${where}: ${message}`);
    }
  }
}
