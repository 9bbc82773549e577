// What every renderer shares: the file shape, the header, the order interfaces are written
// in, and which name servers and routes belong to an interface.
import { inNetwork } from "../addresses";
import { isInterfaceName } from "../document";
import { isIpv6, staticSubnets } from "../model";
import type { Nameservers, NetInterface, NetworkModel, Route } from "../model";

export interface RenderedFile {
  /** Absolute inside the target root: "/etc/netplan/50-cloud-init.yaml". */
  path: string;
  content: string;
  mode: number;
}

export interface RenderOptions {
  /** Where the ENI renderer writes; Debian and Ubuntu use interfaces.d, others the main file. */
  eniPath?: string;
  /** Told, naming the setting, of each one the renderer's format cannot express. */
  warn?: (message: string) => void;
}

/** Reports a setting the format cannot express: `renderer: interface: setting ... (left out)`. */
export function unexpressed(options: RenderOptions, renderer: string, iface: string, setting: string): void {
  options.warn?.(`${renderer}: ${iface}: ${setting} cannot be expressed in this format; left out`);
}

export type Renderer = (model: NetworkModel, options?: RenderOptions) => RenderedFile[];

/** Tells whoever opens the file how to stop cloud-init from writing it (ENI and netplan). */
export const DISABLE_HEADER = [
  "# Written by cloud-init from the network configuration the datasource provides;",
  "# changes made here are lost the next time cloud-init writes it. To stop cloud-init",
  "# configuring the network, create /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
  "# containing:",
  "# network: {config: disabled}",
  "",
].join("\n");

const TYPE_RANK = { physical: 0, bond: 1, vlan: 2, bridge: 3 };

/** Interfaces after the ones they are built on (a vlan on a bond after the bond), then by type and name. */
export function inWriteOrder(model: NetworkModel): NetInterface[] {
  const byName = new Map(model.interfaces.map((iface) => [iface.name, iface]));
  const depth = (iface: NetInterface, seen: string[] = []): number => {
    if (seen.includes(iface.name)) throw new Error(`interfaces ${seen.join(", ")} are built on each other in a loop`);
    const parts = iface.type === "vlan" ? [iface.link] : iface.type === "physical" ? [] : iface.members;
    const depths = parts.map((name) => byName.get(name)).map((part) => (part ? depth(part, [...seen, iface.name]) + 1 : 0));
    return Math.max(0, ...depths);
  };
  const keyed = model.interfaces.map((iface) => ({ iface, depth: depth(iface) }));
  keyed.sort((a, b) => a.depth - b.depth || TYPE_RANK[a.iface.type] - TYPE_RANK[b.iface.type] || a.iface.name.localeCompare(b.iface.name));
  return keyed.map((k) => k.iface);
}

/** The interface's own name servers; without any, the global ones go to interfaces with a
 * static address, or, when no interface has one (all DHCP), to every addressed interface. */
export function nameserversFor(model: NetworkModel, iface: NetInterface): Nameservers {
  const own = iface.nameservers;
  if (own.addresses.length || own.search.length) return own;
  const anyStatic = model.interfaces.some((i) => staticSubnets(i).length);
  return (anyStatic ? staticSubnets(iface).length : iface.subnets.length) ? model.nameservers : { addresses: [], search: [] };
}

/** Whether the route's gateway must be declared on the link: the config says so, or no
 * address of the interface in the gateway's family covers it (the kernel refuses such a
 * route otherwise). Unknown with DHCP alone: the lease's network may cover it. */
export function isOnLink(iface: NetInterface, route: Route): boolean {
  if (route.onLink) return true;
  const via = route.via;
  if (via === undefined) return false;
  const own = staticSubnets(iface).filter((s) => isIpv6(s.address) === isIpv6(via));
  return own.length > 0 && !own.some((s) => inNetwork(via, s.address, s.prefix));
}

/** The default routes of the interface's static gateways, with their metric and on-link need. */
export function gatewayRoutes(iface: NetInterface): Route[] {
  return staticSubnets(iface).flatMap((s) => {
    if (!s.gateway) return [];
    const route: Route = { to: isIpv6(s.gateway) ? "::/0" : "0.0.0.0/0", via: s.gateway, ...(s.metric === undefined ? {} : { metric: s.metric }) };
    return [isOnLink(iface, route) ? { ...route, onLink: true } : route];
  });
}

/** The interface's routes plus the global ones whose gateway lies on one of its networks
 * (or, when no interface has that network, the first interface that has any address). */
export function routesFor(model: NetworkModel, iface: NetInterface): Route[] {
  const global = model.routes.filter((route) => ownerOf(model, route) === iface);
  return [...iface.routes, ...global];
}

function ownerOf(model: NetworkModel, route: Route): NetInterface | undefined {
  const onLink = model.interfaces.find((iface) => route.via !== undefined && staticSubnets(iface).some((s) => inNetwork(route.via as string, s.address, s.prefix)));
  return onLink ?? model.interfaces.find((iface) => iface.subnets.length > 0);
}

/** The bond or bridge an interface belongs to, if any. */
export function masterOf(model: NetworkModel, iface: NetInterface): NetInterface | undefined {
  return model.interfaces.find((m) => (m.type === "bond" || m.type === "bridge") && m.members.includes(iface.name));
}

/** udev rules naming NICs by MAC, or by the kernel's name where the config found the NIC by
 * that name (a v2 match name not resolved against the machine), for renderers whose tools
 * cannot rename (ENI, sysconfig). */
export function persistentNetRules(model: NetworkModel, options: RenderOptions, renderer: string): RenderedFile[] {
  const lines = model.interfaces.flatMap((iface) => {
    if (iface.type !== "physical" || !iface.rename) return [];
    const name = nameIn("udev rule", iface.name);
    if (iface.mac) return [`SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="${word(iface.mac, "udev rule: a MAC")}", NAME="${name}"\n`];
    // a pattern may match several NICs, and only one can take the name
    if (iface.matchName && !/[*?[]/.test(iface.matchName)) return [`SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", KERNEL=="${nameIn("udev rule", iface.matchName)}", NAME="${name}"\n`];
    unexpressed(options, renderer, iface.name, "set-name of a NIC matched by a name pattern");
    return [];
  });
  return lines.length ? [{ path: "/etc/udev/rules.d/70-persistent-net.rules", content: lines.join(""), mode: 0o644 }] : [];
}

export const prefixOf = (cidr: string): number => Number(cidr.split("/")[1]);
export const networkOf = (cidr: string): string => cidr.split("/")[0];

// The renderers' own guard, behind the model's checks (src/network/validate.ts): whatever
// reaches them, a value stays one value of the file it is written into.

/** An interface name where a file name, a stanza or a shell word takes it. */
export function nameIn(file: string, name: string): string {
  if (!isInterfaceName(name)) throw new Error(`${file}: an interface name is not a plain name`);
  return name;
}

/** One token of a line that ifupdown or a shell splits at blanks (ifupdown's post-up lines,
 * route6-* files): letters, digits and the punctuation of addresses, CIDRs and names. */
export function word(value: string, where: string): string {
  if (!/^[A-Za-z0-9_.:/@+-]+$/.test(value)) throw new Error(`${where} is not a plain word`);
  return value;
}

/** A value that stays on its line: no control character (a newline would start a line of its
 * own), none of the line breaks YAML adds (U+0085, U+2028, U+2029), no lone surrogate. */
export function oneLine(value: string, where: string): string {
  if (/[\p{Cc}\u2028\u2029\p{Cs}\ufffe\uffff]/u.test(value)) throw new Error(`${where} holds a control or line-break character`);
  return value;
}
