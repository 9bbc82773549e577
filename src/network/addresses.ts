// Checks and normalises the addresses, masks and MACs network configs hand us, so every
// parser rejects the same malformed input with the same words.
import { isIPv4, isIPv6 } from "node:net";
import { describe } from "./document";
import type { Route } from "./model";

export interface Cidr {
  address: string;
  prefix: number;
}

/** "a.b.c.d/24", "2001:db8::1/64", or an address with a separate netmask or prefix.
 * Without either, cloud-init assumes /24 for IPv4 and /64 for IPv6. */
export function parseCidr(value: unknown, mask: unknown, where: string): Cidr {
  if (typeof value !== "string" || !value) throw new Error(`${where}: address must be a string, got ${describe(value)}`);
  const [address, inline] = value.split("/", 2);
  const v6 = isIPv6(address);
  if (!v6 && !isIPv4(address)) throw new Error(`${where}: ${describe(value)} is not an IP address`);
  const given = inline ?? mask;
  const prefix = given === undefined || given === null || given === "" ? (v6 ? 64 : 24) : parsePrefix(given, v6, `${where}: ${address}`);
  return { address, prefix };
}

/** A prefix length, or a mask written as an address (255.255.255.0, ffff:ffff::). */
function parsePrefix(value: unknown, v6: boolean, where: string): number {
  const text = String(value);
  const max = v6 ? 128 : 32;
  if (/^\d+$/.test(text)) {
    const prefix = Number(text);
    if (prefix > max) throw new Error(`${where}: prefix ${text} is over ${max}`);
    return prefix;
  }
  const bits = v6 ? ipv6Bits(text) : ipv4Bits(text);
  if (bits === undefined || !/^1*0*$/.test(bits)) throw new Error(`${where}: ${describe(text)} is not a netmask`);
  return bits.indexOf("0") === -1 ? max : bits.indexOf("0");
}

function ipv4Bits(mask: string): string | undefined {
  if (!isIPv4(mask)) return undefined;
  return mask.split(".").map((o) => Number(o).toString(2).padStart(8, "0")).join("");
}

function ipv6Bits(mask: string): string | undefined {
  if (!isIPv6(mask)) return undefined;
  const [head, tail = ""] = mask.split("::");
  const groups = (part: string) => (part ? part.split(":") : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = [...groups(head), ...Array<string>(mask.includes("::") ? missing : 0).fill("0"), ...groups(tail)];
  return all.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
}

export function ipv4Netmask(prefix: number): string {
  const bits = "1".repeat(prefix).padEnd(32, "0");
  return [0, 8, 16, 24].map((i) => parseInt(bits.slice(i, i + 8), 2)).join(".");
}

export function parseIp(value: unknown, where: string): string {
  if (typeof value !== "string" || !(isIPv4(value) || isIPv6(value))) throw new Error(`${where}: ${describe(value)} is not an IP address`);
  return value;
}

/** Lower-case, colon-separated: 6 bytes for Ethernet, 20 for InfiniBand. */
export function parseMac(value: unknown, where: string): string {
  const mac = typeof value === "string" ? value.toLowerCase().replace(/-/g, ":") : "";
  if (!isMac(mac)) throw new Error(`${where}: ${describe(value)} is not a MAC address`);
  return mac;
}

/** In the model's form: lower-case, colon-separated, Ethernet (6 bytes) or InfiniBand (20) unless `ethernetOnly`. */
export function isMac(value: unknown, ethernetOnly = false): value is string {
  return typeof value === "string" && (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(value) || (!ethernetOnly && /^[0-9a-f]{2}(:[0-9a-f]{2}){19}$/.test(value)));
}

/** A route's destination as CIDR; "default" means the whole address family of the gateway. */
export function parseRoute(to: unknown, mask: unknown, via: unknown, metric: unknown, where: string): Route {
  const gateway = via === undefined || via === null ? undefined : parseIp(via, `${where}: gateway`);
  let destination: string;
  if (to === undefined || to === null || to === "") throw new Error(`${where}: a route needs a destination`);
  if (to === "default") destination = gateway && isIPv6(gateway) ? "::/0" : "0.0.0.0/0";
  else {
    const net = parseCidr(to, mask, where);
    destination = `${net.address}/${net.prefix}`;
  }
  const route: Route = { to: destination };
  if (gateway) route.via = gateway;
  if (metric !== undefined && metric !== null) route.metric = parseNumber(metric, `${where}: metric`);
  return route;
}

export function parseNumber(value: unknown, where: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new Error(`${where}: ${describe(value)} is not a whole number`);
  return n;
}

/** A YAML boolean, or a word netplan's parser reads as one (y, n, yes, off, ... in any case;
 * YAML 1.1 leaves y and n strings), or v1's 1 and 0. */
export function parseBoolean(value: unknown, where: string): boolean {
  if (typeof value === "boolean") return value;
  const text = typeof value === "string" || value === 0 || value === 1 ? String(value).toLowerCase() : "";
  if (["true", "yes", "y", "on", "1"].includes(text)) return true;
  if (["false", "no", "n", "off", "0"].includes(text)) return false;
  throw new Error(`${where} must be true or false, got ${describe(value)}`);
}

/** A list of strings, also written as one space- or comma-separated string (v1 habits). */
export function stringList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  throw new Error(`${where}: expected a list of strings, got ${describe(value)}`);
}

/** Whether `ip` lies in address/prefix (both of one family). */
export function inNetwork(ip: string, address: string, prefix: number): boolean {
  const a = toBits(ip);
  const b = toBits(address);
  return a !== undefined && b !== undefined && a.length === b.length && a.slice(0, prefix) === b.slice(0, prefix);
}

function toBits(ip: string): string | undefined {
  return isIPv6(ip) ? ipv6Bits(ip) : ipv4Bits(ip);
}
