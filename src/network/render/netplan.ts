// netplan's YAML (network config v2), which netplan turns into networkd or NetworkManager files.
import { toYaml } from "../../config/yaml";
import { isIpv6 } from "../model";
import type { NetInterface, NetworkModel } from "../model";
import { V2_BOND_PARAMS } from "../v2";
import { DISABLE_HEADER, nameserversFor, oneLine, routesFor } from "./common";
import type { RenderedFile } from "./common";

export const NETPLAN_PATH = "/etc/netplan/50-cloud-init.yaml";

const SECTIONS = { physical: "ethernets", bond: "bonds", bridge: "bridges", vlan: "vlans" } as const;
const BOND_NAMES = Object.fromEntries(Object.entries(V2_BOND_PARAMS).map(([v2, kernel]) => [kernel, v2]));

export function renderNetplan(model: NetworkModel): RenderedFile[] {
  const network: Record<string, unknown> = { version: 2 };
  for (const section of Object.values(SECTIONS)) {
    const devices = model.interfaces.filter((iface) => SECTIONS[iface.type] === section);
    if (devices.length) network[section] = Object.fromEntries(devices.map((iface) => [iface.name, device(model, iface)]));
  }
  // YAML 1.1 quoting keeps a MAC such as 52:54:00:12:34:56 from reading as a base-60 number.
  const yaml = toYaml({ network: withoutControlCharacters(network, "netplan: network") }, { indent: 4, version: "1.1" });
  return [{ path: NETPLAN_PATH, content: DISABLE_HEADER + yaml, mode: 0o600 }];
}

function device(model: NetworkModel, iface: NetInterface): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (iface.type === "physical") {
    if (iface.mac || iface.matchName) out.match = iface.mac ? { macaddress: iface.mac } : { name: iface.matchName };
    if (iface.rename) out["set-name"] = iface.name;
  } else if (iface.mac) out.macaddress = iface.mac;
  if (iface.type === "bond") {
    out.interfaces = iface.members;
    if (Object.keys(iface.params).length) out.parameters = Object.fromEntries(Object.entries(iface.params).map(([k, v]) => [BOND_NAMES[k] ?? k, v]));
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
  for (const subnet of iface.subnets) {
    if (subnet.type === "dhcp4" || subnet.type === "dhcp6") {
      out[subnet.type] = true;
      if (subnet.routeMetric !== undefined) out[`${subnet.type}-overrides`] = { "route-metric": subnet.routeMetric };
    }
    // netplan has no SLAAC-only switch: accepting router advertisements is it.
    if (subnet.type === "ipv6_slaac") out["accept-ra"] = true;
  }
  const statics = iface.subnets.flatMap((s) => (s.type === "static" ? [s] : []));
  if (statics.length) out.addresses = statics.map((s) => `${s.address}/${s.prefix}`);
  const gateways = statics.flatMap((s) => (s.gateway ? [{ to: isIpv6(s.gateway) ? "::/0" : "0.0.0.0/0", via: s.gateway }] : []));
  const routes = [...gateways, ...routesFor(model, iface)];
  if (routes.length) out.routes = routes;
  const dns = nameserversFor(model, iface);
  if (dns.addresses.length || dns.search.length) {
    out.nameservers = { ...(dns.addresses.length ? { addresses: dns.addresses } : {}), ...(dns.search.length ? { search: dns.search } : {}) };
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
