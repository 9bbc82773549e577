// The model's boundary: every parser's output is checked here before any renderer sees it, so
// each value is of its kind (a name, an address, a number in range, one of a bond option's
// words) and nothing can reach a config file, or a shell line built from one, as syntax.
// Messages name where the value sits, never the value.
import { isIPv4, isIPv6 } from "node:net";
import { isMac } from "./addresses";
import { isAddressLabel, isDomainName, isInterfaceName, keyName } from "./document";
import type { BondParams, BridgeParams, DhcpOverrides, NetInterface, NetworkModel, Nameservers, Route, Subnet } from "./model";

const UINT32 = 2 ** 32 - 1;
const INT32 = 2 ** 31 - 1;

/** Throws at the first value that is not what its place in the model holds. */
export function checkModel(model: NetworkModel): void {
  model.interfaces.forEach((iface, i) => checkInterface(iface, i));
  checkReferences(model);
  model.routes.forEach((route, i) => checkRoute(route, `routes[${i}]`));
  checkNameservers(model.nameservers, "nameservers");
  // they go to the log: one line each, of the names messages may quote
  if (model.ignored !== undefined && !(Array.isArray(model.ignored) && model.ignored.every((entry) => typeof entry === "string" && /^[\x20-\x7e]{1,200}$/.test(entry)))) {
    throw new Error("ignored: each entry must be one line of printable ASCII");
  }
}

/** Every member and link names an interface the config declares, and names are unique. */
function checkReferences(model: NetworkModel): void {
  const names = new Set<string>();
  for (const iface of model.interfaces) {
    if (names.has(iface.name)) throw new Error(`interface ${iface.name} is declared twice`);
    names.add(iface.name);
  }
  const need = (owner: string, name: string) => {
    if (!names.has(name)) throw new Error(`${owner} refers to ${name}, which the config does not declare`);
  };
  for (const iface of model.interfaces) {
    if (iface.type === "bond" || iface.type === "bridge") iface.members.forEach((m) => need(iface.name, m));
    if (iface.type === "vlan") need(iface.name, iface.link);
  }
}

function checkInterface(iface: NetInterface, index: number): void {
  if (!isInterfaceName(iface.name)) throw new Error(`interface ${index}: the name is not an interface name`);
  const where = `interface ${iface.name}`;
  if (iface.mac !== undefined && !isMac(iface.mac)) throw new Error(`${where}: mac is not a MAC address`);
  if (iface.mtu !== undefined && !isWhole(iface.mtu, 68, 65535)) throw new Error(`${where}: mtu must be a whole number from 68 to 65535`);
  iface.subnets.forEach((subnet, i) => checkSubnet(subnet, `${where}: subnet ${i}`));
  iface.routes.forEach((route, i) => checkRoute(route, `${where}: route ${i}`));
  checkNameservers(iface.nameservers, `${where}: nameservers`);
  for (const key of ["acceptRa", "optional", "ipv6Privacy"] as const) checkFlag(iface[key], `${where}: ${key}`);
  if (iface.ipv6Mtu !== undefined && !isWhole(iface.ipv6Mtu, 1280, 65535)) throw new Error(`${where}: ipv6Mtu must be a whole number from 1280 to 65535`);
  if (iface.ipv6AddressToken !== undefined && !(typeof iface.ipv6AddressToken === "string" && isIPv6(iface.ipv6AddressToken))) throw new Error(`${where}: ipv6AddressToken is not an IPv6 interface identifier`);
  if (iface.dhcpIdentifier !== undefined && iface.dhcpIdentifier !== "mac" && iface.dhcpIdentifier !== "duid") throw new Error(`${where}: dhcpIdentifier must be mac or duid`);
  switch (iface.type) {
    case "physical":
      if (typeof iface.rename !== "boolean") throw new Error(`${where}: rename must be true or false`);
      if (iface.matchName !== undefined && !isInterfaceName(iface.matchName, true)) throw new Error(`${where}: match name is not an interface name or pattern`);
      if (iface.setMac !== undefined && !isMac(iface.setMac, true)) throw new Error(`${where}: setMac is not an Ethernet MAC address`);
      checkFlag(iface.wakeOnLan, `${where}: wakeOnLan`);
      checkFlag(iface.infiniband, `${where}: infiniband`);
      return;
    case "vlan":
      if (!isWhole(iface.id, 0, 4094)) throw new Error(`${where}: vlan id must be a whole number from 0 to 4094`);
      if (!isInterfaceName(iface.link)) throw new Error(`${where}: vlan link is not an interface name`);
      return;
    case "bond":
      checkMembers(iface.members, where);
      checkBondParams(iface.params, where);
      // the kernel takes only one of the bond's own members
      for (const key of ["primary", "active_slave"]) {
        const member = iface.params[key];
        if (member !== undefined && !iface.members.includes(member as string)) throw new Error(`${where}: bond option ${key} is not a member of the bond`);
      }
      return;
    case "bridge":
      checkMembers(iface.members, where);
      checkBridgeParams(iface.params, where);
      return;
    default:
      throw new Error(`interface ${index}: unknown interface type`);
  }
}

