// RHEL's network-scripts: ifcfg-<name> with KEY=value lines (sorted, as cloud-init writes
// them), route-<name> and route6-<name> for the routes that are not a default gateway.
import { ipv4Netmask } from "../addresses";
import { isDefaultRoute, isIpv6 } from "../model";
import type { NetInterface, NetworkModel, Route } from "../model";
import { inWriteOrder, masterOf, nameIn, nameserversFor, networkOf, oneLine, persistentNetRules, prefixOf, routesFor, word } from "./common";
import type { RenderedFile } from "./common";

const DIR = "/etc/sysconfig/network-scripts";
const HEADER = "# Written by cloud-init at boot; do not edit, changes are lost when it writes this again.\n#\n";
const TYPES = { physical: "Ethernet", bond: "Bond", bridge: "Bridge", vlan: undefined } as const;

type Settings = Record<string, string | number | boolean>;

export function renderSysconfig(model: NetworkModel): RenderedFile[] {
  const files = inWriteOrder(model).flatMap((iface) => {
    const routes = routesFor(model, iface);
    const settings = ifcfg(model, iface, routes);
    const name = nameIn("sysconfig", iface.name);
    const out = [{ path: `${DIR}/ifcfg-${name}`, content: HEADER + format(settings), mode: 0o644 }];
    const v4 = routes.filter((r) => !isIpv6(r.to) && !(isDefaultRoute(r) && settings.GATEWAY === r.via));
    const v6 = routes.filter((r) => isIpv6(r.to) && !(isDefaultRoute(r) && settings.IPV6_DEFAULTGW === r.via));
    if (v4.length) out.push({ path: `${DIR}/route-${name}`, content: HEADER + v4.map((r, i) => ipv4Route(r, i)).join(""), mode: 0o644 });
    if (v6.length) out.push({ path: `${DIR}/route6-${name}`, content: HEADER + v6.map((r) => ipv6Route(r, name)).join(""), mode: 0o644 });
    return out;
  });
  return [...files, ...persistentNetRules(model)];
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

function ifcfg(model: NetworkModel, iface: NetInterface, routes: Route[]): Settings {
  const s: Settings = { DEVICE: iface.name, ONBOOT: true, USERCTL: false, NM_CONTROLLED: false, BOOTPROTO: "none" };
  const type = TYPES[iface.type];
  if (type) s.TYPE = type;
  if (iface.type === "physical" && iface.mac) s.HWADDR = iface.mac;
  else if (iface.mac) s.MACADDR = iface.mac;
  if (iface.mtu !== undefined) s.MTU = iface.mtu;
  const master = masterOf(model, iface);
  if (master?.type === "bond") Object.assign(s, { MASTER: master.name, SLAVE: true });
  if (master?.type === "bridge") s.BRIDGE = master.name;
  if (iface.type === "bond") {
    s.BONDING_MASTER = true;
    const options = Object.entries(iface.params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`);
    if (options.length) s.BONDING_OPTS = options.join(" ");
  }
  if (iface.type === "vlan") Object.assign(s, { VLAN: true, PHYSDEV: iface.link });
  if (iface.type === "bridge") {
    const p = iface.params;
    if (p.stp !== undefined) s.STP = p.stp;
    if (p.forwardDelay !== undefined) s.DELAY = p.forwardDelay;
    if (p.ageingTime !== undefined) s.AGEING = p.ageingTime;
    if (p.priority !== undefined) s.PRIO = p.priority;
  }
  addressing(s, iface);
  for (const route of routes.filter(isDefaultRoute)) {
    const key = isIpv6(route.to) ? "IPV6_DEFAULTGW" : "GATEWAY";
    if (!route.via || s[key] !== undefined) continue;
    Object.assign(s, { DEFROUTE: true, [key]: route.via });
    if (route.metric !== undefined) s.METRIC = route.metric;
  }
  const dns = nameserversFor(model, iface);
  // initscripts read at most three name servers.
  dns.addresses.slice(0, 3).forEach((address, i) => (s[`DNS${i + 1}`] = address));
  if (dns.search.length) s.DOMAIN = dns.search.join(" ");
  return s;
}

function addressing(s: Settings, iface: NetInterface): void {
  let v4 = 0;
  const v6: string[] = [];
  for (const subnet of iface.subnets) {
    if (subnet.type === "ipv6_slaac") Object.assign(s, { IPV6INIT: true, IPV6_AUTOCONF: true });
    else if (subnet.type === "dhcp6") Object.assign(s, { IPV6INIT: true, DHCPV6C: true });
    else if (subnet.type === "dhcp4") {
      s.BOOTPROTO = "dhcp";
      if (subnet.routeMetric !== undefined) s.METRIC = subnet.routeMetric;
    } else if (isIpv6(subnet.address)) {
      v6.push(`${subnet.address}/${subnet.prefix}`);
      if (subnet.gateway) Object.assign(s, { DEFROUTE: true, IPV6_DEFAULTGW: subnet.gateway });
    } else {
      const suffix = v4 === 0 ? "" : String(v4);
      Object.assign(s, { [`IPADDR${suffix}`]: subnet.address, [`NETMASK${suffix}`]: ipv4Netmask(subnet.prefix) });
      v4 += 1;
      if (subnet.gateway && s.GATEWAY === undefined) Object.assign(s, { DEFROUTE: true, GATEWAY: subnet.gateway });
    }
  }
  if (v6.length) {
    Object.assign(s, { IPV6INIT: true, IPV6ADDR: v6[0] });
    if (v6.length > 1) s.IPV6ADDR_SECONDARIES = v6.slice(1).join(" ");
    // Static IPv6 alone: no addresses from router advertisements on top.
    if (s.IPV6_AUTOCONF === undefined && s.DHCPV6C === undefined) Object.assign(s, { IPV6_AUTOCONF: false, IPV6_FORCE_ACCEPT_RA: false });
  }
}

function ipv4Route(route: Route, i: number): string {
  const settings: Settings = { [`ADDRESS${i}`]: networkOf(route.to), ...(route.via ? { [`GATEWAY${i}`]: route.via } : {}), [`NETMASK${i}`]: ipv4Netmask(prefixOf(route.to)) };
  if (route.metric !== undefined) settings[`METRIC${i}`] = route.metric;
  return Object.entries(settings).map(([key, value]) => assignment(key, value)).join("");
}

/** A line ifup-routes hands to `ip -6 route add` unquoted: each part a plain word. */
function ipv6Route(route: Route, dev: string): string {
  const part = (value: string | number) => word(String(value), `sysconfig: a route of interface ${JSON.stringify(dev)}`);
  return `${part(route.to)}${route.via ? ` via ${part(route.via)}` : ""}${route.metric === undefined ? "" : ` metric ${part(route.metric)}`} dev ${part(dev)}\n`;
}
