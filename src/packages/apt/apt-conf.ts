// The apt.conf.d snippets cloud-init writes: proxies, the user's own `conf:` and pipelining.
// apt.conf strings have no escapes, so a value is refused, never quoted, when it could end its
// string or its statement.
import { AptConfigError } from "./sources";

export const PROXY_FILE = "/etc/apt/apt.conf.d/90cloud-init-aptproxy";
export const CONF_FILE = "/etc/apt/apt.conf.d/94cloud-init-config";
export const PIPELINING_FILE = "/etc/apt/apt.conf.d/90cloud-init-pipelining";

/** A proxy apt's http/https/ftp methods take: a URL without quotes, spaces or statement ends, or DIRECT. */
const PROXY = /^(DIRECT|(https?|socks5h?|ftp):\/\/[^\s"';{}\\]+)$/;

const PROXY_KEYS: [string, string][] = [
  ["proxy", "Acquire::http::Proxy"],
  ["http_proxy", "Acquire::http::Proxy"],
  ["ftp_proxy", "Acquire::ftp::Proxy"],
  ["https_proxy", "Acquire::https::Proxy"],
];

/** The proxy snippet, in cloud-init's order; undefined when no proxy is set. */
export function proxySnippet(apt: Record<string, unknown>): string | undefined {
  const lines: string[] = [];
  for (const [key, option] of PROXY_KEYS) {
    const value = apt[key];
    if (value === undefined || value === null || value === "" || value === false) continue;
    if (typeof value !== "string" || !PROXY.test(value)) throw new AptConfigError(`apt.${key} is not a proxy URL (scheme://[user:password@]host[:port], no quotes or spaces)`);
    lines.push(`${option} "${value}";`);
  }
  return lines.length ? `${lines.join("\n")}\n` : undefined;
}

/** apt_pipelining: false -> depth 0, 0-5 -> that depth, none/unchanged/os -> leave apt's default. */
export function pipeliningSnippet(value: unknown): string | undefined {
  const word = String(value).toLowerCase().trim();
  if (["none", "unchanged", "os"].includes(word)) return undefined;
  const depth = word === "false" ? "0" : /^[0-5]$/.test(word) ? word : undefined;
  if (depth === undefined) throw new AptConfigError('apt_pipelining: expected false, none, unchanged, os or a depth from 0 to 5');
  return `//Written by cloud-agent per 'apt_pipelining'\nAcquire::http::Pipeline-Depth "${depth}";\n`;
}