function checkMembers(members: string[], where: string): void {
  if (!Array.isArray(members)) throw new Error(`${where}: members must be a list`);
  members.forEach((m, i) => {
    if (!isInterfaceName(m)) throw new Error(`${where}: member ${i} is not an interface name`);
  });
}

function checkSubnet(subnet: Subnet, where: string): void {
  switch (subnet.type) {
    case "dhcp4":
    case "dhcp6":
      if (subnet.routeMetric !== undefined && !isWhole(subnet.routeMetric, 0, UINT32)) throw new Error(`${where}: route metric must be a whole number from 0 to ${UINT32}`);
      if (subnet.type === "dhcp6") checkFlag(subnet.stateful, `${where}: stateful`);
      if (subnet.overrides !== undefined) checkOverrides(subnet.overrides, `${where}: overrides`);
      return;
    case "ipv6_slaac":
      checkFlag(subnet.dhcp6Information, `${where}: dhcp6Information`);
      return;
    case "static": {
      if (!isIp(subnet.address)) throw new Error(`${where}: address is not an IP address`);
      if (!isWhole(subnet.prefix, 0, isIPv6(subnet.address) ? 128 : 32)) throw new Error(`${where}: prefix is out of range for the address family`);
      if (subnet.gateway !== undefined && !isIp(subnet.gateway)) throw new Error(`${where}: gateway is not an IP address`);
      if (subnet.metric !== undefined && !isWhole(subnet.metric, 0, UINT32)) throw new Error(`${where}: metric must be a whole number from 0 to ${UINT32}`);
      if (subnet.label !== undefined && !isAddressLabel(subnet.label)) throw new Error(`${where}: label is not an address label`);
      if (subnet.lifetime !== undefined && subnet.lifetime !== "forever" && subnet.lifetime !== "0") throw new Error(`${where}: lifetime must be forever or 0`);
      return;
    }
    default:
      throw new Error(`${where}: unknown subnet type`);
  }
}

function checkRoute(route: Route, where: string): void {
  const [address, prefix, extra] = typeof route.to === "string" ? route.to.split("/") : [];
  if (extra !== undefined || !isIp(address) || !/^\d+$/.test(prefix ?? "") || !isWhole(Number(prefix), 0, isIPv6(address) ? 128 : 32)) {
    throw new Error(`${where}: destination is not a network (address/prefix)`);
  }
  if (route.via !== undefined && !isIp(route.via)) throw new Error(`${where}: gateway is not an IP address`);
  if (route.metric !== undefined && !isWhole(route.metric, 0, UINT32)) throw new Error(`${where}: metric must be a whole number from 0 to ${UINT32}`);
  checkFlag(route.onLink, `${where}: onLink`);
  // 253-255 are the kernel's default, main and local tables: unset means main
  if (route.table !== undefined && !isWhole(route.table, 1, UINT32)) throw new Error(`${where}: table must be a whole number from 1 to ${UINT32}`);
  if (route.mtu !== undefined && !isWhole(route.mtu, 68, 65535)) throw new Error(`${where}: mtu must be a whole number from 68 to 65535`);
}

function checkOverrides(overrides: DhcpOverrides, where: string): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (key === "hostname") {
      if (!isDomainName(value)) throw new Error(`${where}: hostname is not a host name`);
    } else if (["useDns", "useNtp", "useHostname", "useRoutes", "useDomains", "sendHostname"].includes(key)) checkFlag(value, `${where}: ${key}`);
    else throw new Error(`${where}: unknown DHCP override ${keyName(key)}`);
  }
}

function checkFlag(value: unknown, where: string): void {
  if (value !== undefined && typeof value !== "boolean") throw new Error(`${where} must be true or false`);
}

function checkNameservers(ns: Nameservers, where: string): void {
  ns.addresses.forEach((a, i) => {
    if (!isIp(a)) throw new Error(`${where}: address ${i} is not an IP address`);
  });
  ns.search.forEach((d, i) => {
    if (!isDomainName(d)) throw new Error(`${where}: search domain ${i} is not a domain name`);
  });
}

const BRIDGE_LIMITS: Record<Exclude<keyof BridgeParams, "stp">, number> = {
  forwardDelay: 65535,
  helloTime: 65535,
  maxAge: 65535,
  ageingTime: INT32,
  priority: 65535,
};

