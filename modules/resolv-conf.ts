// resolv_conf: with `manage_resolv_conf: true`, writes the resolver configuration from
// `resolv_conf` once per instance: /etc/resolv.conf, or systemd-resolved's resolved.conf on
// Photon and Mariner, from the image's /etc/cloud/templates file or the same layout built in.
import { isIPv4, isIPv6 } from "node:net";
import { isPlainObject } from "../src/config/yaml";
import type { Distro } from "../src/system/distro";
import { validHostname } from "../src/system/hostname";
import type { CloudConfigModule } from "../src/module";
import { keyName } from "../src/network/document";
import { renderJinja } from "../src/userdata/jinja";

/** What the templates read: each key only when given (they test `is defined`). */
export interface ResolvParams {
  nameservers?: string[];
  searchdomains?: string[];
  domain?: string;
  sortlist?: string[];
  /** Options with a value ("ndots": "2"); cloud-init's templates sort them by name. */
  options: Record<string, string>;
  /** Options given as true, in the order given; false ones are left out. */
  flags: string[];
}

interface Target {
  file: string;
  template: string;
  render(params: ResolvParams): string;
}

const HEADER = "# Written by cloud-agent from resolv_conf in cloud-config, because manage_resolv_conf\n# is true; it is written once per instance.\n";

const RESOLV_CONF: Target = { file: "/etc/resolv.conf", template: "resolv.conf.tmpl", render: renderResolvConf };
const RESOLVED_CONF: Target = { file: "/etc/systemd/resolved.conf", template: "systemd.resolved.conf.tmpl", render: renderResolvedConf };
// cloud-init's Photon and Mariner distros point resolve_conf_fn at systemd-resolved's file
const RESOLVED_DISTROS = ["photon", "mariner"];

/** The options resolv.conf(5) (glibc) knows; others are written with a warning. */
const KNOWN_OPTIONS = ["debug", "ndots", "timeout", "attempts", "rotate", "no-aaaa", "no-check-names", "inet6", "ip6-bytestring", "ip6-dotint", "no-ip6-dotint", "edns0", "single-request", "single-request-reopen", "no-tld-query", "use-vc", "no-reload", "trust-ad"];
const OPTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const OPTION_VALUE = /^[A-Za-z0-9_.-]+$/;
/** address[/netmask], the netmask dotted or one number (as inet_aton reads it). */
const SORTLIST_ENTRY = /^([0-9.]+)(?:\/([0-9.]+))?$/;

const LIST = { type: "array" as const, items: { type: "string" as const } };

export const resolvConf: CloudConfigModule = {
  name: "resolv_conf",
  frequency: "once-per-instance",
  idempotent: true,
  // cloud-init 22.4.2's list (elsewhere, as on Debian and Ubuntu, resolvconf or systemd-resolved
  // own the file), with the os-release IDs of the SUSE systems its "opensuse" and "sles" cover
  distros: ["alpine", "fedora", "mariner", "opensuse", "photon", "rhel", "sles", "opensuse-leap", "opensuse-tumbleweed", "opensuse-microos", "sle_hpc", "sle-micro"],
  activateBy: ["manage_resolv_conf"],
  schema: {
    properties: {
      manage_resolv_conf: { type: "boolean" },
      resolv_conf: {
        type: "object",
        additionalProperties: false,
        properties: { nameservers: LIST, searchdomains: LIST, domain: { type: "string" }, sortlist: LIST, options: { type: "object" } },
      },
    },
  },
  async run({ host, config, distro, log }) {
    if (!cloudInitTrue(config.manage_resolv_conf)) return { skipped: "manage_resolv_conf is not true" };
    if (config.resolv_conf === undefined || config.resolv_conf === null) {
      log.warn("manage_resolv_conf is true, but there is no resolv_conf to write");
      return { skipped: "no resolv_conf" };
    }
    if (!isPlainObject(config.resolv_conf)) throw new Error("resolv_conf: expected a mapping");
    const { params, problems } = resolvParams(config.resolv_conf);
    problems.forEach((p) => log.warn(p));
    const target = targetFor(distro);
    // cloud-init writes through a link (into systemd-resolved's or resolvconf's file, which
    // they rewrite): a link is left to what owns it
    const link = host.readlink(target.file);
    if (link !== undefined) throw new Error(`${target.file} is a symlink to ${link}, which another service manages: not written (remove the link to let resolv_conf write the file)`);
    const template = host.readTextIfExists(`/etc/cloud/templates/${target.template}`);
    const text = template !== undefined ? renderJinja(template, { ...params }, { plain: true }).text : target.render(params);
    host.writeAtomic(target.file, text, 0o644);
    log.info(`${target.file} written${template !== undefined ? ` from /etc/cloud/templates/${target.template}` : ""}`);
  },
};

