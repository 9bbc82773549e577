// systemd-networkd: a .network file per interface (what to match, how to address it) and a
// .netdev for each device networkd must create (bond, vlan, bridge).
import { isDefaultRoute } from "../model";
import type { BondInterface, BridgeInterface, DhcpOverrides, DhcpSubnet, NetInterface, NetworkModel, Route } from "../model";
import { DHCP_OVERRIDE_KEYS } from "../v2";
import { bondWord } from "../validate";
import { gatewayRoutes, inWriteOrder, isOnLink, masterOf, nameIn, nameserversFor, oneLine, routesFor, unexpressed } from "./common";
import type { RenderOptions, RenderedFile } from "./common";

const DIR = "/etc/systemd/network";

type Section = [title: string, lines: string[]];

export function renderNetworkd(model: NetworkModel, options: RenderOptions = {}): RenderedFile[] {
  return inWriteOrder(model).flatMap((iface) => {
    const name = nameIn("networkd", iface.name);
    const files = [{ path: `${DIR}/10-cloud-init-${name}.network`, content: write(networkSections(model, iface, options), name), mode: 0o644 }];
    if (iface.type !== "physical") files.push({ path: `${DIR}/10-cloud-init-${name}.netdev`, content: write(netdevSections(iface, options), name), mode: 0o644 });
    return files;
  });
}

/** systemd's unit file syntax: a line is one Key=value, and a line ending in a backslash goes
 * on on the next one; so no value holds a control character or ends in a backslash. */
function write(sections: Section[], name: string): string {
  const checked = (line: string) => {
    if (line.endsWith("\\")) throw new Error(`networkd: ${line.split("=")[0]} of ${name} ends in a backslash`);
    return oneLine(line, `networkd: a setting of ${name}`);
  };
  return sections.filter(([, lines]) => lines.length).map(([title, lines]) => `[${title}]\n${lines.map(checked).join("\n")}\n`).join("\n");
}

const yesNo = (value: boolean): string => (value ? "yes" : "no");

function networkSections(model: NetworkModel, iface: NetInterface, options: RenderOptions): Section[] {
  // A vlan or bond shares its NIC's MAC, so a NIC is matched by MAC and name together.
  const match = iface.type === "physical" && iface.mac ? [`MACAddress=${iface.mac}`] : [];
  match.push(`Name=${iface.type === "physical" && iface.matchName && !iface.rename ? iface.matchName : iface.name}`);
  const link = iface.mtu === undefined ? [] : [`MTUBytes=${iface.mtu}`];
  if (iface.type === "physical" && iface.setMac) link.push(`MACAddress=${iface.setMac}`);
  if (iface.optional) link.push("RequiredForOnline=no");
  // Wake-on-LAN is a .link setting, and a .link file of ours would replace the image's naming policy.
  if (iface.type === "physical" && iface.wakeOnLan) unexpressed(options, "networkd", iface.name, "wakeonlan");
  const dhcp4 = iface.subnets.find((s) => s.type === "dhcp4");
  const dhcp6 = iface.subnets.find((s) => s.type === "dhcp6");
  const network = [`DHCP=${dhcp4 && dhcp6 ? "yes" : dhcp4 ? "ipv4" : dhcp6 ? "ipv6" : "no"}`];
  // SLAAC, and the DHCPv6 information request of stateless DHCPv6, follow router advertisements
  const acceptRa = iface.acceptRa ?? (iface.subnets.some((s) => s.type === "ipv6_slaac") ? true : undefined);
  if (acceptRa !== undefined) network.push(`IPv6AcceptRA=${yesNo(acceptRa)}`);
  if (iface.ipv6Privacy !== undefined) network.push(`IPv6PrivacyExtensions=${yesNo(iface.ipv6Privacy)}`);
  if (iface.ipv6AddressToken !== undefined) network.push(`IPv6Token=${iface.ipv6AddressToken}`);
  if (iface.ipv6Mtu !== undefined) network.push(`IPv6MTUBytes=${iface.ipv6Mtu}`);
  const dns = nameserversFor(model, iface);
  if (dns.addresses.length) network.push(`DNS=${dns.addresses.join(" ")}`);
  if (dns.search.length) network.push(`Domains=${dns.search.join(" ")}`);
  const master = masterOf(model, iface);
  if (master?.type === "bond") network.push(`Bond=${master.name}`);
  if (master?.type === "bond" && master.params.primary === iface.name) network.push("PrimarySlave=yes");
  if (master?.type === "bond" && master.params.active_slave === iface.name) network.push("ActiveSlave=yes");
  if (master?.type === "bridge") network.push(`Bridge=${master.name}`);
  for (const vlan of model.interfaces) if (vlan.type === "vlan" && vlan.link === iface.name) network.push(`VLAN=${vlan.name}`);
  const sections: Section[] = [["Match", match], ["Link", link], ["Network", network]];
  if (dhcp4?.type === "dhcp4") sections.push(["DHCPv4", dhcpLines(dhcp4, iface, "DHCPv4", options)]);
  if (dhcp6?.type === "dhcp6") sections.push(["DHCPv6", dhcpLines(dhcp6, iface, "DHCPv6", options)]);
  else if (iface.dhcpIdentifier && !dhcp4) unexpressed(options, "networkd", iface.name, "dhcp-identifier without DHCP");
  for (const subnet of iface.subnets) {
    if (subnet.type !== "static") continue;
    const lines = [`Address=${subnet.address}/${subnet.prefix}`];
    if (subnet.label !== undefined) lines.push(`Label=${subnet.label}`);
    if (subnet.lifetime !== undefined) lines.push(`PreferredLifetime=${subnet.lifetime}`);
    sections.push(["Address", lines]);
  }
  for (const route of [...gatewayRoutes(iface), ...routesFor(model, iface)]) sections.push(["Route", routeLines(route, isOnLink(iface, route))]);
  return sections;
}

