// systemd-networkd: a .network file per interface (what to match, how to address it) and a
// .netdev for each device networkd must create (bond, vlan, bridge).
import type { BondInterface, BridgeInterface, NetInterface, NetworkModel } from "../model";
import { inWriteOrder, masterOf, nameIn, nameserversFor, oneLine, routesFor } from "./common";
import type { RenderedFile } from "./common";

const DIR = "/etc/systemd/network";

type Section = [title: string, lines: string[]];

export function renderNetworkd(model: NetworkModel): RenderedFile[] {
  return inWriteOrder(model).flatMap((iface) => {
    const name = nameIn("networkd", iface.name);
    const files = [{ path: `${DIR}/10-cloud-init-${name}.network`, content: write(networkSections(model, iface), name), mode: 0o644 }];
    if (iface.type !== "physical") files.push({ path: `${DIR}/10-cloud-init-${name}.netdev`, content: write(netdevSections(iface), name), mode: 0o644 });
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

function networkSections(model: NetworkModel, iface: NetInterface): Section[] {
  // A vlan or bond shares its NIC's MAC, so a NIC is matched by MAC and name together.
  const match = iface.type === "physical" && iface.mac ? [`MACAddress=${iface.mac}`] : [];
  match.push(`Name=${iface.type === "physical" && iface.matchName ? iface.matchName : iface.name}`);
  const link = iface.mtu === undefined ? [] : [`MTUBytes=${iface.mtu}`];
  const dhcp4 = iface.subnets.find((s) => s.type === "dhcp4");
  const dhcp6 = iface.subnets.find((s) => s.type === "dhcp6");
  const network = [`DHCP=${dhcp4 && dhcp6 ? "yes" : dhcp4 ? "ipv4" : dhcp6 ? "ipv6" : "no"}`];
  if (iface.subnets.some((s) => s.type === "ipv6_slaac")) network.push("IPv6AcceptRA=yes");
  const dns = nameserversFor(model, iface);
  if (dns.addresses.length) network.push(`DNS=${dns.addresses.join(" ")}`);
  if (dns.search.length) network.push(`Domains=${dns.search.join(" ")}`);
  const master = masterOf(model, iface);
  if (master?.type === "bond") network.push(`Bond=${master.name}`);
  if (master?.type === "bond" && master.params.primary === iface.name) network.push("PrimarySlave=yes");
  if (master?.type === "bridge") network.push(`Bridge=${master.name}`);
  for (const vlan of model.interfaces) if (vlan.type === "vlan" && vlan.link === iface.name) network.push(`VLAN=${vlan.name}`);
  const sections: Section[] = [["Match", match], ["Link", link], ["Network", network]];
  for (const [family, subnet] of [["4", dhcp4], ["6", dhcp6]] as const) {
    if (subnet?.type !== "dhcp4" && subnet?.type !== "dhcp6") continue;
    if (subnet.routeMetric !== undefined) sections.push([`DHCPv${family}`, [`RouteMetric=${subnet.routeMetric}`]]);
  }
  for (const subnet of iface.subnets) if (subnet.type === "static") sections.push(["Address", [`Address=${subnet.address}/${subnet.prefix}`]]);
  for (const subnet of iface.subnets) if (subnet.type === "static" && subnet.gateway) sections.push(["Route", [`Gateway=${subnet.gateway}`]]);
  for (const route of routesFor(model, iface)) {
    const lines = route.to === "0.0.0.0/0" || route.to === "::/0" ? [] : [`Destination=${route.to}`];
    if (route.via) lines.push(`Gateway=${route.via}`);
    if (route.metric !== undefined) lines.push(`Metric=${route.metric}`);
    // A default route without a gateway still needs a line to exist.
    sections.push(["Route", lines.length ? lines : [`Destination=${route.to}`]]);
  }
  return sections;
}

function netdevSections(iface: Exclude<NetInterface, { type: "physical" }>): Section[] {
  const netdev = [`Name=${iface.name}`, `Kind=${iface.type}`];
  if (iface.mac) netdev.push(`MACAddress=${iface.mac}`);
  if (iface.type === "vlan") return [["NetDev", netdev], ["VLAN", [`Id=${iface.id}`]]];
  if (iface.type === "bond") return [["NetDev", netdev], ["Bond", bondLines(iface)]];
  return [["NetDev", netdev], ["Bridge", bridgeLines(iface)]];
}

/** Kernel bond option -> networkd [Bond] key; `ms` marks options the kernel counts in milliseconds. */
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
  ad_select: ["AdSelect"],
  min_links: ["MinLinks"],
  fail_over_mac: ["FailOverMACPolicy"],
  num_grat_arp: ["GratuitousARP"],
  primary_reselect: ["PrimaryReselectPolicy"],
  all_slaves_active: ["AllSlavesActive"],
};

function bondLines(bond: BondInterface): string[] {
  return Object.entries(bond.params).flatMap(([option, value]) => {
    if (option === "primary") return []; // on the member: PrimarySlave=yes
    const known = BOND_KEYS[option];
    if (!known) throw new Error(`networkd cannot express bond option ${option} of ${bond.name}`);
    const text = Array.isArray(value) ? value.join(" ") : String(value);
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

