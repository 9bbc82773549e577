// ifupdown's /etc/network/interfaces format: one stanza per address method of an interface,
// interface-wide options on its first stanza, routes as post-up/pre-down `ip route` commands.
import { isIpv6 } from "../model";
import type { DhcpOverrides, NetInterface, NetworkModel, Route, Subnet } from "../model";
import { DHCP_OVERRIDE_KEYS } from "../v2";
import { DISABLE_HEADER, inWriteOrder, isOnLink, masterOf, nameIn, persistentNetRules, routesFor, unexpressed, word } from "./common";
import type { RenderOptions, RenderedFile } from "./common";

export const ENI_PATH = "/etc/network/interfaces.d/50-cloud-init";

export function renderEni(model: NetworkModel, options: RenderOptions = {}): RenderedFile[] {
  const stanzas = [loopback(model), ...inWriteOrder(model).flatMap((iface) => interfaceStanzas(model, iface, options))];
  const content = DISABLE_HEADER + stanzas.map((lines) => lines.join("\n")).join("\n\n") + "\n";
  return [{ path: options.eniPath ?? ENI_PATH, content, mode: 0o644 }, ...persistentNetRules(model, options, "eni")];
}

/** Global name servers hang off lo, the one interface that is always up (cloud-init's habit). */
function loopback(model: NetworkModel): string[] {
  const options: string[] = [];
  if (model.nameservers.addresses.length) options.push(`dns-nameservers ${model.nameservers.addresses.join(" ")}`);
  if (model.nameservers.search.length) options.push(`dns-search ${model.nameservers.search.join(" ")}`);
  return ["auto lo", "iface lo inet loopback", ...options.map((line) => `    ${plainOption(line, "lo")}`)];
}

/** ifupdown reads a line as an option name and its value, and joins a line ending in a backslash
 * to the next: every token of an option line must be a plain word (no blank, control character or quote). */
function plainOption(line: string, iface: string): string {
  for (const token of line.split(" ")) word(token, `eni: an option of interface ${JSON.stringify(iface)}`);
  return line;
}

function interfaceStanzas(model: NetworkModel, iface: NetInterface, options: RenderOptions): string[][] {
  const subnets: Array<Subnet | undefined> = iface.subnets.length ? iface.subnets : [undefined];
  const routes = routesFor(model, iface);
  // Each route goes with the first stanza of its family, or the first stanza at all.
  const routeStanza = (route: Route) => Math.max(0, subnets.findIndex((s) => family(s) === (isIpv6(route.to) ? "inet6" : "inet")));
  const firstInet6 = subnets.findIndex((s) => family(s) === "inet6");
  const name = nameIn("eni", iface.name);
  reportUnexpressed(iface, firstInet6 >= 0, options);
  return subnets.map((subnet, index) => {
    // networking.service waits for `auto` interfaces only: an optional one is brought up by udev
    const start = iface.optional ? "allow-hotplug" : "auto";
    const lines = [index === 0 ? `${start} ${name}` : `# control-alias ${name}`, `iface ${name} ${family(subnet)} ${method(subnet)}`];
    const own = [...subnetOptions(subnet, iface, options), ...(index === firstInet6 ? ipv6Options(iface) : []), ...(index === 0 ? interfaceOptions(model, iface) : [])];
    lines.push(...own.map((line) => `    ${plainOption(line, name)}`));
    for (const route of routes.filter((r) => routeStanza(r) === index)) lines.push(...routeCommands(route, iface.name, isOnLink(iface, route)).map((line) => `    ${line}`));
    return lines;
  });
}

function family(s: Subnet | undefined): "inet" | "inet6" {
  return s && (s.type === "dhcp6" || s.type === "ipv6_slaac" || (s.type === "static" && isIpv6(s.address))) ? "inet6" : "inet";
}

function method(subnet: Subnet | undefined): string {
  if (!subnet) return "manual";
  if (subnet.type === "ipv6_slaac") return "auto";
  return subnet.type === "static" ? "static" : "dhcp";
}

function subnetOptions(subnet: Subnet | undefined, iface: NetInterface, options: RenderOptions): string[] {
  if (!subnet) return [];
  // inet6 auto: `dhcp 1` adds the stateless DHCPv6 request (dhclient -S) to SLAAC
  if (subnet.type === "ipv6_slaac") return [`dhcp ${subnet.dhcp6Information ? 1 : 0}`];
  if (subnet.type !== "static") {
    const lines = subnet.routeMetric === undefined ? [] : [`metric ${subnet.routeMetric}`];
    // dhclient identifies itself by DUID (-i) unless told `client no`: then by the MAC
    if (subnet.type === "dhcp4" && iface.dhcpIdentifier === "mac") lines.push("client no");
    for (const key of Object.keys(subnet.overrides ?? {}) as Array<keyof DhcpOverrides>) unexpressed(options, "eni", iface.name, `${subnet.type}-overrides ${DHCP_OVERRIDE_KEYS[key]}`);
    return lines;
  }
  // ifupdown adds the gateway's default route with `onlink`, so a gateway outside the subnet works
  const lines = [`address ${subnet.address}/${subnet.prefix}`, ...(subnet.gateway ? [`gateway ${subnet.gateway}`] : [])];
  if (subnet.gateway && subnet.metric !== undefined) lines.push(`metric ${subnet.metric}`);
  if (subnet.lifetime !== undefined && isIpv6(subnet.address)) lines.push(`preferred-lifetime ${subnet.lifetime}`);
  else if (subnet.lifetime !== undefined) unexpressed(options, "eni", iface.name, "lifetime of an IPv4 address");
  // ifupdown labels every address with the interface's name
  if (subnet.label !== undefined) unexpressed(options, "eni", iface.name, "address label");
  return lines;
}