function routeLines(route: Route, onLink: boolean): string[] {
  const lines = isDefaultRoute(route) ? [] : [`Destination=${route.to}`];
  if (route.via) lines.push(`Gateway=${route.via}`);
  if (onLink) lines.push("GatewayOnLink=yes");
  if (route.metric !== undefined) lines.push(`Metric=${route.metric}`);
  if (route.table !== undefined) lines.push(`Table=${route.table}`);
  if (route.mtu !== undefined) lines.push(`MTUBytes=${route.mtu}`);
  // A default route without a gateway still needs a line to exist.
  return lines.length ? lines : [`Destination=${route.to}`];
}

/** [DHCPv4] and [DHCPv6]: the lease's route metric, what of the lease to use, the client id. */
function dhcpLines(subnet: DhcpSubnet, iface: NetInterface, section: "DHCPv4" | "DHCPv6", options: RenderOptions): string[] {
  const lines = subnet.routeMetric === undefined ? [] : [`RouteMetric=${subnet.routeMetric}`];
  const o = subnet.overrides ?? {};
  const keys: Array<[Exclude<keyof DhcpOverrides, "hostname">, string]> = [
    ["useDns", "UseDNS"],
    ["useNtp", "UseNTP"],
    ["useHostname", "UseHostname"],
    ["useDomains", "UseDomains"],
    ["useRoutes", "UseRoutes"],
    ["sendHostname", "SendHostname"],
  ];
  // DHCPv6 brings no routes, and networkd sends no host name over it before systemd 250
  const v4Only = new Set<keyof DhcpOverrides>(["useRoutes", "sendHostname", "hostname"]);
  for (const key of Object.keys(o) as Array<keyof DhcpOverrides>) {
    if (section === "DHCPv6" && v4Only.has(key)) unexpressed(options, "networkd", iface.name, `dhcp6-overrides ${DHCP_OVERRIDE_KEYS[key]}`);
  }
  for (const [key, setting] of keys) {
    const value = o[key];
    if (value !== undefined && !(section === "DHCPv6" && v4Only.has(key))) lines.push(`${setting}=${yesNo(value)}`);
  }
  if (o.hostname !== undefined && section === "DHCPv4") lines.push(`Hostname=${o.hostname}`);
  if (section === "DHCPv4" && iface.dhcpIdentifier === "mac") lines.push("ClientIdentifier=mac");
  if (section === "DHCPv6" && iface.dhcpIdentifier === "mac") lines.push("DUIDType=link-layer");
  return lines;
}

