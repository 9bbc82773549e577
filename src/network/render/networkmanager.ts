// NetworkManager keyfiles: one connection profile per interface, members pointing at their
// master's profile by UUID. UUIDs are derived from the interface name, as cloud-init's are,
// so writing the same config twice yields the same profiles.
import { createHash } from "node:crypto";
import { isIpv6 } from "../model";
import type { NetInterface, NetworkModel } from "../model";
import { inWriteOrder, masterOf, nameIn, nameserversFor, oneLine, routesFor } from "./common";
import type { RenderedFile } from "./common";

const DIR = "/etc/NetworkManager/system-connections";
/** cloud-init's namespace for profile UUIDs: keeps them stable across both tools. */
const UUID_NAMESPACE = "a3924cb8-09e0-43e9-890b-77972a800108";
const HEADER = "# Written by cloud-init; changes made here are lost when it writes the profile again.\n\n";
const TYPES = { physical: "ethernet", bond: "bond", vlan: "vlan", bridge: "bridge" } as const;

type Section = [title: string, entries: Array<[string, string]>];

export function renderNetworkManager(model: NetworkModel): RenderedFile[] {
  return inWriteOrder(model).map((iface) => {
    const name = nameIn("network-manager", iface.name);
    const entry = ([key, value]: [string, string]) => `${keyName(key, name)}=${keyfileValue(value, `network-manager: ${key} of ${name}`)}\n`;
    return {
      path: `${DIR}/cloud-init-${name}.nmconnection`,
      content: HEADER + profile(model, iface).map(([title, entries]) => `[${title}]\n${entries.map(entry).join("")}`).join("\n"),
      mode: 0o600,
    };
  });
}

function keyName(key: string, name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`network-manager: a setting of ${name} has a key that is not a plain name`);
  return key;
}

/** A GKeyFile string: a backslash is doubled and a leading blank is written \s (else it is lost);
 * a control character is refused, as every renderer refuses it. */
function keyfileValue(value: string, where: string): string {
  return oneLine(value, where).replace(/\\/g, "\\\\").replace(/^ /, "\\s");
}

function profileUuid(name: string): string {
  const hash = createHash("sha1").update(Buffer.from(UUID_NAMESPACE.replace(/-/g, ""), "hex")).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function profile(model: NetworkModel, iface: NetInterface): Section[] {
  const type = TYPES[iface.type];
  const connection: Array<[string, string]> = [["id", `cloud-init ${iface.name}`], ["uuid", profileUuid(iface.name)], ["type", type]];
  // A NIC is found by its MAC; everything else by name.
  if (iface.type !== "physical" || !iface.mac) connection.push(["interface-name", iface.name]);
  const master = masterOf(model, iface);
  if (master) connection.push(["slave-type", master.type], ["master", profileUuid(master.name)]);
  const sections: Section[] = [["connection", connection], ["user", [["org.freedesktop.NetworkManager.origin", "cloud-init"]]]];
  const ethernet: Array<[string, string]> = [];
  if (iface.mac) ethernet.push([iface.type === "physical" ? "mac-address" : "cloned-mac-address", iface.mac.toUpperCase()]);
  if (iface.mtu !== undefined) ethernet.push(["mtu", String(iface.mtu)]);
  if (iface.type === "bond") sections.push(["bond", Object.entries(iface.params).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)])]);
  if (iface.type === "vlan") sections.push(["vlan", [["id", String(iface.id)], ["parent", model.interfaces.some((i) => i.name === iface.link) ? profileUuid(iface.link) : iface.link]]]);
  if (iface.type === "bridge") sections.push(["bridge", bridgeEntries(iface.params)]);
  if (iface.type === "physical" || ethernet.length) sections.push(["ethernet", ethernet]);
  return [...sections, ...addressing(model, iface)];
}

function bridgeEntries(p: Extract<NetInterface, { type: "bridge" }>["params"]): Array<[string, string]> {
  const entries: Array<[string, number | boolean | undefined]> = [
    ["stp", p.stp],
    ["priority", p.priority],
    ["forward-delay", p.forwardDelay],
    ["hello-time", p.helloTime],
    ["max-age", p.maxAge],
    ["ageing-time", p.ageingTime],
  ];
  return entries.flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]]));
}

/** [ipv4] and [ipv6]: a section for each family the interface has subnets or name servers in. */
function addressing(model: NetworkModel, iface: NetInterface): Section[] {
  // A device that only carries others (a bond under a vlan) must not fall back to NM's DHCP default.
  if (!iface.subnets.length && !masterOf(model, iface)) return [["ipv4", [["method", "disabled"]]], ["ipv6", [["method", "ignore"]]]];
  const dns = nameserversFor(model, iface);
  const routes = routesFor(model, iface);
  return (["ipv4", "ipv6"] as const).flatMap((family): Section[] => {
    const v6 = family === "ipv6";
    const subnets = iface.subnets.filter((s) => (s.type === "static" ? isIpv6(s.address) === v6 : (s.type === "dhcp4") !== v6));
    const servers = dns.addresses.filter((a) => isIpv6(a) === v6);
    if (!subnets.length && !servers.length) return [];
    const dynamic = subnets.some((s) => s.type !== "static");
    const entries: Array<[string, string]> = [["method", !subnets.length ? "disabled" : dynamic ? "auto" : "manual"]];
    if (subnets.length) entries.push(["may-fail", "false"]);
    let n = 0;
    for (const s of subnets) {
      if (s.type === "static") entries.push([`address${++n}`, `${s.address}/${s.prefix}`]);
      if (s.type === "static" && s.gateway) entries.push(["gateway", s.gateway]);
      if ((s.type === "dhcp4" || s.type === "dhcp6") && s.routeMetric !== undefined) entries.push(["route-metric", String(s.routeMetric)]);
    }
    for (const [i, r] of routes.filter((r) => isIpv6(r.to) === v6).entries()) {
      const via = r.via ?? (v6 ? "::" : "0.0.0.0");
      entries.push([`route${i + 1}`, [r.to, ...(r.via || r.metric !== undefined ? [via] : []), ...(r.metric !== undefined ? [String(r.metric)] : [])].join(",")]);
    }
    if (servers.length) entries.push(["dns", `${servers.join(";")};`]);
    // Search domains go with the first family that has the interface's addressing.
    const firstFamily = iface.subnets.some((s) => (s.type === "static" ? !isIpv6(s.address) : s.type === "dhcp4")) ? "ipv4" : "ipv6";
    if (dns.search.length && family === firstFamily) entries.push(["dns-search", `${dns.search.join(";")};`]);
    return [[family, entries]];
  });
}
