// cloud-init network config version 2, netplan's format: ethernets found by MAC or name,
// bonds, bridges and vlans referring to them by their ids.
import { isIPv6 } from "node:net";
import { parseCidr, parseIp, parseMac, parseNumber, parseRoute, stringList } from "./addresses";
import { addUnique, describe, domainName, interfaceName, keyName, networkDocument, optionalList, optionalMapping } from "./document";
import { emptyModel, noNameservers } from "./model";
import type { BondParams, BridgeParams, NetInterface, NetworkModel, PhysicalInterface } from "./model";
import { checkModel } from "./validate";
import { isPlainObject } from "../config/yaml";

export function parseV2(value: unknown): NetworkModel {
  const doc = networkDocument(value);
  if (doc.version !== 2) throw new Error(`expected network config version 2, got ${describe(doc.version)}`);
  for (const unsupported of ["wifis", "tunnels", "modems", "vrfs"]) {
    if (doc[unsupported] !== undefined) throw new Error(`network config v2: ${unsupported} are not supported`);
  }
  const model = emptyModel();
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
  checkModel(model);
  return model;
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
  if (matchName && GLOB.test(matchName)) iface.matchName = matchName;
  return withCommon(iface, settings, where);
}

/** What every v2 device may carry: addressing, routes, DNS, MTU. */
function withCommon<T extends NetInterface>(iface: T, settings: Record<string, unknown>, where: string): T {
  if (iface.type !== "physical" && settings.macaddress !== undefined) iface.mac = parseMac(settings.macaddress, `${where}: macaddress`);
  if (settings.mtu !== undefined) iface.mtu = parseNumber(settings.mtu, `${where}: mtu`);
  for (const family of ["4", "6"] as const) {
    const enabled = settings[`dhcp${family}`];
    if (enabled === undefined || enabled === false) continue;
    if (enabled !== true) throw new Error(`${where}: dhcp${family} must be true or false, got ${describe(enabled)}`);
    const overrides = optionalMapping(settings[`dhcp${family}-overrides`], `${where}: dhcp${family}-overrides`);
    const metric = overrides["route-metric"];
    iface.subnets.push({ type: `dhcp${family}`, ...(metric === undefined ? {} : { routeMetric: parseNumber(metric, `${where}: route-metric`) }) });
  }
  for (const [i, address] of optionalList(settings.addresses, `${where}: addresses`).entries()) {
    if (typeof address !== "string" || !address.includes("/")) throw new Error(`${where}: address ${i} must be a string with a prefix, got ${describe(address)}`);
    iface.subnets.push({ type: "static", ...parseCidr(address, undefined, `${where}: addresses`) });
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
    iface.routes.push(parseRoute(route.to, undefined, route.via, route.metric, `${where}: route ${i}`));
  }
  const nameservers = optionalMapping(settings.nameservers, `${where}: nameservers`);
  addUnique(iface.nameservers.addresses, stringList(nameservers.addresses, `${where}: nameservers.addresses`).map((a) => parseIp(a, `${where}: nameservers`)));
  addUnique(iface.nameservers.search, stringList(nameservers.search, `${where}: nameservers.search`).map((d) => domainName(d, `${where}: nameservers.search`)));
  return iface;
}

/** netplan's bond parameter names and the kernel's (which ENI, sysconfig and NM use). */
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
  "fail-over-mac-policy": "fail_over_mac",
  "gratuitous-arp": "num_grat_arp",
  primary: "primary",
  "primary-reselect-policy": "primary_reselect",
  "all-slaves-active": "all_slaves_active",
};

function bondParams(params: Record<string, unknown>, ref: (id: string) => string, where: string): BondParams {
  const result: BondParams = {};
  for (const [key, value] of Object.entries(params)) {
    const kernelName = V2_BOND_PARAMS[key];
    if (!kernelName) throw new Error(`${where}: unknown bond parameter ${keyName(key)}`);
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) result[kernelName] = value.map(String);
    else if (key === "primary") result[kernelName] = ref(String(value));
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
    // Per-port path costs and priorities are not carried by the model.
    if (!name) {
      if (key === "path-cost" || key === "port-priority") continue;
      throw new Error(`${where}: unknown bridge parameter ${keyName(key)}`);
    }
    if (name === "stp") {
      if (typeof value !== "boolean") throw new Error(`${where}: stp must be true or false`);
      result.stp = value;
    } else result[name] = parseNumber(value, `${where}: ${key}`);
  }
  return result;
}