function targetFor(distro: Distro): Target {
  return RESOLVED_DISTROS.includes(distro.name) ? RESOLVED_CONF : RESOLV_CONF;
}

/** cloud-init's get_cfg_option_bool: true, or "true", "yes", "on", "1" in any case. */
function cloudInitTrue(value: unknown): boolean {
  return value === true || (typeof value !== "boolean" && ["true", "yes", "on", "1"].includes(String(value).trim().toLowerCase()));
}

/** The settings checked against resolv.conf's grammar; what fails is left out and named. */
export function resolvParams(settings: Record<string, unknown>): { params: ResolvParams; problems: string[] } {
  const problems: string[] = [];
  const params: ResolvParams = { options: {}, flags: [] };
  const list = (key: "nameservers" | "searchdomains" | "sortlist", valid: (entry: string) => boolean, what: string) => {
    const value = settings[key];
    if (value === undefined || value === null) return;
    if (!Array.isArray(value)) return problems.push(`resolv_conf.${key}: expected a list; left out`);
    const kept = value.filter((entry, i) => {
      const ok = typeof entry === "string" && valid(entry);
      if (!ok) problems.push(`resolv_conf.${key}[${i}] is not ${what}; left out`);
      return ok;
    });
    if (kept.length) params[key] = kept;
  };
  list("nameservers", (s) => isIPv4(s) || isIPv6(s), "an IP address");
  list("searchdomains", isDomain, "a domain name");
  list("sortlist", isSortlistEntry, "an IPv4 address[/netmask]");
  const domain = settings.domain;
  if (typeof domain === "string" && isDomain(domain)) params.domain = domain;
  else if (domain !== undefined && domain !== null) problems.push("resolv_conf.domain is not a domain name; left out");
  const options = settings.options ?? {};
  if (!isPlainObject(options)) problems.push("resolv_conf.options: expected a mapping; left out");
  else {
    for (const [name, value] of Object.entries(options)) {
      const where = `resolv_conf.options.${keyName(name)}`;
      if (!OPTION_NAME.test(name)) {
        problems.push(`${where}: not an option name; left out`);
        continue;
      }
      if (value === true) params.flags.push(name);
      else if ((typeof value === "string" || typeof value === "number") && OPTION_VALUE.test(String(value))) params.options[name] = String(value);
      else if (value !== false) {
        problems.push(`${where}: the value is not a word or a number; left out`);
        continue;
      }
      if (!KNOWN_OPTIONS.includes(name)) problems.push(`${where}: not an option resolv.conf(5) knows; written anyway`);
    }
  }
  if ((params.nameservers?.length ?? 0) > 3) problems.push("resolv_conf.nameservers: the resolver reads only the first 3");
  return { params, problems };
}

function isDomain(name: string): boolean {
  return validHostname(name) !== undefined;
}

function isSortlistEntry(entry: string): boolean {
  const m = SORTLIST_ENTRY.exec(entry);
  return !!m && isIPv4(m[1]) && (m[2] === undefined || isIPv4(m[2]) || (/^[0-9]+$/.test(m[2]) && Number(m[2]) <= 0xffffffff));
}

/**
 * resolv.conf in the layout of cloud-init's resolv.conf.tmpl (blank lines where it has them),
 * without the blanks it leaves at the end of the search and sortlist lines.
 */
export function renderResolvConf(p: ResolvParams): string {
  let text = HEADER;
  if (p.nameservers) text += `${p.nameservers.map((n) => `nameserver ${n}\n`).join("")}\n`;
  if (p.searchdomains) text += `search ${p.searchdomains.join(" ")}\n`;
  if (p.domain !== undefined) text += `domain ${p.domain}\n`;
  if (p.sortlist) text += `\nsortlist ${p.sortlist.join(" ")}`;
  const options = Object.keys(p.options)
    .sort()
    .map((k) => `${k}:${p.options[k]}`);
  if (p.flags.length || options.length) text += `\noptions ${[...p.flags, ...options].join(" ")}`;
  return `${text}\n`;
}

/** resolved.conf in the layout of cloud-init's systemd.resolved.conf.tmpl: servers and search domains only. */
export function renderResolvedConf(p: ResolvParams): string {
  return `${HEADER}[Resolve]\nLLMNR=false\n${p.nameservers ? `DNS=${p.nameservers.join(" ")}` : ""}\n${p.searchdomains ? `Domains=${p.searchdomains.join(" ")}` : ""}\n`;
}
