// ifupdown's /etc/network/interfaces format: one stanza per address method of an interface,
// interface-wide options on its first stanza, routes as post-up/pre-down `ip route` commands.
import { isIpv6 } from "../model";
import type { NetInterface, NetworkModel, Route, Subnet } from "../model";
import { DISABLE_HEADER, inWriteOrder, masterOf, nameIn, persistentNetRules, routesFor, word } from "./common";
import type { RenderOptions, RenderedFile } from "./common";

export const ENI_PATH = "/etc/network/interfaces.d/50-cloud-init";

export function renderEni(model: NetworkModel, options: RenderOptions = {}): RenderedFile[] {
  const stanzas = [loopback(model), ...inWriteOrder(model).flatMap((iface) => interfaceStanzas(model, iface))];
  const content = DISABLE_HEADER + stanzas.map((lines) => lines.join("\n")).join("\n\n") + "\n";
  return [{ path: options.eniPath ?? ENI_PATH, content, mode: 0o644 }, ...persistentNetRules(model)];
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

function interfaceStanzas(model: NetworkModel, iface: NetInterface): string[][] {
  const subnets: Array<Subnet | undefined> = iface.subnets.length ? iface.subnets : [undefined];
  const routes = routesFor(model, iface);
  const family = (s: Subnet | undefined) => (s && (s.type === "dhcp6" || s.type === "ipv6_slaac" || (s.type === "static" && isIpv6(s.address))) ? "inet6" : "inet");
  // Each route goes with the first stanza of its family, or the first stanza at all.
  const routeStanza = (route: Route) => Math.max(0, subnets.findIndex((s) => family(s) === (isIpv6(route.to) ? "inet6" : "inet")));
  const name = nameIn("eni", iface.name);
  return subnets.map((subnet, index) => {
    const lines = [index === 0 ? `auto ${name}` : `# control-alias ${name}`, `iface ${name} ${family(subnet)} ${method(subnet)}`];
    const options = [...subnetOptions(subnet), ...(index === 0 ? interfaceOptions(model, iface) : [])];
    lines.push(...options.map((line) => `    ${plainOption(line, name)}`));
    for (const route of routes.filter((r) => routeStanza(r) === index)) lines.push(...routeCommands(route, iface.name).map((line) => `    ${line}`));
    return lines;
  });
}

function method(subnet: Subnet | undefined): string {
  if (!subnet) return "manual";
  if (subnet.type === "ipv6_slaac") return "auto";
  return subnet.type === "static" ? "static" : "dhcp";
}

function subnetOptions(subnet: Subnet | undefined): string[] {
  if (!subnet) return [];
  if (subnet.type === "ipv6_slaac") return ["dhcp 0"];
  if (subnet.type !== "static") return subnet.routeMetric === undefined ? [] : [`metric ${subnet.routeMetric}`];
  return [`address ${subnet.address}/${subnet.prefix}`, ...(subnet.gateway ? [`gateway ${subnet.gateway}`] : [])];
}

/** Options of the interface itself, sorted as cloud-init writes them. */
function interfaceOptions(model: NetworkModel, iface: NetInterface): string[] {
  const options: string[] = [];
  if (iface.nameservers.addresses.length) options.push(`dns-nameservers ${iface.nameservers.addresses.join(" ")}`);
  if (iface.nameservers.search.length) options.push(`dns-search ${iface.nameservers.search.join(" ")}`);
  if (iface.mtu !== undefined) options.push(`mtu ${iface.mtu}`);
  if (iface.mac && iface.type !== "physical") options.push(`hwaddress ${iface.mac}`);
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
function routeCommands(route: Route, dev: string): string[] {
  const part = (value: string | number) => word(String(value), `eni: a route of interface ${JSON.stringify(dev)}`);
  const spec = `${part(route.to)}${route.via ? ` via ${part(route.via)}` : ""} dev ${part(dev)}${route.metric === undefined ? "" : ` metric ${part(route.metric)}`}`;
  return [`post-up ip route add ${spec} || true`, `pre-down ip route del ${spec} || true`];
}