/** Settings of the interface's IPv6, on its first inet6 stanza. */
function ipv6Options(iface: NetInterface): string[] {
  const lines: string[] = [];
  if (iface.acceptRa !== undefined) lines.push(`accept_ra ${iface.acceptRa ? 1 : 0}`);
  if (iface.ipv6Privacy !== undefined) lines.push(`privext ${iface.ipv6Privacy ? 2 : 0}`);
  return lines;
}

function reportUnexpressed(iface: NetInterface, hasInet6: boolean, options: RenderOptions): void {
  const missing = [
    ...(!hasInet6 && iface.acceptRa !== undefined ? ["accept-ra without IPv6 addressing"] : []),
    ...(!hasInet6 && iface.ipv6Privacy !== undefined ? ["ipv6-privacy without IPv6 addressing"] : []),
    ...(iface.ipv6AddressToken !== undefined ? ["ipv6-address-token"] : []),
    ...(iface.ipv6Mtu !== undefined ? ["ipv6-mtu"] : []),
    ...(iface.dhcpIdentifier === "mac" && !iface.subnets.some((s) => s.type === "dhcp4") ? ["dhcp-identifier for DHCPv6"] : []),
  ];
  for (const setting of missing) unexpressed(options, "eni", iface.name, setting);
}

/** Options of the interface itself, sorted as cloud-init writes them. */
function interfaceOptions(model: NetworkModel, iface: NetInterface): string[] {
  const options: string[] = [];
  if (iface.nameservers.addresses.length) options.push(`dns-nameservers ${iface.nameservers.addresses.join(" ")}`);
  if (iface.nameservers.search.length) options.push(`dns-search ${iface.nameservers.search.join(" ")}`);
  if (iface.mtu !== undefined) options.push(`mtu ${iface.mtu}`);
  if (iface.mac && iface.type !== "physical") options.push(`hwaddress ${iface.mac}`);
  if (iface.type === "physical" && iface.setMac) options.push(`hwaddress ${iface.setMac}`);
  // ethtool's ifupdown hook
  if (iface.type === "physical" && iface.wakeOnLan) options.push("ethernet-wol g");
  const master = masterOf(model, iface);
  // A slave's pre-up may create the bond, so it carries the bond's options too.
  if (master?.type === "bond") options.push(`bond-master ${master.name}`, ...bondOptions(master.params));
  if (iface.type === "bond") options.push("bond-slaves none", ...bondOptions(iface.params));
  if (iface.type === "vlan") options.push(`vlan-raw-device ${iface.link}`, `vlan_id ${iface.id}`);
  if (iface.type === "bridge") {
    const p = iface.params;
    options.push(`bridge_ports ${iface.members.join(" ")}`);
    if (p.stp !== undefined) options.push(`bridge_stp ${p.stp ? "on" : "off"}`);
    if (p.forwardDelay !== undefined) options.push(`bridge_fd ${p.forwardDelay}`);
    if (p.helloTime !== undefined) options.push(`bridge_hello ${p.helloTime}`);
    if (p.maxAge !== undefined) options.push(`bridge_maxage ${p.maxAge}`);
    if (p.ageingTime !== undefined) options.push(`bridge_ageing ${p.ageingTime}`);
    if (p.priority !== undefined) options.push(`bridge_bridgeprio ${p.priority}`);
  }
  return options.sort();
}

function bondOptions(params: Record<string, string | number | string[]>): string[] {
  // a blank in an option's name would make the rest of it the value
  return Object.entries(params).map(([key, value]) => `bond-${word(key, "eni: a bond option's name").replace(/_/g, "-")} ${Array.isArray(value) ? value.join(" ") : value}`);
}

/** iproute2 rather than net-tools' `route`, which minimal images no longer ship. The line is
 * run by a shell: each part of it is a plain word. */
function routeCommands(route: Route, dev: string, onLink: boolean): string[] {
  const part = (value: string | number) => word(String(value), `eni: a route of interface ${JSON.stringify(dev)}`);
  const extra = [
    ...(route.metric === undefined ? [] : [`metric ${part(route.metric)}`]),
    ...(route.table === undefined ? [] : [`table ${part(route.table)}`]),
    ...(route.mtu === undefined ? [] : [`mtu ${part(route.mtu)}`]),
    ...(onLink && route.via ? ["onlink"] : []),
  ];
  const spec = `${part(route.to)}${route.via ? ` via ${part(route.via)}` : ""} dev ${part(dev)}${extra.map((e) => ` ${e}`).join("")}`;
  return [`post-up ip route add ${spec} || true`, `pre-down ip route del ${spec} || true`];
}
