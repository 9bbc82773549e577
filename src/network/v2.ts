// cloud-init network config version 2, netplan's format: ethernets found by MAC or name,
// bonds, bridges and vlans referring to them by their ids.
import { isIPv6 } from "node:net";
import { parseBoolean, parseCidr, parseIp, parseMac, parseNumber, parseRoute, stringList } from "./addresses";
import { addressLabel, addUnique, describe, domainName, interfaceName, keyName, networkDocument, optionalList, optionalMapping } from "./document";
import { emptyModel, noNameservers } from "./model";
import type { BondParams, BridgeParams, DhcpOverrides, NetInterface, NetworkModel, PhysicalInterface, Route } from "./model";
import { checkModel } from "./validate";
import { isPlainObject } from "../config/yaml";

export function parseV2(value: unknown): NetworkModel {
  const doc = networkDocument(value);
  if (doc.version !== 2) throw new Error(`expected network config version 2, got ${describe(doc.version)}`);
  for (const unsupported of ["wifis", "tunnels", "modems", "vrfs"]) {
    if (doc[unsupported] !== undefined) throw new Error(`network config v2: ${unsupported} are not supported`);
  }
  const model = emptyModel();
  const ignored = unreadKeys(doc, DOCUMENT_KEYS, "network");
  const ethernets = Object.entries(optionalMapping(doc.ethernets, "ethernets"));
  // Bonds, bridges and vlans name their parts by id; a set-name changes what the id stands for.
  const nameOf = new Map<string, string>();
  for (const [id, settings] of ethernets) {
    const iface = ethernet(id, device(settings, `ethernets.${keyName(id)}`));
    nameOf.set(id, iface.name);
    model.interfaces.push(iface);
  }
  const ref = (id: string) => nameOf.get(id) ?? id;
  for (const [id, raw] of Object.entries(optionalMapping(doc.bonds, "bonds"))) {
    const where = `bonds.${keyName(id)}`;
    const settings = device(raw, where);
    const members = stringList(settings.interfaces, `${where}: interfaces`).map(ref);
    const params = bondParams(optionalMapping(settings.parameters, `${where}: parameters`), ref, where);
    model.interfaces.push(withCommon({ type: "bond", ...base(id, where), members, params }, settings, where));
  }
  for (const [id, raw] of Object.entries(optionalMapping(doc.bridges, "bridges"))) {
    const where = `bridges.${keyName(id)}`;
    const settings = device(raw, where);
    const members = stringList(settings.interfaces, `${where}: interfaces`).map(ref);
    const params = bridgeParams(optionalMapping(settings.parameters, `${where}: parameters`), where);
    model.interfaces.push(withCommon({ type: "bridge", ...base(id, where), members, params }, settings, where));
  }
  for (const [id, raw] of Object.entries(optionalMapping(doc.vlans, "vlans"))) {
    const where = `vlans.${keyName(id)}`;
    const settings = device(raw, where);
    const vlanId = parseNumber(settings.id, `${where}: id`);
    if (vlanId > 4094) throw new Error(`${where}: id ${vlanId} is outside 0-4094`);
    const link = ref(interfaceName(settings.link, `${where}: link`));
    model.interfaces.push(withCommon({ type: "vlan", ...base(id, where), id: vlanId, link }, settings, where));
  }
  for (const [section, extra] of Object.entries(DEVICE_KEYS)) {
    for (const [id, raw] of Object.entries(optionalMapping(doc[section], section))) {
      const where = `${section}.${keyName(id)}`;
      const settings = device(raw, where);
      ignored.push(...unreadKeys(settings, [...COMMON_KEYS, ...extra], where), ...unreadKeys(optionalMapping(settings.match, where), MATCH_KEYS, `${where}: match`));
      for (const [i, route] of optionalList(settings.routes, where).entries()) ignored.push(...unreadKeys(optionalMapping(route, where), ROUTE_KEYS, `${where}: route ${i}`));
      if (section === "bridges") ignored.push(...unreadKeys(optionalMapping(settings.parameters, where), Object.keys(V2_BRIDGE_PARAMS), `${where}: parameters`));
    }
  }
  if (ignored.length) model.ignored = ignored;
  checkModel(model);
  return model;
}

