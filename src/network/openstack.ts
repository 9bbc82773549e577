// OpenStack's network_data.json (config drive and metadata service): links are devices,
// networks are addresses on a link, services carry the name servers.
import { isIPv6 } from "node:net";
import { parseCidr, parseIp, parseMac, parseNumber, parseRoute, stringList } from "./addresses";
import { addUnique, describe, domainName, interfaceName, keyName, optionalList } from "./document";
import { emptyModel, noNameservers } from "./model";
import type { BondParams, NetInterface, NetworkModel } from "./model";
import { checkModel } from "./validate";
import { isPlainObject } from "../config/yaml";

export function parseNetworkData(value: unknown): NetworkModel {
  if (!isPlainObject(value)) throw new Error(`network_data.json must be a mapping, got ${describe(value)}`);
  const model = emptyModel();
  const links = optionalList(value.links, "network_data.json links").map((link, i) => {
    if (!isPlainObject(link)) throw new Error(`link ${i} must be a mapping`);
    return link;
  });
  // Links and networks refer to links by id; the model refers to interfaces by name.
  const nameOf = new Map<string, string>();
  let bonds = 0;
  for (const [i, link] of links.entries()) {
    if (typeof link.id !== "string" && typeof link.id !== "number") throw new Error(`link ${i} has no id`);
    const id = String(link.id);
    // A bond is named by the link's `name` when it has one (cloud-init's extension), else bondN.
    if (link.type === "bond") nameOf.set(id, link.name === undefined ? `bond${bonds++}` : interfaceName(link.name, `link ${keyName(id)}: name`));
    // A NIC's name is its kernel's; the link id stands in until the MAC is resolved.
    else if (link.type !== "vlan") nameOf.set(id, interfaceName(link.name ?? id, `link ${keyName(id)}`));
  }
  const ref = (id: unknown, where: string) => {
    const name = nameOf.get(String(id));
    if (!name) throw new Error(`${where} refers to link ${keyName(String(id))}, which network_data.json does not declare`);
    return name;
  };
  // A vlan is named after the interface it rides on: eth0.100.
  for (const link of links) if (link.type === "vlan") nameOf.set(String(link.id), `${ref(link.vlan_link, `link ${keyName(String(link.id))}`)}.${String(link.vlan_id)}`);
  for (const link of links) model.interfaces.push(linkInterface(link, ref, ref(link.id, "")));
  for (const [i, network] of optionalList(value.networks, "network_data.json networks").entries()) {
    if (!isPlainObject(network)) throw new Error(`network ${i} must be a mapping`);
    const where = `network ${keyName(String(network.id ?? i))}`;
    const name = ref(network.link, where);
    addNetwork(model.interfaces.find((iface) => iface.name === name) as NetInterface, network, where);
  }
  for (const [i, service] of optionalList(value.services, "network_data.json services").entries()) {
    if (!isPlainObject(service)) throw new Error(`service ${i} must be a mapping`);
    if (service.type !== "dns") continue;
    addUnique(model.nameservers.addresses, [parseIp(service.address, `service ${i}`)]);
    addUnique(model.nameservers.search, stringList(service.search, `service ${i}: search`).map((d) => domainName(d, `service ${i}: search`)));
  }
  checkModel(model);
  return model;
}

