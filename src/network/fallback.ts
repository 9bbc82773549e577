// With no network config from anywhere, cloud-init runs DHCP on the NIC most likely to be
// cabled: the first with carrier, else the first that may still get one, eth0 preferred.
import { emptyModel, noNameservers } from "./model";
import type { NetworkModel, Subnet } from "./model";

/** One entry of /sys/class/net as the caller read it. */
export interface MachineNic {
  name: string;
  mac?: string;
  /** /sys/class/net/<name>/carrier is 1. */
  carrier?: boolean;
  /** /sys/class/net/<name>/dormant is 1. */
  dormant?: boolean;
  operstate?: string;
  driver?: string;
  /** A bridge, bond or net_failover master: never the fallback. */
  virtual?: boolean;
}

export interface FallbackOptions {
  /** Drivers whose NICs are never chosen (cloud-init's blacklist_drivers). */
  ignoreDrivers?: string[];
  /** Also ask for DHCPv6; cloud-init 22.4's fallback is DHCPv4 only. */
  dhcp6?: boolean;
}

const PRIMARY = "eth0";
const MAY_GET_CARRIER = ["dormant", "down", "lowerlayerdown", "unknown"];

/** Candidates in cloud-init's order: connected, then possibly connected; each sorted naturally with eth0 first. */
export function fallbackCandidates(nics: MachineNic[], options: FallbackOptions = {}): MachineNic[] {
  const usable = nics.filter((nic) => nic.name !== "lo" && nic.mac && !nic.name.startsWith("veth") && !nic.virtual && !(nic.driver && options.ignoreDrivers?.includes(nic.driver)));
  const connected = usable.filter((nic) => nic.carrier);
  const possibly = usable.filter((nic) => !nic.carrier && (nic.dormant || MAY_GET_CARRIER.includes(nic.operstate ?? "")));
  return [...primaryFirst(connected), ...primaryFirst(possibly)];
}

export function fallbackNetwork(nics: MachineNic[], options: FallbackOptions = {}): NetworkModel | undefined {
  const nic = fallbackCandidates(nics, options)[0];
  if (!nic?.mac) return undefined;
  const subnets: Subnet[] = options.dhcp6 ? [{ type: "dhcp4" }, { type: "dhcp6" }] : [{ type: "dhcp4" }];
  const model = emptyModel();
  model.interfaces.push({ type: "physical", name: nic.name, mac: nic.mac.toLowerCase(), rename: true, subnets, routes: [], nameservers: noNameservers() });
  return model;
}

function primaryFirst(nics: MachineNic[]): MachineNic[] {
  const sorted = [...nics].sort((a, b) => naturalCompare(a.name, b.name));
  return [...sorted.filter((nic) => nic.name === PRIMARY), ...sorted.filter((nic) => nic.name !== PRIMARY)];
}

/** "eth2" before "eth10": digit runs compare as numbers. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