function netdevSections(iface: Exclude<NetInterface, { type: "physical" }>, options: RenderOptions): Section[] {
  const netdev = [`Name=${iface.name}`, `Kind=${iface.type}`];
  if (iface.mac) netdev.push(`MACAddress=${iface.mac}`);
  if (iface.type === "vlan") return [["NetDev", netdev], ["VLAN", [`Id=${iface.id}`]]];
  if (iface.type === "bond") return [["NetDev", netdev], ["Bond", bondLines(iface, options)]];
  return [["NetDev", netdev], ["Bridge", bridgeLines(iface)]];
}

/** Kernel bond option -> networkd [Bond] key (systemd.netdev(5)); `ms` marks options the
 * kernel counts in milliseconds (networkd's default unit is the second). */
const BOND_KEYS: Record<string, [key: string, unit?: "ms"]> = {
  mode: ["Mode"],
  xmit_hash_policy: ["TransmitHashPolicy"],
  lacp_rate: ["LACPTransmitRate"],
  miimon: ["MIIMonitorSec", "ms"],
  updelay: ["UpDelaySec", "ms"],
  downdelay: ["DownDelaySec", "ms"],
  arp_interval: ["ARPIntervalSec", "ms"],
  arp_ip_target: ["ARPIPTargets"],
  arp_validate: ["ARPValidate"],
  arp_all_targets: ["ARPAllTargets"],
  ad_select: ["AdSelect"],
  ad_actor_sys_prio: ["AdActorSystemPriority"],
  ad_user_port_key: ["AdUserPortKey"],
  ad_actor_system: ["AdActorSystem"],
  min_links: ["MinLinks"],
  fail_over_mac: ["FailOverMACPolicy"],
  num_grat_arp: ["GratuitousARP"],
  packets_per_slave: ["PacketsPerSlave"],
  primary_reselect: ["PrimaryReselectPolicy"],
  resend_igmp: ["ResendIGMP"],
  all_slaves_active: ["AllSlavesActive"],
  tlb_dynamic_lb: ["DynamicTransmitLoadBalancing"],
  lp_interval: ["LearnPacketIntervalSec"],
};

/** The members' options (primary, active_slave) are on their .network files. */
const MEMBER_OPTIONS = new Set(["primary", "active_slave"]);

function bondLines(bond: BondInterface, options: RenderOptions): string[] {
  return Object.entries(bond.params).flatMap(([option, value]) => {
    if (MEMBER_OPTIONS.has(option)) return [];
    const known = Object.hasOwn(BOND_KEYS, option) ? BOND_KEYS[option] : undefined;
    if (!known) {
      unexpressed(options, "networkd", bond.name, `bond option ${option}`);
      return [];
    }
    const word = bondWord(option, value);
    const text = Array.isArray(word) ? word.join(" ") : String(word);
    return [`${known[0]}=${known[1] && /^\d+$/.test(text) ? `${text}ms` : text}`];
  });
}

function bridgeLines(bridge: BridgeInterface): string[] {
  const p = bridge.params;
  const lines: string[] = [];
  if (p.stp !== undefined) lines.push(`STP=${p.stp ? "yes" : "no"}`);
  if (p.forwardDelay !== undefined) lines.push(`ForwardDelaySec=${p.forwardDelay}`);
  if (p.helloTime !== undefined) lines.push(`HelloTimeSec=${p.helloTime}`);
  if (p.maxAge !== undefined) lines.push(`MaxAgeSec=${p.maxAge}`);
  if (p.ageingTime !== undefined) lines.push(`AgeingTimeSec=${p.ageingTime}`);
  if (p.priority !== undefined) lines.push(`Priority=${p.priority}`);
  return lines;
}

