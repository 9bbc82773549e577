// Which hostname and FQDN the configuration asks for (cloud-init's get_hostname_fqdn), and
// how /etc/hostname and the running name are set. Shared by set_hostname, update_hostname
// and update_etc_hosts.
import * as os from "node:os";
import type { Config } from "../config/load";
import type { Host } from "../host/host";
import type { InstanceData } from "../datasources/types";
import type { Distro } from "./distro";
import { DATA_DIR } from "../state/paths";

export interface Names {
  hostname: string;
  fqdn: string;
  /** Nothing named the machine: it fell back to "localhost". */
  isDefault: boolean;
}

/**
 * fqdn key > a dotted hostname key > the datasource's local-hostname > the current name.
 * A name from user-data or meta-data that is not a valid host name throws, naming the key.
 */
export function resolveNames(config: Config, instance: InstanceData, current: string): Names {
  const configured = (key: string) => (typeof config[key] === "string" && config[key] ? checkedHostname(String(config[key]), key) : undefined);
  const fqdnKey = configured("fqdn");
  const hostKey = configured("hostname");
  if (fqdnKey) return { fqdn: fqdnKey, hostname: hostKey ?? fqdnKey.split(".")[0], isDefault: false };
  if (hostKey?.includes(".")) return { fqdn: hostKey, hostname: hostKey.split(".")[0], isDefault: false };
  const local = instance.localHostname ? checkedHostname(fromMetadata(instance.localHostname), "local-hostname (meta-data)") : undefined;
  const fallback = current || "localhost";
  const fqdn = local ?? fallback;
  return { fqdn, hostname: hostKey ?? fqdn.split(".")[0], isDefault: !local && !hostKey && fallback === "localhost" };
}

/** An IPv4 address as local-hostname becomes ip-a-b-c-d (cloud-init's rule). */
export function fromMetadata(name: string): string {
  return /^\d+\.\d+\.\d+\.\d+$/.test(name) ? `ip-${name.replace(/\./g, "-")}` : name;
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * The name as an RFC 1123 host name (dot-separated labels of 1-63 letters, digits and "-",
 * not starting or ending with "-", at most 253 characters), or undefined. One trailing dot
 * (the DNS root) is dropped. Underscores are refused: they are not valid in host names, and
 * hostnamectl and /etc/hosts resolvers disagree about them.
 */
export function validHostname(name: string): string | undefined {
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  if (!bare || bare.length > 253) return undefined;
  return bare.split(".").every((label) => LABEL.test(label)) ? bare : undefined;
}

/** Values in messages go to status, which every user reads: name the key, not the value. */
function checkedHostname(name: string, key: string): string {
  const valid = validHostname(name);
  if (valid === undefined) throw new Error(`${key} is not a valid host name (RFC 1123: labels of letters, digits and "-", at most 63 characters each and 253 in all); not applied`);
  return valid;
}

/** The names a hostname module should apply, or why it should do nothing. */
export function namesToApply(host: Host, config: Config, instance: InstanceData): Names | { skipped: string } {
  if (config.preserve_hostname === true) return { skipped: "preserve_hostname is set" };
  const names = resolveNames(config, instance, currentHostname(host));
  if (names.isDefault && names.hostname === "localhost") return { skipped: "no hostname given; leaving localhost" };
  return names;
}

export function preferFqdn(config: Config, distro: Distro): boolean {
  const value = config.prefer_fqdn_over_hostname;
  return typeof value === "boolean" ? value : distro.preferFqdnDefault;
}

/** The name /etc/hostname and the kernel get. */
export function nameToWrite(names: Names, config: Config, distro: Distro): string {
  return preferFqdn(config, distro) && names.fqdn ? names.fqdn : names.hostname;
}

export const HOSTNAME_FILE = "/etc/hostname";
export const SET_HOSTNAME_FILE = `${DATA_DIR}/set-hostname`;
export const PREVIOUS_HOSTNAME_FILE = `${DATA_DIR}/previous-hostname`;

/** The one name line of /etc/hostname, comments and blank lines kept. */
export function readHostnameFile(host: Host): string | undefined {
  const text = host.readTextIfExists(HOSTNAME_FILE);
  return text?.split("\n").map((l) => l.trim()).find((l) => l && !l.startsWith("#"));
}

export function writeHostnameFile(host: Host, name: string): void {
  const text = host.readTextIfExists(HOSTNAME_FILE) ?? "";
  const lines = text.split("\n").filter((l, i, all) => !(i === all.length - 1 && l === ""));
  const at = lines.findIndex((l) => l.trim() && !l.trim().startsWith("#"));
  if (at >= 0) lines[at] = name;
  else lines.push(name);
  host.writeAtomic(HOSTNAME_FILE, `${lines.join("\n")}\n`);
}

/**
 * Sets the running hostname. Only on the live system: under --root, chroot shares this
 * machine's UTS namespace, and its hostname is not ours to change. When systemd-hostnamed
 * already runs, it is told (hostnamectl), so what it reports stays true; it is not started
 * for this (early in boot that would cost a D-Bus activation), the kernel is told directly.
 */
export async function applyRunningHostname(host: Host, name: string): Promise<void> {
  if (host.root !== "/") return;
  const hostnamed = host.exists("/run/systemd/units/invocation:systemd-hostnamed.service") && host.which("hostnamectl");
  if (hostnamed) {
    const result = await host.run(["hostnamectl", "set-hostname", "--transient", name], { timeoutMs: 10_000 });
    if (result.code === 0) return;
  }
  await host.runChecked(["hostname", name]);
}

export function currentHostname(host: Host): string {
  return host.root === "/" ? os.hostname() : (readHostnameFile(host) ?? "");
}
