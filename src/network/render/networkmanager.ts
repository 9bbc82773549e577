// NetworkManager keyfiles: one connection profile per interface, members pointing at their
// master's profile by UUID. UUIDs are derived from the interface name, as cloud-init's are,
// so writing the same config twice yields the same profiles.
import { createHash } from "node:crypto";
import { isDefaultRoute, isIpv6 } from "../model";
import type { BondInterface, DhcpSubnet, NetInterface, NetworkModel, Subnet } from "../model";
import { DHCP_OVERRIDE_KEYS } from "../v2";
import { bondWord } from "../validate";
import { gatewayRoutes, inWriteOrder, isOnLink, masterOf, nameIn, nameserversFor, oneLine, routesFor, unexpressed } from "./common";
import type { RenderOptions, RenderedFile } from "./common";

const DIR = "/etc/NetworkManager/system-connections";
/** cloud-init's namespace for profile UUIDs: keeps them stable across both tools. */
const UUID_NAMESPACE = "a3924cb8-09e0-43e9-890b-77972a800108";
const HEADER = "# Written by cloud-init; changes made here are lost when it writes the profile again.\n\n";
const TYPES = { physical: "ethernet", bond: "bond", vlan: "vlan", bridge: "bridge" } as const;

type Section = [title: string, entries: Array<[string, string]>];

