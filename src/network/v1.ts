// cloud-init network config version 1: a list of items (physical, bond, vlan, bridge,
// nameserver, route), interfaces carrying their subnets.
import { isIPv6 } from "node:net";
import { parseBoolean, parseCidr, parseIp, parseMac, parseNumber, parseRoute, stringList } from "./addresses";
import { addUnique, describe, domainName, interfaceName, isInterfaceName, networkDocument, optionalList, optionalMapping } from "./document";
import { emptyModel, noNameservers } from "./model";
import type { BondParams, BridgeParams, NetInterface, NetworkModel, Subnet } from "./model";
import { checkModel } from "./validate";
import { isPlainObject } from "../config/yaml";

export function parseV1(value: unknown): NetworkModel {
  const doc = networkDocument(value);
  if (doc.version !== 1) throw new Error(`expected network config version 1, got ${describe(doc.version)}`);
  const model = emptyModel();
  const scoped: Array<{ name: string; addresses: string[]; search: string[] }> = [];
  for (const [i, item] of optionalList(doc.config, "network config v1 `config`").entries()) {
    if (!isPlainObject(item)) throw new Error(`config item ${i} must be a mapping, got ${describe(item)}`);
    const where = `config item ${i}${isInterfaceName(item.name) ? ` (${item.name})` : ""}`;
    switch (item.type) {
      case "physical":
      case "infiniband":
      case "bond":
      case "vlan":
      case "bridge":
        model.interfaces.push(parseInterface(item, where));
        break;
      // lo is up and addressed by the kernel itself; renderers write it where their format wants it
      case "loopback":
        break;
      case "nameserver": {
        const addresses = stringList(item.address, `${where}: address`).map((a) => parseIp(a, where));
        const search = stringList(item.search, `${where}: search`).map((d) => domainName(d, `${where}: search`));
        if (item.interface !== undefined) scoped.push({ name: interfaceName(item.interface, where), addresses, search });
        else {
          addUnique(model.nameservers.addresses, addresses);
          addUnique(model.nameservers.search, search);
        }
        break;
      }
      case "route":
        model.routes.push(parseRoute(item.destination ?? item.network, item.netmask ?? item.prefix, item.gateway, item.metric, where));
        break;
      default:
        throw new Error(`${where}: unknown type ${describe(item.type)}`);
    }
  }
  for (const ns of scoped) {
    const iface = model.interfaces.find((candidate) => candidate.name === ns.name);
    if (!iface) throw new Error(`a nameserver item refers to ${ns.name}, which the config does not declare`);
    addUnique(iface.nameservers.addresses, ns.addresses);
    addUnique(iface.nameservers.search, ns.search);
  }
  checkModel(model);
  return model;
}

function parseInterface(item: Record<string, unknown>, where: string): NetInterface {
  const name = interfaceName(item.name, where);
  const mac = item.mac_address === undefined || item.mac_address === null ? undefined : parseMac(item.mac_address, where);
  const base = { name, subnets: [], routes: [], nameservers: noNameservers(), ...(mac ? { mac } : {}) };
  let iface: NetInterface;
  switch (item.type) {
    case "physical":
    case "infiniband":
      // A v1 physical entry with a MAC names the NIC: cloud-init renames it to `name`.
      iface = { type: "physical", ...base, rename: mac !== undefined, ...(item.type === "infiniband" ? { infiniband: true } : {}) };
      if (item.wakeonlan !== undefined && item.wakeonlan !== null) iface.wakeOnLan = parseBoolean(item.wakeonlan, `${where}: wakeonlan`);
      break;
    case "bond":
      iface = { type: "bond", ...base, members: memberList(item.bond_interfaces, `${where}: bond_interfaces`), params: bondParams(item, where) };
      break;
    case "vlan": {
      const id = parseNumber(item.vlan_id, `${where}: vlan_id`);
      if (id < 1 || id > 4094) throw new Error(`${where}: vlan_id ${id} is outside 1-4094`);
      iface = { type: "vlan", ...base, id, link: interfaceName(item.vlan_link, `${where}: vlan_link`) };
      break;
    }
    default:
      iface = { type: "bridge", ...base, members: memberList(item.bridge_interfaces, `${where}: bridge_interfaces`), params: bridgeParams(optionalMapping(item.params, `${where}: params`), where) };
  }
  if (item.mtu !== undefined && item.mtu !== null) iface.mtu = parseNumber(item.mtu, `${where}: mtu`);
  if (item["accept-ra"] !== undefined && item["accept-ra"] !== null) iface.acceptRa = parseBoolean(item["accept-ra"], `${where}: accept-ra`);
  for (const [i, subnet] of optionalList(item.subnets, `${where}: subnets`).entries()) {
    if (!isPlainObject(subnet)) throw new Error(`${where}: subnet ${i} must be a mapping`);
    addSubnet(iface, subnet, `${where}: subnet ${i}`);
  }
  return iface;
}

function memberList(value: unknown, where: string): string[] {
  const members = stringList(value, where);
  if (!members.length) throw new Error(`${where}: needs at least one interface`);
  return members;
}