function checkBridgeParams(params: BridgeParams, where: string): void {
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (key === "stp") {
      if (typeof value !== "boolean") throw new Error(`${where}: bridge stp must be true or false`);
      continue;
    }
    const max = BRIDGE_LIMITS[key as keyof typeof BRIDGE_LIMITS];
    if (max === undefined) throw new Error(`${where}: unknown bridge parameter ${keyName(key)}`);
    if (!isWhole(value, 0, max)) throw new Error(`${where}: bridge ${key} must be a whole number from 0 to ${max}`);
  }
}

type BondValue = BondParams[string];

interface BondRule {
  accepts(value: BondValue): boolean;
  /** What the option takes, for the message. */
  expected: string;
  /** An option of words: the words in the kernel's order. */
  words?: string[];
}

/** The kernel's words for an option, or their positions (the numeric form the kernel also takes). */
function oneOf(...words: string[]): BondRule {
  return {
    accepts: (v) => (typeof v === "string" && words.includes(v)) || isWhole(numeric(v), 0, words.length - 1),
    expected: `one of ${words.join(", ")} (or 0-${words.length - 1})`,
    words,
  };
}

/** A bond option's value as its word when the config gave the word's position ("4" for
 * 802.3ad): netplan and networkd take the words only. */
export function bondWord(option: string, value: BondValue): BondValue {
  const words = Object.hasOwn(BOND_OPTIONS, option) ? BOND_OPTIONS[option].words : undefined;
  const position = numeric(value);
  return words && typeof position === "number" ? (words[position] ?? value) : value;
}

function whole(min: number, max: number): BondRule {
  return { accepts: (v) => isWhole(numeric(v), min, max), expected: `a whole number from ${min} to ${max}` };
}

/** v1 gives numbers as YAML numbers or as digit strings. */
const numeric = (v: BondValue): unknown => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v);

/** An on/off option; v2 gives these as YAML booleans. */
const SWITCH: BondRule = { accepts: (v) => ["0", "1", "on", "off", "true", "false"].includes(String(v)) && !Array.isArray(v), expected: "0, 1, on, off, true or false" };

function addressList(family: "IPv4" | "IPv6", max: number): BondRule {
  const is = family === "IPv4" ? isIPv4 : isIPv6;
  return {
    accepts: (v) => {
      const list = typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : v;
      return Array.isArray(list) && list.length > 0 && list.length <= max && list.every((a) => typeof a === "string" && is(a));
    },
    expected: `a list of up to ${max} ${family} addresses`,
  };
}

const INTERFACE: BondRule = { accepts: (v) => isInterfaceName(v), expected: "an interface name" };

/** Every bonding driver option a config may set, under the kernel's name (Documentation/networking/bonding.rst). */
const BOND_OPTIONS: Record<string, BondRule> = {
  mode: oneOf("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"),
  lacp_rate: oneOf("slow", "fast"),
  lacp_active: oneOf("off", "on"),
  xmit_hash_policy: oneOf("layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"),
  ad_select: oneOf("stable", "bandwidth", "count"),
  arp_validate: oneOf("none", "active", "backup", "all", "filter", "filter_active", "filter_backup"),
  arp_all_targets: oneOf("any", "all"),
  fail_over_mac: oneOf("none", "active", "follow"),
  primary_reselect: oneOf("always", "better", "failure"),
  miimon: whole(0, INT32),
  updelay: whole(0, INT32),
  downdelay: whole(0, INT32),
  peer_notif_delay: whole(0, INT32),
  arp_interval: whole(0, INT32),
  arp_missed_max: whole(1, 255),
  min_links: whole(0, INT32),
  ad_actor_sys_prio: whole(1, 65535),
  ad_user_port_key: whole(0, 1023),
  num_grat_arp: whole(0, 255),
  num_unsol_na: whole(0, 255),
  packets_per_slave: whole(0, 65535),
  resend_igmp: whole(0, 255),
  lp_interval: whole(1, INT32),
  tlb_dynamic_lb: SWITCH,
  all_slaves_active: SWITCH,
  use_carrier: SWITCH,
  coupled_control: SWITCH,
  ad_actor_system: { accepts: (v) => isMac(typeof v === "string" ? v.toLowerCase() : v, true), expected: "a MAC address" },
  primary: INTERFACE,
  active_slave: INTERFACE,
  arp_ip_target: addressList("IPv4", 16),
  ns_ip6_target: addressList("IPv6", 16),
};

function checkBondParams(params: BondParams, where: string): void {
  for (const [key, value] of Object.entries(params)) {
    const rule = Object.hasOwn(BOND_OPTIONS, key) ? BOND_OPTIONS[key] : undefined;
    if (!rule) throw new Error(`${where}: unknown bond option ${keyName(key)}`);
    if (!rule.accepts(value)) throw new Error(`${where}: bond option ${key} must be ${rule.expected}`);
  }
}

function isIp(value: unknown): value is string {
  return typeof value === "string" && (isIPv4(value) || isIPv6(value));
}

function isWhole(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}
