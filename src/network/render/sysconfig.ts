// RHEL's network-scripts: ifcfg-<name> with KEY=value lines (sorted, as cloud-init writes
// them), route-<name> and route6-<name> for the routes that are not a default gateway.
import { ipv4Netmask } from "../addresses";
import { isDefaultRoute, isIpv6 } from "../model";
import type { DhcpOverrides, NetInterface, NetworkModel, Route } from "../model";
import { DHCP_OVERRIDE_KEYS } from "../v2";
import { gatewayRoutes, inWriteOrder, isOnLink, masterOf, nameIn, nameserversFor, networkOf, oneLine, persistentNetRules, prefixOf, routesFor, unexpressed, word } from "./common";
import type { RenderOptions, RenderedFile } from "./common";

const DIR = "/etc/sysconfig/network-scripts";
const HEADER = "# Written by cloud-init at boot; do not edit, changes are lost when it writes this again.\n#\n";
const TYPES = { physical: "Ethernet", bond: "Bond", bridge: "Bridge", vlan: undefined } as const;

type Settings = Record<string, string | number | boolean>;

export function renderSysconfig(model: NetworkModel, options: RenderOptions = {}): RenderedFile[] {
  const files = inWriteOrder(model).flatMap((iface) => {
    const name = nameIn("sysconfig", iface.name);
    const { settings, routes } = ifcfg(model, iface, options);
    const out = [{ path: `${DIR}/ifcfg-${name}`, content: HEADER + format(settings), mode: 0o644 }];
    const v4 = routes.filter((r) => !isIpv6(r.to));
    const v6 = routes.filter((r) => isIpv6(r.to));
    if (v4.length) out.push({ path: `${DIR}/route-${name}`, content: HEADER + v4.map((r, i) => ipv4Route(r, i)).join(""), mode: 0o644 });
    if (v6.length) out.push({ path: `${DIR}/route6-${name}`, content: HEADER + v6.map((r) => ipv6Route(r, name)).join(""), mode: 0o644 });
    return out;
  });
  return [...files, ...persistentNetRules(model, options, "sysconfig")];
}

function format(settings: Settings): string {
  return Object.keys(settings)
    .sort()
    .map((key) => assignment(key, settings[key]))
    .join("");
}

/**
 * KEY=value as initscripts source it with a shell: plain words bare, lists of them in double
 * quotes (as cloud-init writes them), anything else in single quotes with each ' written '\''.
 * A control character is refused: a newline would survive quoting but not NetworkManager's
 * line-by-line ifcfg reader.
 */
function assignment(key: string, value: string | number | boolean): string {
  const text = oneLine(value === true ? "yes" : value === false ? "no" : String(value), `sysconfig: ${key}`);
  if (/^[A-Za-z0-9_.:/@+,=-]*$/.test(text)) return `${key}=${text}\n`;
  if (/^[A-Za-z0-9_.:/@+,= -]*$/.test(text)) return `${key}="${text}"\n`;
  return `${key}='${text.replace(/'/g, "'\\''")}'\n`;
}

/** The ifcfg settings, and the routes for the route files: every route but the one default
 * per family that GATEWAY / IPV6_DEFAULTGW carry (a gateway off the subnet needs `onlink`,
 * which only a route file can say). */