export function renderNetworkManager(model: NetworkModel, options: RenderOptions = {}): RenderedFile[] {
  return inWriteOrder(model).map((iface) => {
    const name = nameIn("network-manager", iface.name);
    const entry = ([key, value]: [string, string]) => `${keyName(key, name)}=${keyfileValue(value, `network-manager: ${key} of ${name}`)}\n`;
    return {
      path: `${DIR}/cloud-init-${name}.nmconnection`,
      content: HEADER + profile(model, iface, options).map(([title, entries]) => `[${title}]\n${entries.map(entry).join("")}`).join("\n"),
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

function profile(model: NetworkModel, iface: NetInterface, options: RenderOptions): Section[] {
  const infiniband = iface.type === "physical" && iface.infiniband;
  const type = infiniband ? "infiniband" : TYPES[iface.type];
  const connection: Array<[string, string]> = [["id", `cloud-init ${iface.name}`], ["uuid", profileUuid(iface.name)], ["type", type]];
  // A NIC is found by its MAC; everything else by name.
  if (iface.type !== "physical" || !iface.mac) connection.push(["interface-name", iface.name]);
  const master = masterOf(model, iface);
  if (master) connection.push(["slave-type", master.type], ["master", profileUuid(master.name)]);
  const sections: Section[] = [["connection", connection], ["user", [["org.freedesktop.NetworkManager.origin", "cloud-init"]]]];
  const ethernet: Array<[string, string]> = [];
  if (iface.mac) ethernet.push([iface.type === "physical" ? "mac-address" : "cloned-mac-address", iface.mac.toUpperCase()]);
  if (iface.type === "physical" && iface.setMac) ethernet.push(["cloned-mac-address", iface.setMac.toUpperCase()]);
  if (iface.mtu !== undefined) ethernet.push(["mtu", String(iface.mtu)]);
  // NM_SETTING_WIRED_WAKE_ON_LAN_MAGIC
  if (iface.type === "physical" && iface.wakeOnLan) ethernet.push(["wake-on-lan", "64"]);
  if (iface.type === "bond") sections.push(["bond", bondEntries(iface, options)]);
  if (iface.type === "vlan") sections.push(["vlan", [["id", String(iface.id)], ["parent", model.interfaces.some((i) => i.name === iface.link) ? profileUuid(iface.link) : iface.link]]]);
  if (iface.type === "bridge") sections.push(["bridge", bridgeEntries(iface.params)]);
  if (infiniband) sections.push(["infiniband", [["transport-mode", "datagram"], ...ethernet]]);
  else if (iface.type === "physical" || ethernet.length) sections.push(["ethernet", ethernet]);
  // NetworkManager-wait-online waits for every profile that activates at boot
  if (iface.optional) unexpressed(options, "network-manager", iface.name, "optional");
  return [...sections, ...addressing(model, iface, options)];
}

/** Options NetworkManager refuses the whole profile for outside these modes (the kernel
 * ignores them there); without `mode` the bond is balance-rr. */
const MODE_BOUND: Record<string, string[]> = {
  lacp_rate: ["802.3ad"],
  primary: ["active-backup", "balance-tlb", "balance-alb"],
};

function bondEntries(bond: BondInterface, options: RenderOptions): Array<[string, string]> {
  const mode = String(bondWord("mode", bond.params.mode ?? "balance-rr"));
  return Object.entries(bond.params).flatMap(([key, value]): Array<[string, string]> => {
    if (Object.hasOwn(MODE_BOUND, key) && !MODE_BOUND[key].includes(mode)) {
      unexpressed(options, "network-manager", bond.name, `bond option ${key} in mode ${mode}`);
      return [];
    }
    return [[key, Array.isArray(value) ? value.join(",") : String(value)]];
  });
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

type Family = "ipv4" | "ipv6";

const familyOf = (subnet: Subnet): Family => (subnet.type === "static" ? (isIpv6(subnet.address) ? "ipv6" : "ipv4") : subnet.type === "dhcp4" ? "ipv4" : "ipv6");

/** NM's method for a family's subnets: "dhcp" is DHCPv6 without SLAAC, "auto" follows router
 * advertisements (and DHCPv4 for ipv4), "manual" static addresses only. */
function method(family: Family, subnets: Subnet[], iface: NetInterface, options: RenderOptions): string {
  // accept-ra alone asks for SLAAC
  if (!subnets.length) return family === "ipv6" && iface.acceptRa ? "auto" : "disabled";
  if (family === "ipv4") return subnets.some((s) => s.type === "dhcp4") ? "auto" : "manual";
  const dynamic = subnets.filter((s) => s.type !== "static");
  if (!dynamic.length) return iface.acceptRa ? "auto" : "manual";
  const stateful = dynamic.every((s) => s.type === "dhcp6" && s.stateful);
  if (stateful || (iface.acceptRa === false && dynamic.every((s) => s.type === "dhcp6"))) return "dhcp";
  if (iface.acceptRa === false) unexpressed(options, "network-manager", iface.name, "accept-ra: false with SLAAC");
  return "auto";
}

/** [ipv4] and [ipv6]. [ipv4] is always written (without it NM runs DHCPv4); [ipv6] where the
 * interface has IPv6 addressing. A family that only carries others (a bond under a vlan) is
 * disabled, so it does not fall back to NM's DHCP default. */
function addressing(model: NetworkModel, iface: NetInterface, options: RenderOptions): Section[] {
  if (masterOf(model, iface) && !iface.subnets.length) return [];
  if (!iface.subnets.length) return [["ipv4", [["method", "disabled"]]], ["ipv6", [["method", "ignore"]]]];
  const dns = nameserversFor(model, iface);
  const routes = [...gatewayRoutes(iface), ...routesFor(model, iface)];
  const subnetsOf = (family: Family) => iface.subnets.filter((s) => familyOf(s) === family);
  const methods = { ipv4: method("ipv4", subnetsOf("ipv4"), iface, options), ipv6: method("ipv6", subnetsOf("ipv6"), iface, options) };
  const active = (family: Family) => methods[family] !== "disabled";
  // dns-search goes with the first family that has addressing
  const searchFamily: Family = active("ipv4") ? "ipv4" : "ipv6";
  return (["ipv4", "ipv6"] as const).flatMap((family): Section[] => {
    const v6 = family === "ipv6";
    const subnets = subnetsOf(family);
    const servers = dns.addresses.filter((a) => isIpv6(a) === v6);
    if (!active(family)) {
      // NM refuses name servers on a disabled family
      if (servers.length) unexpressed(options, "network-manager", iface.name, `${v6 ? "IPv6" : "IPv4"} name servers without ${v6 ? "IPv6" : "IPv4"} addressing`);
      // NM's `ignore` leaves router advertisements to the kernel's default, `disabled` drops link-local too
      if (v6 && iface.acceptRa === false) unexpressed(options, "network-manager", iface.name, "accept-ra: false without IPv6 addressing");
      if (v6 && ipv6Entries(iface).length) unexpressed(options, "network-manager", iface.name, "IPv6 settings (privacy, token, MTU) without IPv6 addressing");
      return v6 ? [] : [["ipv4", [["method", "disabled"]]]];
    }
    const other = v6 ? "ipv4" : "ipv6";
    const entries: Array<[string, string]> = [["method", methods[family]]];
    // Activation fails when a family with may-fail=false gets no address: only static
    // addressing, or the interface's one dynamic family, must succeed.
    if (methods[family] === "manual" || !active(other)) entries.push(["may-fail", "false"]);
    let n = 0;
    for (const s of subnets) {
      if (s.type === "static") entries.push([`address${++n}`, `${s.address}/${s.prefix}`]);
      if (s.type === "static" && (s.label !== undefined || s.lifetime !== undefined)) unexpressed(options, "network-manager", iface.name, "address label and lifetime");
      if (s.type !== "static" && s.type !== "ipv6_slaac") entries.push(...dhcpEntries(s, family, iface, options));
    }
    let r = 0;
    for (const route of routes.filter((rt) => isIpv6(rt.to) === v6)) {
      const onLink = isOnLink(iface, route);
      // a plain default through a gateway is NM's `gateway`; anything more is a route with options
      if (isDefaultRoute(route) && route.via && !onLink && route.metric === undefined && route.table === undefined && route.mtu === undefined && !entries.some(([k]) => k === "gateway")) {
        entries.push(["gateway", route.via]);
        continue;
      }
      const via = route.via ?? (v6 ? "::" : "0.0.0.0");
      const key = `route${++r}`;
      entries.push([key, [route.to, ...(route.via || route.metric !== undefined ? [via] : []), ...(route.metric !== undefined ? [String(route.metric)] : [])].join(",")]);
      const routeOptions = [...(onLink ? ["onlink=true"] : []), ...(route.table === undefined ? [] : [`table=${route.table}`]), ...(route.mtu === undefined ? [] : [`mtu=${route.mtu}`])];
      if (routeOptions.length) entries.push([`${key}_options`, routeOptions.join(",")]);
    }
    if (servers.length) entries.push(["dns", `${servers.join(";")};`]);
    if (dns.search.length && family === searchFamily) entries.push(["dns-search", `${dns.search.join(";")};`]);
    if (v6) entries.push(...ipv6Entries(iface));
    return [[family, entries]];
  });
}

function ipv6Entries(iface: NetInterface): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  if (iface.ipv6Privacy !== undefined) entries.push(["ip6-privacy", iface.ipv6Privacy ? "2" : "0"]);
  // NM takes a token only with EUI-64 address generation
  if (iface.ipv6AddressToken !== undefined) entries.push(["addr-gen-mode", "eui64"], ["token", iface.ipv6AddressToken]);
  if (iface.ipv6Mtu !== undefined) entries.push(["mtu", String(iface.ipv6Mtu)]);
  return entries;
}

/** The lease's route metric, what of it to ignore, the host name sent and the client id. */
function dhcpEntries(subnet: DhcpSubnet, family: Family, iface: NetInterface, options: RenderOptions): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  if (subnet.routeMetric !== undefined) entries.push(["route-metric", String(subnet.routeMetric)]);
  const o = subnet.overrides ?? {};
  if (o.useDns === false) entries.push(["ignore-auto-dns", "true"]);
  // as netplan writes it: the lease's default route is one of its routes
  if (o.useRoutes === false) entries.push(["ignore-auto-routes", "true"], ["never-default", "true"]);
  if (o.sendHostname !== undefined) entries.push(["dhcp-send-hostname", String(o.sendHostname)]);
  if (o.hostname !== undefined) entries.push(["dhcp-hostname", o.hostname]);
  for (const key of ["useNtp", "useHostname", "useDomains"] as const) if (o[key] !== undefined) unexpressed(options, "network-manager", iface.name, `${subnet.type}-overrides ${DHCP_OVERRIDE_KEYS[key]}`);
  if (iface.dhcpIdentifier === "mac") entries.push(family === "ipv4" ? ["dhcp-client-id", "mac"] : ["dhcp-duid", "ll"]);
  return entries;
}