// The keys this parser reads; netplan's others (routing-policy, link-local, offloads, ...)
// are named in the model's `ignored`, for a warning, rather than passed over in silence.
const DOCUMENT_KEYS = ["version", "renderer", "ethernets", "bonds", "bridges", "vlans"];
const COMMON_KEYS = ["renderer", "mtu", "ipv6-mtu", "accept-ra", "optional", "ipv6-privacy", "ipv6-address-token", "dhcp-identifier", "dhcp4", "dhcp6", "dhcp4-overrides", "dhcp6-overrides", "addresses", "gateway4", "gateway6", "routes", "nameservers", "macaddress"];
const DEVICE_KEYS: Record<string, string[]> = { ethernets: ["match", "set-name", "wakeonlan"], bonds: ["interfaces", "parameters"], bridges: ["interfaces", "parameters"], vlans: ["id", "link"] };
const MATCH_KEYS = ["macaddress", "name"];
const ROUTE_KEYS = ["to", "via", "metric", "on-link", "table", "mtu"];

/** The keys of `mapping` outside `read`, each named where it sits in printable ASCII (any other
 * character written \uXXXX) and at most 200 characters, as a log line may hold it. */
function unreadKeys(mapping: Record<string, unknown>, read: string[], where: string): string[] {
  return Object.keys(mapping)
    .filter((key) => !read.includes(key))
    .map((key) => `${where}: ${keyName(key)}`.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).slice(0, 200));
}

function device(value: unknown, where: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw new Error(`${where} must be a mapping, got ${describe(value)}`);
  return value;
}

function base(id: string, where: string) {
  return { name: interfaceName(id, where), subnets: [], routes: [], nameservers: noNameservers() };
}