function ifcfg(model: NetworkModel, iface: NetInterface, options: RenderOptions): { settings: Settings; routes: Route[] } {
  const s: Settings = { DEVICE: iface.name, ONBOOT: true, USERCTL: false, NM_CONTROLLED: false, BOOTPROTO: "none" };
  const type = iface.type === "physical" && iface.infiniband ? "InfiniBand" : TYPES[iface.type];
  if (type) s.TYPE = type;
  if (iface.type === "physical" && iface.mac) s.HWADDR = iface.mac;
  else if (iface.mac) s.MACADDR = iface.mac;
  if (iface.type === "physical" && iface.setMac) s.MACADDR = iface.setMac;
  if (iface.type === "physical" && iface.wakeOnLan) s.ETHTOOL_OPTS = "wol g";
  if (iface.mtu !== undefined) s.MTU = iface.mtu;
  const master = masterOf(model, iface);
  if (master?.type === "bond") Object.assign(s, { MASTER: master.name, SLAVE: true });
  if (master?.type === "bridge") s.BRIDGE = master.name;
  if (iface.type === "bond") {
    s.BONDING_MASTER = true;
    const bondOptions = Object.entries(iface.params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`);
    if (bondOptions.length) s.BONDING_OPTS = bondOptions.join(" ");
  }
  if (iface.type === "vlan") Object.assign(s, { VLAN: true, PHYSDEV: iface.link });
  if (iface.type === "bridge") {
    const p = iface.params;
    if (p.stp !== undefined) s.STP = p.stp;
    if (p.forwardDelay !== undefined) s.DELAY = p.forwardDelay;
    if (p.ageingTime !== undefined) s.AGEING = p.ageingTime;
    if (p.priority !== undefined) s.PRIO = p.priority;
  }
  addressing(s, iface, options);
  const routes: Route[] = [];
  for (const route of [...gatewayRoutes(iface), ...routesFor(model, iface)]) {
    const onLink = isOnLink(iface, route);
    const key = isIpv6(route.to) ? "IPV6_DEFAULTGW" : "GATEWAY";
    if (!isDefaultRoute(route) || !route.via || onLink || route.table !== undefined || route.mtu !== undefined || s[key] !== undefined) {
      routes.push(onLink ? { ...route, onLink } : route);
      continue;
    }
    Object.assign(s, { DEFROUTE: true, [key]: route.via });
    if (route.metric !== undefined) s[isIpv6(route.to) ? "IPV6_ROUTE_METRIC" : "METRIC"] = route.metric;
  }
  // cloud-init's rule: a DHCP lease's default route gives way to the one another NIC owns
  const ownsDefault = (i: NetInterface) => [...gatewayRoutes(i), ...routesFor(model, i)].some((r) => isDefaultRoute(r) && !isIpv6(r.to));
  if (s.BOOTPROTO === "dhcp" && !ownsDefault(iface) && model.interfaces.some((other) => other !== iface && ownsDefault(other))) s.DHCLIENT_SET_DEFAULT_ROUTE = false;
  const dns = nameserversFor(model, iface);
  // initscripts read at most three name servers.
  dns.addresses.slice(0, 3).forEach((address, i) => (s[`DNS${i + 1}`] = address));
  if (dns.search.length) s.DOMAIN = dns.search.join(" ");
  if (iface.optional) unexpressed(options, "sysconfig", iface.name, "optional");
  if (iface.ipv6AddressToken !== undefined) unexpressed(options, "sysconfig", iface.name, "ipv6-address-token");
  if (iface.dhcpIdentifier !== undefined) unexpressed(options, "sysconfig", iface.name, "dhcp-identifier");
  return { settings: s, routes };
}

/** dhcp4-overrides as initscripts (and NetworkManager's ifcfg reader) name them. */
const DHCP_SETTINGS: Partial<Record<keyof DhcpOverrides, string>> = { useDns: "PEERDNS", useNtp: "PEERNTP", useRoutes: "PEERROUTES", sendHostname: "DHCP_SEND_HOSTNAME", hostname: "DHCP_HOSTNAME" };

function addressing(s: Settings, iface: NetInterface, options: RenderOptions): void {
  let v4 = 0;
  const v6: string[] = [];
  for (const subnet of iface.subnets) {
    if (subnet.type === "ipv6_slaac") {
      Object.assign(s, { IPV6INIT: true, IPV6_AUTOCONF: true });
      // stateless DHCPv6: an information request (dhclient -S) beside SLAAC
      if (subnet.dhcp6Information) Object.assign(s, { DHCPV6C: true, DHCPV6C_OPTIONS: "-S" });
    } else if (subnet.type === "dhcp6") {
      Object.assign(s, { IPV6INIT: true, DHCPV6C: true });
      if (subnet.stateful) Object.assign(s, { IPV6_AUTOCONF: false, IPV6_FAILURE_FATAL: true });
      if (subnet.routeMetric !== undefined) s.IPV6_ROUTE_METRIC = subnet.routeMetric;
      for (const key of Object.keys(subnet.overrides ?? {}) as Array<keyof DhcpOverrides>) unexpressed(options, "sysconfig", iface.name, `dhcp6-overrides ${DHCP_OVERRIDE_KEYS[key]}`);
    } else if (subnet.type === "dhcp4") {
      s.BOOTPROTO = "dhcp";
      if (subnet.routeMetric !== undefined) s.METRIC = subnet.routeMetric;
      for (const [key, value] of Object.entries(subnet.overrides ?? {})) {
        const setting = DHCP_SETTINGS[key as keyof DhcpOverrides];
        if (setting) s[setting] = value;
        else unexpressed(options, "sysconfig", iface.name, `dhcp4-overrides ${DHCP_OVERRIDE_KEYS[key as keyof DhcpOverrides]}`);
      }
    } else {
      if (subnet.label !== undefined || subnet.lifetime !== undefined) unexpressed(options, "sysconfig", iface.name, "address label and lifetime");
      if (isIpv6(subnet.address)) v6.push(`${subnet.address}/${subnet.prefix}`);
      else {
        const suffix = v4 === 0 ? "" : String(v4);
        Object.assign(s, { [`IPADDR${suffix}`]: subnet.address, [`NETMASK${suffix}`]: ipv4Netmask(subnet.prefix) });
        v4 += 1;
      }
    }
  }
  if (v6.length) {
    Object.assign(s, { IPV6INIT: true, IPV6ADDR: v6[0] });
    if (v6.length > 1) s.IPV6ADDR_SECONDARIES = v6.slice(1).join(" ");
    // Static IPv6 alone: no addresses from router advertisements on top.
    if (s.IPV6_AUTOCONF === undefined && s.DHCPV6C === undefined) Object.assign(s, { IPV6_AUTOCONF: false, IPV6_FORCE_ACCEPT_RA: false });
  }
  if (iface.acceptRa !== undefined) s.IPV6_FORCE_ACCEPT_RA = iface.acceptRa;
  // accept-ra alone asks for SLAAC
  if (iface.acceptRa && s.IPV6INIT === undefined) Object.assign(s, { IPV6INIT: true, IPV6_AUTOCONF: true });
  if (iface.ipv6Privacy !== undefined) s.IPV6_PRIVACY = iface.ipv6Privacy ? "rfc3041" : "no";
  if (iface.ipv6Mtu !== undefined) s.IPV6_MTU = iface.ipv6Mtu;
}

/** ADDRESSn/NETMASKn/GATEWAYn/METRICn, and OPTIONSn for what ifup-routes appends to `ip route add`. */
function ipv4Route(route: Route, i: number): string {
  const settings: Settings = { [`ADDRESS${i}`]: networkOf(route.to), ...(route.via ? { [`GATEWAY${i}`]: route.via } : {}), [`NETMASK${i}`]: ipv4Netmask(prefixOf(route.to)) };
  if (route.metric !== undefined) settings[`METRIC${i}`] = route.metric;
  const extra = routeOptions(route);
  if (extra.length) settings[`OPTIONS${i}`] = extra.join(" ");
  return Object.entries(settings).map(([key, value]) => assignment(key, value)).join("");
}

function routeOptions(route: Route): string[] {
  return [...(route.onLink && route.via ? ["onlink"] : []), ...(route.table === undefined ? [] : [`table ${route.table}`]), ...(route.mtu === undefined ? [] : [`mtu ${route.mtu}`])];
}

/** A line ifup-routes hands to `ip -6 route add` unquoted: each part a plain word. */
function ipv6Route(route: Route, dev: string): string {
  const part = (value: string | number) => word(String(value), `sysconfig: a route of interface ${JSON.stringify(dev)}`);
  const extra = routeOptions(route).map((o) => ` ${o.split(" ").map(part).join(" ")}`).join("");
  return `${part(route.to)}${route.via ? ` via ${part(route.via)}` : ""}${route.metric === undefined ? "" : ` metric ${part(route.metric)}`} dev ${part(dev)}${extra}\n`;
}
