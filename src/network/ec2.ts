// EC2's network config, derived from the IMDS tree under network/interfaces/macs/<mac>/:
// DHCP on every NIC the instance has (IPv6 too where the NIC has IPv6 addresses), found by
// MAC, ranked by device-number; secondary private addresses as static addresses.
import { parseCidr, parseMac } from "./addresses";
import { emptyModel, noNameservers } from "./model";
import type { NetworkModel, PhysicalInterface, Subnet } from "./model";
import { checkModel } from "./validate";
import { isPlainObject } from "../config/yaml";

export interface Ec2NetworkOptions {
  /** cloud-init's `apply_full_imds_network_config: false`: DHCP on the primary NIC only. */
  primaryOnly?: boolean;
}

export function parseEc2Network(metadata: Record<string, unknown>, options: Ec2NetworkOptions = {}): NetworkModel {
  const macs = dig(metadata, ["network", "interfaces", "macs"]);
  if (!isPlainObject(macs) || !Object.keys(macs).length) throw new Error("EC2 meta-data has no network/interfaces/macs");
  const primaryMac = typeof metadata.mac === "string" ? metadata.mac.toLowerCase() : undefined;
  const nics = Object.entries(macs).map(([key, value]) => {
    const mac = parseMac(key, "EC2 network/interfaces/macs");
    const nic = isPlainObject(value) ? value : {};
    const deviceNumber = Number(nic["device-number"] ?? NaN);
    return { mac, nic, deviceNumber: Number.isInteger(deviceNumber) ? deviceNumber : Infinity };
  });
  nics.sort((a, b) => a.deviceNumber - b.deviceNumber || a.mac.localeCompare(b.mac));
  const primary = nics.find((n) => n.mac === primaryMac) ?? nics.find((n) => n.deviceNumber === 0) ?? nics[0];
  const chosen = options.primaryOnly ? [primary] : nics;
  const model = emptyModel();
  for (const [rank, { mac, nic, deviceNumber }] of chosen.entries()) {
    const ipv6s = list(nic.ipv6s);
    // With several NICs each gets its own metric so the primary's default route wins.
    const routeMetric = chosen.length > 1 ? 100 * ((Number.isFinite(deviceNumber) ? deviceNumber : rank) + 1) : undefined;
    const metric = routeMetric === undefined ? {} : { routeMetric };
    const subnets: Subnet[] = [{ type: "dhcp4", ...metric }];
    if (ipv6s.length) subnets.push({ type: "dhcp6", ...metric });
    if (!options.primaryOnly) subnets.push(...secondaryAddresses(nic, mac, ipv6s));
    // The name is a stand-in: the NIC keeps the kernel's name for its MAC.
    const name = `eth${Number.isFinite(deviceNumber) ? deviceNumber : rank}`;
    const iface: PhysicalInterface = { type: "physical", name, mac, rename: false, subnets, routes: [], nameservers: noNameservers() };
    model.interfaces.push(iface);
  }
  checkModel(model);
  return model;
}

/** Private addresses beyond the first of each family, with their subnet's prefix
 * (cloud-init's /24 and /128 when the subnet is not given). */
function secondaryAddresses(nic: Record<string, unknown>, mac: string, ipv6s: string[]): Subnet[] {
  const where = `EC2 NIC ${mac}`;
  const v4Prefix = prefixOf(list(nic["subnet-ipv4-cidr-block"])[0], where) ?? 24;
  const v6Prefix = prefixOf(list(nic["subnet-ipv6-cidr-blocks"])[0], where) ?? 128;
  return [
    ...list(nic["local-ipv4s"]).slice(1).map((address) => parseCidr(address, v4Prefix, where)),
    ...ipv6s.slice(1).map((address) => parseCidr(address, v6Prefix, where)),
  ].map((cidr) => ({ type: "static", ...cidr }));
}

function prefixOf(block: string | undefined, where: string): number | undefined {
  return block?.includes("/") ? parseCidr(block, undefined, where).prefix : undefined;
}

/** IMDS leaves are a string, or a list when the body had several lines. */
function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).map((s) => s.trim()).filter(Boolean);
  return typeof value === "string" ? value.split("\n").map((s) => s.trim()).filter(Boolean) : [];
}

function dig(tree: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), tree);
}
