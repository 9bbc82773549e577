// The network config document itself, with or without its `network:` key, as cloud-init
// accepts it from cloud.cfg, seeds and the kernel command line.
import { isPlainObject } from "../config/yaml";

export function networkDocument(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new Error(`network config must be a mapping, got ${describe(value)}`);
  const inner = value.network;
  return isPlainObject(inner) && !("version" in value) ? inner : value;
}

/** Words a message may quote: what a config says goes to the log and the world-readable
 * status, so anything else is named by its place and kind only. */
const PLAIN = /^[A-Za-z0-9_.:/+@-]{1,64}$/;

/** A value for a message: a plain word quoted, anything else by its kind. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string" && !PLAIN.test(value)) return "a string";
  return typeof value === "object" ? "a mapping" : JSON.stringify(value);
}

/** A mapping key (a device id, an option name) as a message names it: as written when plain,
 * else quoted as JSON (no raw control character reaches a log line) and shortened. */
export function keyName(key: string): string {
  return PLAIN.test(key) ? key : JSON.stringify(key.slice(0, 64));
}

/**
 * An interface name of letters, digits and "_.@+-" only: names end up in ifupdown's post-up
 * shell lines and udev rules, so "$(...)" or a newline, which the kernel would allow, is
 * refused. (Its 15-byte limit is the kernel's to enforce: OpenStack link ids used as
 * provisional names are longer and give way to the kernel's names.) Globs only in a match.
 */
export function interfaceName(value: unknown, where: string, glob = false): string {
  if (!isInterfaceName(value, glob)) throw new Error(`${where}: ${describe(value)} is not an interface name`);
  return value;
}

export function isInterfaceName(value: unknown, glob = false): value is string {
  const pattern = glob ? /^[A-Za-z0-9_.@+*?[\]-]+$/ : /^[A-Za-z0-9_.@+-]+$/;
  return typeof value === "string" && pattern.test(value) && value !== "." && value !== "..";
}

/** An address label as the kernel takes it: an interface name, optionally ":" and a suffix,
 * 15 bytes in all. */
export function addressLabel(value: unknown, where: string): string {
  if (!isAddressLabel(value)) throw new Error(`${where}: ${describe(value)} is not an address label (name or name:suffix, up to 15 characters)`);
  return value;
}

export function isAddressLabel(value: unknown): value is string {
  return typeof value === "string" && value.length <= 15 && /^[A-Za-z0-9_.@+-]+(:[A-Za-z0-9_.@+-]+)?$/.test(value);
}

/** A DNS search domain: labels of letters, digits, "-" and "_" (nothing a config file could misread). */
export function domainName(value: string, where: string): string {
  if (!isDomainName(value)) throw new Error(`${where}: ${describe(value)} is not a domain name`);
  return value;
}

export function isDomainName(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(value);
}

export function optionalMapping(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new Error(`${where} must be a mapping, got ${describe(value)}`);
  return value;
}

export function optionalList(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${where} must be a list, got ${describe(value)}`);
  return value;
}

export function addUnique(list: string[], values: string[]): void {
  for (const v of values) if (!list.includes(v)) list.push(v);
}