/** v1 subnet types as the model's subnets (without the address). */
const SUBNET_TYPES: Record<string, Subnet | "static" | "static6" | "manual"> = {
  dhcp: { type: "dhcp4" },
  dhcp4: { type: "dhcp4" },
  dhcp6: { type: "dhcp6" },
  "ipv6_dhcpv6-stateful": { type: "dhcp6", stateful: true },
  "ipv6_dhcpv6-stateless": { type: "ipv6_slaac", dhcp6Information: true },
  ipv6_slaac: { type: "ipv6_slaac" },
  static: "static",
  static6: "static6",
  manual: "manual",
};

function addSubnet(iface: NetInterface, subnet: Record<string, unknown>, where: string): void {
  const type = typeof subnet.type === "string" && Object.hasOwn(SUBNET_TYPES, subnet.type) ? SUBNET_TYPES[subnet.type] : undefined;
  if (!type) throw new Error(`${where}: unknown subnet type ${describe(subnet.type)}`);
  // v1's subnet metric ranks the routes the subnet brings: its lease's or its gateway's
  const metric = subnet.metric === undefined || subnet.metric === null ? undefined : parseNumber(subnet.metric, `${where}: metric`);
  if (type === "static" || type === "static6") {
    const { address, prefix } = parseCidr(subnet.address, subnet.netmask ?? subnet.prefix, where);
    if (type === "static6" && !isIPv6(address)) throw new Error(`${where}: static6 needs an IPv6 address, got ${address}`);
    const gateway = subnet.gateway === undefined || subnet.gateway === null ? undefined : parseIp(subnet.gateway, `${where}: gateway`);
    iface.subnets.push({ type: "static", address, prefix, ...(gateway ? { gateway } : {}), ...(metric === undefined ? {} : { metric }) });
  } else if (type !== "manual") iface.subnets.push({ ...type, ...(metric !== undefined && type.type !== "ipv6_slaac" ? { routeMetric: metric } : {}) });
  if (subnet["accept-ra"] !== undefined && subnet["accept-ra"] !== null) iface.acceptRa = parseBoolean(subnet["accept-ra"], `${where}: accept-ra`);
  // An IPv4 subnet's MTU is the device's (cloud-init lets it win over the interface's); an
  // IPv6 subnet's is the IPv6 MTU alone (sysconfig's IPV6_MTU).
  const added = type === "manual" ? undefined : iface.subnets[iface.subnets.length - 1];
  const ipv6 = added !== undefined && (added.type === "static" ? isIPv6(added.address) : added.type !== "dhcp4");
  if (subnet.mtu !== undefined && subnet.mtu !== null) {
    const mtu = parseNumber(subnet.mtu, `${where}: mtu`);
    if (ipv6) iface.ipv6Mtu = mtu;
    else iface.mtu = mtu;
  }
  addUnique(iface.nameservers.addresses, stringList(subnet.dns_nameservers, `${where}: dns_nameservers`).map((a) => parseIp(a, `${where}: dns_nameservers`)));
  addUnique(iface.nameservers.search, stringList(subnet.dns_search, `${where}: dns_search`).map((d) => domainName(d, `${where}: dns_search`)));
  for (const [i, route] of optionalList(subnet.routes, `${where}: routes`).entries()) {
    if (!isPlainObject(route)) throw new Error(`${where}: route ${i} must be a mapping`);
    // a route without its own metric takes its subnet's (as cloud-init's netplan renderer does)
    iface.routes.push(parseRoute(route.network ?? route.destination, route.netmask ?? route.prefix, route.gateway, route.metric ?? metric, `${where}: route ${i}`));
  }
}

/** Bond options from `params` or the item itself, as bond-mode / bond_miimon: kernel names. */
function bondParams(item: Record<string, unknown>, where: string): BondParams {
  const params: BondParams = {};
  const sources = [item, optionalMapping(item.params, `${where}: params`)];
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (!/^bond[-_]/.test(key) || key === "bond_interfaces" || value === undefined || value === null) continue;
      const kernelName = key.slice(5).replace(/-/g, "_");
      params[kernelName] = Array.isArray(value) ? value.map(String) : typeof value === "number" ? value : String(value);
    }
  }
  return params;
}

const V1_BRIDGE_KEYS: Record<string, keyof BridgeParams> = {
  bridge_stp: "stp",
  bridge_fd: "forwardDelay",
  bridge_hello: "helloTime",
  bridge_maxage: "maxAge",
  bridge_ageing: "ageingTime",
  bridge_bridgeprio: "priority",
};

function bridgeParams(params: Record<string, unknown>, where: string): BridgeParams {
  const result: BridgeParams = {};
  for (const [key, name] of Object.entries(V1_BRIDGE_KEYS)) {
    const value = params[key];
    if (value === undefined || value === null) continue;
    if (name === "stp") result.stp = value === true || value === "on" || value === "yes";
    else result[name] = parseNumber(value, `${where}: ${key}`);
  }
  return result;
}