const GLOB = /[*?[]/;

function ethernet(id: string, settings: Record<string, unknown>): PhysicalInterface {
  const where = `ethernets.${keyName(id)}`;
  const match = optionalMapping(settings.match, `${where}: match`);
  const setName = settings["set-name"] === undefined ? undefined : interfaceName(settings["set-name"], `${where}: set-name`);
  const mac = match.macaddress === undefined ? undefined : parseMac(match.macaddress, `${where}: match.macaddress`);
  const matchName = match.name === undefined ? undefined : interfaceName(match.name, `${where}: match.name`, true);
  if (settings.match !== undefined && !mac && !matchName) throw new Error(`${where}: match needs macaddress or name (matching by driver alone is not supported)`);
  if (setName && !mac && !matchName) throw new Error(`${where}: set-name needs a match`);
  // Without set-name the NIC keeps its kernel name: a plain match name is that name.
  const name = setName ?? (matchName && !GLOB.test(matchName) ? matchName : interfaceName(id, where));
  const iface: PhysicalInterface = { type: "physical", name, subnets: [], routes: [], nameservers: noNameservers(), rename: setName !== undefined };
  if (mac) iface.mac = mac;
  // A pattern stands for NICs yet to be found; a plain name given a new one is how the NIC is found.
  if (matchName && (GLOB.test(matchName) || (setName && matchName !== setName))) iface.matchName = matchName;
  if (settings.macaddress !== undefined) iface.setMac = parseMac(settings.macaddress, `${where}: macaddress`);
  if (settings.wakeonlan !== undefined) iface.wakeOnLan = parseBoolean(settings.wakeonlan, `${where}: wakeonlan`);
  return withCommon(iface, settings, where);
}

/** netplan's `dhcp4-overrides` keys by the model's: what the netplan renderer writes, and
 * what warnings name. */
export const DHCP_OVERRIDE_KEYS: Record<keyof DhcpOverrides, string> = {
  useDns: "use-dns",
  useNtp: "use-ntp",
  useHostname: "use-hostname",
  useRoutes: "use-routes",
  useDomains: "use-domains",
  sendHostname: "send-hostname",
  hostname: "hostname",
};

/** What every v2 device may carry: addressing, routes, DNS, MTU, IPv6 and DHCP settings. */
function withCommon<T extends NetInterface>(iface: T, settings: Record<string, unknown>, where: string): T {
  if (iface.type !== "physical" && settings.macaddress !== undefined) iface.mac = parseMac(settings.macaddress, `${where}: macaddress`);
  if (settings.mtu !== undefined) iface.mtu = parseNumber(settings.mtu, `${where}: mtu`);
  if (settings["ipv6-mtu"] !== undefined) iface.ipv6Mtu = parseNumber(settings["ipv6-mtu"], `${where}: ipv6-mtu`);
  for (const [key, field] of [["accept-ra", "acceptRa"], ["optional", "optional"], ["ipv6-privacy", "ipv6Privacy"]] as const) {
    if (settings[key] !== undefined) iface[field] = parseBoolean(settings[key], `${where}: ${key}`);
  }
  if (settings["ipv6-address-token"] !== undefined) {
    const token = parseIp(settings["ipv6-address-token"], `${where}: ipv6-address-token`);
    if (!isIPv6(token)) throw new Error(`${where}: ipv6-address-token must be an IPv6 interface identifier such as ::42`);
    iface.ipv6AddressToken = token;
  }
  const identifier = settings["dhcp-identifier"];
  if (identifier !== undefined) {
    if (identifier !== "mac" && identifier !== "duid") throw new Error(`${where}: dhcp-identifier must be mac or duid, got ${describe(identifier)}`);
    iface.dhcpIdentifier = identifier;
  }
  // netplan picks the backend per device; here the image's renderer writes every device
  if (settings.renderer !== undefined && settings.renderer !== "networkd" && settings.renderer !== "NetworkManager" && settings.renderer !== "sriov") {
    throw new Error(`${where}: renderer must be networkd or NetworkManager, got ${describe(settings.renderer)}`);
  }
  for (const family of ["4", "6"] as const) {
    const enabled = settings[`dhcp${family}`];
    if (enabled === undefined || !parseBoolean(enabled, `${where}: dhcp${family}`)) continue;
    iface.subnets.push({ type: `dhcp${family}`, ...dhcpOverrides(settings[`dhcp${family}-overrides`], `${where}: dhcp${family}-overrides`) });
  }
  for (const [i, entry] of optionalList(settings.addresses, `${where}: addresses`).entries()) {
    // an address, or a one-key mapping of an address to its options
    const [address, options] = isPlainObject(entry) && Object.keys(entry).length === 1 ? Object.entries(entry)[0] : [entry, {}];
    if (typeof address !== "string" || !address.includes("/")) throw new Error(`${where}: address ${i} must be a string with a prefix, got ${describe(address)}`);
    iface.subnets.push({ type: "static", ...parseCidr(address, undefined, `${where}: addresses`), ...addressOptions(options, `${where}: address ${i}`) });
  }
  for (const [key, v6] of [["gateway4", false], ["gateway6", true]] as const) {
    if (settings[key] === undefined) continue;
    const gateway = parseIp(settings[key], `${where}: ${key}`);
    if (isIPv6(gateway) !== v6) throw new Error(`${where}: ${key} ${gateway} is of the wrong address family`);
    // On the interface's first static address of that family, as v1 would carry it.
    const subnet = iface.subnets.find((s) => s.type === "static" && isIPv6(s.address) === v6);
    if (subnet?.type === "static") subnet.gateway = gateway;
    else iface.routes.push({ to: v6 ? "::/0" : "0.0.0.0/0", via: gateway });
  }
  for (const [i, route] of optionalList(settings.routes, `${where}: routes`).entries()) {
    if (!isPlainObject(route)) throw new Error(`${where}: route ${i} must be a mapping`);
    iface.routes.push(v2Route(route, `${where}: route ${i}`));
  }
  const nameservers = optionalMapping(settings.nameservers, `${where}: nameservers`);
  addUnique(iface.nameservers.addresses, stringList(nameservers.addresses, `${where}: nameservers.addresses`).map((a) => parseIp(a, `${where}: nameservers`)));
  addUnique(iface.nameservers.search, stringList(nameservers.search, `${where}: nameservers.search`).map((d) => domainName(d, `${where}: nameservers.search`)));
  return iface;
}

function dhcpOverrides(value: unknown, where: string): { routeMetric?: number; overrides?: DhcpOverrides } {
  const given = optionalMapping(value, where);
  const result: { routeMetric?: number; overrides?: DhcpOverrides } = {};
  const overrides: DhcpOverrides = {};
  for (const [key, setting] of Object.entries(given)) {
    if (key === "route-metric") result.routeMetric = parseNumber(setting, `${where}: route-metric`);
    else if (key === "hostname") overrides.hostname = domainName(String(setting), `${where}: hostname`);
    else {
      const field = (Object.keys(DHCP_OVERRIDE_KEYS) as Array<Exclude<keyof DhcpOverrides, "hostname">>).find((f) => DHCP_OVERRIDE_KEYS[f] === key);
      if (!field) throw new Error(`${where}: unknown override ${keyName(key)}`);
      overrides[field] = parseBoolean(setting, `${where}: ${key}`);
    }
  }
  if (Object.keys(overrides).length) result.overrides = overrides;
  return result;
}

/** netplan's address options: `lifetime: forever | 0` and `label`. */
function addressOptions(value: unknown, where: string): { lifetime?: "forever" | "0"; label?: string } {
  const options = optionalMapping(value, where);
  const result: { lifetime?: "forever" | "0"; label?: string } = {};
  for (const [key, setting] of Object.entries(options)) {
    if (key === "lifetime") {
      if (setting !== "forever" && setting !== 0 && setting !== "0") throw new Error(`${where}: lifetime must be forever or 0, got ${describe(setting)}`);
      result.lifetime = setting === "forever" ? "forever" : "0";
    } else if (key === "label") result.label = addressLabel(setting, `${where}: label`);
    else throw new Error(`${where}: unknown address option ${keyName(key)}`);
  }
  return result;
}

/** A v2 route: a destination without a prefix is one host (netplan's rule, unlike v1's /24). */
function v2Route(route: Record<string, unknown>, where: string): Route {
  const to = typeof route.to === "string" && route.to !== "default" && !route.to.includes("/") ? `${route.to}/${isIPv6(route.to) ? 128 : 32}` : route.to;
  const parsed = parseRoute(to, undefined, route.via, route.metric, where);
  if (route["on-link"] !== undefined && parseBoolean(route["on-link"], `${where}: on-link`)) parsed.onLink = true;
  if (route.table !== undefined) parsed.table = parseNumber(route.table, `${where}: table`);
  if (route.mtu !== undefined) parsed.mtu = parseNumber(route.mtu, `${where}: mtu`);
  return parsed;
}

/** netplan's bond parameter names and the kernel's (which ENI, sysconfig and NM use); the
 * first netplan name of a kernel option is the one the netplan renderer writes. */
export const V2_BOND_PARAMS: Record<string, string> = {
  mode: "mode",
  "mii-monitor-interval": "miimon",
  "transmit-hash-policy": "xmit_hash_policy",
  "lacp-rate": "lacp_rate",
  "up-delay": "updelay",
  "down-delay": "downdelay",
  "ad-select": "ad_select",
  "min-links": "min_links",
  "arp-interval": "arp_interval",
  "arp-ip-targets": "arp_ip_target",
  "arp-validate": "arp_validate",
  "arp-all-targets": "arp_all_targets",
  "fail-over-mac-policy": "fail_over_mac",
  "gratuitous-arp": "num_grat_arp",
  // netplan still reads its old misspelling
  "gratuitious-arp": "num_grat_arp",
  "packets-per-member": "packets_per_slave",
  "packets-per-slave": "packets_per_slave",
  "resend-igmp": "resend_igmp",
  "learn-packet-interval": "lp_interval",
  primary: "primary",
  "primary-reselect-policy": "primary_reselect",
  "all-members-active": "all_slaves_active",
  "all-slaves-active": "all_slaves_active",
};

/** Kernel options that are on/off switches: netplan writes them as booleans, the kernel as 1/0. */
export const BOND_SWITCHES = new Set(["all_slaves_active"]);

function bondParams(params: Record<string, unknown>, ref: (id: string) => string, where: string): BondParams {
  const result: BondParams = {};
  for (const [key, value] of Object.entries(params)) {
    const kernelName = Object.hasOwn(V2_BOND_PARAMS, key) ? V2_BOND_PARAMS[key] : undefined;
    if (!kernelName) throw new Error(`${where}: unknown bond parameter ${keyName(key)}`);
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) result[kernelName] = value.map(String);
    else if (key === "primary") result[kernelName] = ref(String(value));
    else if (BOND_SWITCHES.has(kernelName)) result[kernelName] = parseBoolean(value, `${where}: ${key}`) ? 1 : 0;
    else result[kernelName] = typeof value === "number" ? value : String(value);
  }
  return result;
}

const V2_BRIDGE_PARAMS: Record<string, keyof BridgeParams> = {
  stp: "stp",
  "forward-delay": "forwardDelay",
  "hello-time": "helloTime",
  "max-age": "maxAge",
  "ageing-time": "ageingTime",
  priority: "priority",
};

function bridgeParams(params: Record<string, unknown>, where: string): BridgeParams {
  const result: BridgeParams = {};
  for (const [key, value] of Object.entries(params)) {
    const name = V2_BRIDGE_PARAMS[key];
    // Per-port path costs and priorities are not carried by the model (parseV2 reports them).
    if (!name) {
      if (key === "path-cost" || key === "port-priority") continue;
      throw new Error(`${where}: unknown bridge parameter ${keyName(key)}`);
    }
    if (name === "stp") {
      result.stp = parseBoolean(value, `${where}: stp`);
    } else result[name] = parseNumber(value, `${where}: ${key}`);
  }
  return result;
}
