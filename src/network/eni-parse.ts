// ifupdown's interfaces(5) text as a network config: what old NoCloud seeds (meta-data's
// `network-interfaces`) and ConfigDrive's `network_config` hand over. Physical interfaces with
// inet/inet6 static, dhcp and auto (SLAAC) stanzas become v1 items, then the v1 parser checks
// them; `lo`'s dns-* options become global name servers.
import { describe, keyName } from "./document";
import type { NetworkModel } from "./model";
import { parseV1 } from "./v1";

interface Stanza {
  name: string;
  family: string;
  method: string;
  options: Map<string, string>;
}

const STANZA_WORDS = /^(iface|auto|allow-[\w-]+|mapping|source|source-directory|rename)\b/;

export function parseEniNetwork(value: unknown): NetworkModel {
  if (typeof value !== "string") throw new Error("network-interfaces must be interfaces(5) text");
  return parseV1(eniToV1(value));
}

export function eniToV1(text: string): { version: 1; config: Record<string, unknown>[] } {
  const stanzas: Stanza[] = [];
  for (const [n, raw] of text.split("\n").entries()) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const words = line.split(/\s+/);
    if (words[0] === "iface") {
      if (words.length < 4) throw new Error(`network-interfaces line ${n + 1}: an iface stanza needs a name, a family and a method`);
      stanzas.push({ name: words[1], family: words[2], method: words[3], options: new Map() });
    } else if (STANZA_WORDS.test(line)) continue;
    else if (stanzas.length) stanzas[stanzas.length - 1].options.set(words[0], words.slice(1).join(" "));
    else throw new Error(`network-interfaces line ${n + 1}: ${describe(words[0])} is outside any iface stanza`);
  }
  const config: Record<string, unknown>[] = [];
  const byName = new Map<string, Record<string, unknown> & { subnets: Record<string, unknown>[] }>();
  for (const stanza of stanzas) {
    if (stanza.name === "lo") {
      const address = stanza.options.get("dns-nameservers")?.split(/\s+/);
      const search = stanza.options.get("dns-search")?.split(/\s+/);
      if (address || search) config.push({ type: "nameserver", ...(address ? { address } : {}), ...(search ? { search } : {}) });
      continue;
    }
    let item = byName.get(stanza.name);
    if (!item) {
      item = { type: "physical", name: stanza.name, subnets: [] };
      byName.set(stanza.name, item);
      config.push(item);
    }
    const mac = stanza.options.get("hwaddress")?.split(/\s+/).pop();
    if (mac) item.mac_address = mac;
    const mtu = stanza.options.get("mtu");
    if (mtu) item.mtu = mtu;
    const subnet = subnetOf(stanza);
    if (subnet) item.subnets.push(subnet);
  }
  return { version: 1, config };
}

function subnetOf({ family, method, options, name }: Stanza): Record<string, unknown> | undefined {
  const six = family === "inet6";
  if (method === "manual") return undefined;
  if (method === "dhcp") return { type: six ? "dhcp6" : "dhcp4" };
  // `dhcp 1` on inet6 auto adds stateless DHCPv6 to SLAAC
  if (method === "auto" && six) return { type: options.get("dhcp") === "1" ? "ipv6_dhcpv6-stateless" : "ipv6_slaac" };
  if (method !== "static") throw new Error(`network-interfaces: iface ${keyName(name)}: ${describe(family)} ${describe(method)} is not static, dhcp, auto (inet6) or manual`);
  const subnet: Record<string, unknown> = { type: six ? "static6" : "static", address: options.get("address") };
  for (const [option, key] of [["netmask", "netmask"], ["gateway", "gateway"]]) if (options.has(option)) subnet[key] = options.get(option);
  if (options.has("dns-nameservers")) subnet.dns_nameservers = options.get("dns-nameservers")!.split(/\s+/);
  if (options.has("dns-search")) subnet.dns_search = options.get("dns-search")!.split(/\s+/);
  return subnet;
}