function linkInterface(link: Record<string, unknown>, ref: (id: unknown, where: string) => string, name: string): NetInterface {
  const where = `link ${keyName(String(link.id))}`;
  const base = { name, subnets: [], routes: [], nameservers: noNameservers() };
  const mac = link.ethernet_mac_address === undefined || link.ethernet_mac_address === null ? undefined : parseMac(link.ethernet_mac_address, `${where}: ethernet_mac_address`);
  let iface: NetInterface;
  if (link.type === "bond") {
    const params: BondParams = {};
    for (const [key, value] of Object.entries(link)) {
      if (key.startsWith("bond_") && key !== "bond_links" && (typeof value === "string" || typeof value === "number")) params[key.slice(5)] = value;
    }
    const members = optionalList(link.bond_links, `${where}: bond_links`).map((id) => ref(id, where));
    if (!members.length) throw new Error(`${where}: a bond needs bond_links`);
    iface = { type: "bond", ...base, members, params, ...(mac ? { mac } : {}) };
  } else if (link.type === "vlan") {
    const id = parseNumber(link.vlan_id, `${where}: vlan_id`);
    const vlanMac = link.vlan_mac_address ?? link.ethernet_mac_address;
    iface = { type: "vlan", ...base, id, link: ref(link.vlan_link, where), ...(vlanMac ? { mac: parseMac(vlanMac, `${where}: vlan_mac_address`) } : {}) };
  } else {
    // Every other link type (phy, ovs, tap, vif, ... and clouds' own) is a NIC, as cloud-init reads them.
    if (!mac && link.name === undefined) throw new Error(`${where}: a ${String(link.type)} link needs ethernet_mac_address or name`);
    // Named links keep their name, as a v1 physical entry would.
    iface = { type: "physical", ...base, rename: mac !== undefined && link.name !== undefined, ...(mac ? { mac } : {}) };
  }
  if (link.mtu !== undefined && link.mtu !== null) iface.mtu = parseNumber(link.mtu, `${where}: mtu`);
  return iface;
}

function addNetwork(iface: NetInterface, network: Record<string, unknown>, where: string): void {
  // As cloud-init reads them: a static IPv6 network turns router advertisements off, DHCPv6
  // with addresses turns them on (the default route comes from them).
  switch (network.type) {
    case "ipv4_dhcp":
      iface.subnets.push({ type: "dhcp4" });
      break;
    case "ipv6_dhcp":
      iface.subnets.push({ type: "dhcp6" });
      iface.acceptRa = true;
      break;
    case "ipv6_dhcpv6-stateful":
      iface.subnets.push({ type: "dhcp6", stateful: true });
      iface.acceptRa = true;
      break;
    case "ipv6_slaac":
      iface.subnets.push({ type: "ipv6_slaac" });
      break;
    case "ipv6_dhcpv6-stateless":
      iface.subnets.push({ type: "ipv6_slaac", dhcp6Information: true });
      break;
    case "ipv4":
    case "ipv6": {
      const { address, prefix } = parseCidr(network.ip_address, network.netmask, where);
      if (isIPv6(address) !== (network.type === "ipv6")) throw new Error(`${where}: ${address} is not an ${network.type} address`);
      const gateway = network.gateway === undefined || network.gateway === null ? undefined : parseIp(network.gateway, `${where}: gateway`);
      if (gateway && isIPv6(gateway) !== isIPv6(address)) throw new Error(`${where}: gateway ${gateway} is of the wrong address family`);
      iface.subnets.push({ type: "static", address, prefix, ...(gateway ? { gateway } : {}) });
      if (network.type === "ipv6") iface.acceptRa = false;
      break;
    }
    default:
      throw new Error(`${where}: unknown network type ${describe(network.type)}`);
  }
  const dns: unknown[] = [];
  for (const [i, route] of optionalList(network.routes, `${where}: routes`).entries()) {
    if (!isPlainObject(route)) throw new Error(`${where}: route ${i} must be a mapping`);
    const parsed = parseRoute(route.network, route.netmask, route.gateway, route.metric, `${where}: route ${i}`);
    const subnet = iface.subnets[iface.subnets.length - 1];
    // The default route of a static network is its gateway, as cloud-init renders it.
    if (subnet.type === "static" && parsed.via && parsed.metric === undefined && (parsed.to === "0.0.0.0/0" || parsed.to === "::/0") && !subnet.gateway) subnet.gateway = parsed.via;
    else iface.routes.push(parsed);
    dns.push(...dnsAddresses(route.services));
  }
  // name servers of the network's routes, of the network, then its own list (cloud-init's order)
  dns.push(...dnsAddresses(network.services), ...stringList(network.dns_nameservers, `${where}: dns_nameservers`));
  addUnique(iface.nameservers.addresses, dns.map((a) => parseIp(a, `${where}: name server`)));
  addUnique(iface.nameservers.search, stringList(network.dns_search, `${where}: dns_search`).map((d) => domainName(d, `${where}: dns_search`)));
}

function dnsAddresses(services: unknown): unknown[] {
  return optionalList(services, "services").flatMap((service) => (isPlainObject(service) && service.type === "dns" ? [service.address] : []));
}
