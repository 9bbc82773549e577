// netplan's YAML (network config v2), which netplan turns into networkd or NetworkManager files.
import { toYaml } from "../../config/yaml";
import type { BondInterface, DhcpOverrides, NetInterface, NetworkModel, Route } from "../model";
import { BOND_SWITCHES, DHCP_OVERRIDE_KEYS, V2_BOND_PARAMS } from "../v2";
import { bondWord } from "../validate";
import { DISABLE_HEADER, gatewayRoutes, isOnLink, nameserversFor, oneLine, routesFor, unexpressed } from "./common";
import type { RenderOptions, RenderedFile } from "./common";

export const NETPLAN_PATH = "/etc/netplan/50-cloud-init.yaml";

const SECTIONS = { physical: "ethernets", bond: "bonds", bridge: "bridges", vlan: "vlans" } as const;
/** The netplan name of each kernel bond option: the first V2_BOND_PARAMS lists for it. */
const BOND_NAMES = new Map(Object.entries(V2_BOND_PARAMS).reverse().map(([v2, kernel]) => [kernel, v2]));

export function renderNetplan(model: NetworkModel, options: RenderOptions = {}): RenderedFile[] {
  const network: Record<string, unknown> = { version: 2 };
  for (const section of Object.values(SECTIONS)) {
    const devices = model.interfaces.filter((iface) => SECTIONS[iface.type] === section);
    if (devices.length) network[section] = Object.fromEntries(devices.map((iface) => [iface.name, device(model, iface, options)]));
  }
  // YAML 1.1 quoting keeps a MAC such as 52:54:00:12:34:56 from reading as a base-60 number.
  const yaml = toYaml({ network: withoutControlCharacters(network, "netplan: network") }, { indent: 4, version: "1.1" });
  return [{ path: NETPLAN_PATH, content: DISABLE_HEADER + yaml, mode: 0o600 }];
}

function device(model: NetworkModel, iface: NetInterface, options: RenderOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (iface.type === "physical") {
    const match = { ...(iface.mac ? { macaddress: iface.mac } : {}), ...(iface.matchName ? { name: iface.matchName } : {}) };
    if (Object.keys(match).length) out.match = match;
    if (iface.rename) out["set-name"] = iface.name;
    if (iface.setMac) out.macaddress = iface.setMac;
    if (iface.wakeOnLan !== undefined) out.wakeonlan = iface.wakeOnLan;
  } else if (iface.mac) out.macaddress = iface.mac;
  if (iface.type === "bond") {
    out.interfaces = iface.members;
    const params = bondParameters(iface, options);
    if (Object.keys(params).length) out.parameters = params;
  }
  if (iface.type === "bridge") {
    out.interfaces = iface.members;
    const p = iface.params;
    const params = { stp: p.stp, "forward-delay": p.forwardDelay, "hello-time": p.helloTime, "max-age": p.maxAge, "ageing-time": p.ageingTime, priority: p.priority };
    const given = Object.entries(params).filter(([, v]) => v !== undefined);
    if (given.length) out.parameters = Object.fromEntries(given);
  }
  if (iface.type === "vlan") Object.assign(out, { id: iface.id, link: iface.link });
  if (iface.mtu !== undefined) out.mtu = iface.mtu;
  if (iface.ipv6Mtu !== undefined) out["ipv6-mtu"] = iface.ipv6Mtu;
  if (iface.optional !== undefined) out.optional = iface.optional;
  if (iface.ipv6Privacy !== undefined) out["ipv6-privacy"] = iface.ipv6Privacy;
  if (iface.ipv6AddressToken !== undefined) out["ipv6-address-token"] = iface.ipv6AddressToken;
  if (iface.dhcpIdentifier !== undefined) out["dhcp-identifier"] = iface.dhcpIdentifier;
  for (const subnet of iface.subnets) {
    if (subnet.type === "dhcp4" || subnet.type === "dhcp6") {
      out[subnet.type] = true;
      const overrides = { ...(subnet.routeMetric === undefined ? {} : { "route-metric": subnet.routeMetric }), ...dhcpOverrides(subnet.overrides) };
      if (Object.keys(overrides).length) out[`${subnet.type}-overrides`] = overrides;
    }
    // netplan has no SLAAC switch: accepting router advertisements is it. Stateless DHCPv6 too:
    // networkd asks DHCPv6 for information when the advertisement says so, where `dhcp6: true`
    // (cloud-init's rendering) would ask for addresses.
    if (subnet.type === "ipv6_slaac") out["accept-ra"] = true;
  }
  if (iface.acceptRa !== undefined) out["accept-ra"] = iface.acceptRa;
  const statics = iface.subnets.flatMap((s) => (s.type === "static" ? [s] : []));
  if (statics.length) {
    out.addresses = statics.map((s) => {
      const cidr = `${s.address}/${s.prefix}`;
      const given = { ...(s.lifetime === undefined ? {} : { lifetime: s.lifetime }), ...(s.label === undefined ? {} : { label: s.label }) };
      return Object.keys(given).length ? { [cidr]: given } : cidr;
    });
  }
  const routes = [...gatewayRoutes(iface), ...routesFor(model, iface).map((r) => (isOnLink(iface, r) ? { ...r, onLink: true } : r))];
  if (routes.length) out.routes = routes.map(netplanRoute);
  const dns = nameserversFor(model, iface);
  if (dns.addresses.length || dns.search.length) {
    out.nameservers = { ...(dns.addresses.length ? { addresses: dns.addresses } : {}), ...(dns.search.length ? { search: dns.search } : {}) };
  }
  return out;
}

function netplanRoute(route: Route): Record<string, unknown> {
  const out: Record<string, unknown> = { to: route.to };
  if (route.via) out.via = route.via;
  if (route.metric !== undefined) out.metric = route.metric;
  if (route.onLink) out["on-link"] = true;
  if (route.table !== undefined) out.table = route.table;
  if (route.mtu !== undefined) out.mtu = route.mtu;
  return out;
}

function dhcpOverrides(overrides: DhcpOverrides | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(overrides ?? {}).map(([key, value]) => [DHCP_OVERRIDE_KEYS[key as keyof DhcpOverrides], value]));
}

/** The bond's options under netplan's names and types; the kernel's active_slave is netplan's
 * primary when no primary is set; what netplan has no key for is reported. */
function bondParameters(bond: BondInterface, options: RenderOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [option, value] of Object.entries(bond.params)) {
    const name = option === "active_slave" && bond.params.primary === undefined ? "primary" : BOND_NAMES.get(option);
    if (!name) {
      unexpressed(options, "netplan", bond.name, `bond option ${option}`);
      continue;
    }
    if (BOND_SWITCHES.has(option)) out[name] = ["1", "on", "true"].includes(String(value));
    else out[name] = bondWord(option, value);
  }
  return out;
}

/** The serializer quotes what YAML would misread, but a tab or other control character in a
 * plain scalar is read differently by libyaml (netplan's parser): refused, as everywhere. */
function withoutControlCharacters<T>(node: T, where: string): T {
  if (typeof node === "string") oneLine(node, where);
  else if (Array.isArray(node)) node.forEach((item, i) => withoutControlCharacters(item, `${where}[${i}]`));
  else if (node && typeof node === "object") for (const [key, value] of Object.entries(node)) withoutControlCharacters(value, `${where}.${oneLine(key, `${where}: a key`)}`);
  return node;
}
