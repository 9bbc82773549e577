// The one internal shape every network config format is parsed into and every renderer
// reads: interfaces with their addresses, routes and name servers. Plain data only.

export interface NetworkModel {
  interfaces: NetInterface[];
  /** Routes not tied to one interface (v1 `type: route`). */
  routes: Route[];
  /** Name servers for the whole machine (v1 `type: nameserver`, OpenStack dns services). */
  nameservers: Nameservers;
  /** Settings of the input the model does not carry, each named by where it sits
   * ("ethernets.eth0: routing-policy"), to be reported. */
  ignored?: string[];
}

export type NetInterface = PhysicalInterface | BondInterface | VlanInterface | BridgeInterface;

interface InterfaceBase {
  /** The name the interface has once configured; members and links refer to it. */
  name: string;
  mtu?: number;
  /** Physical: the MAC that identifies the NIC. Virtual: the MAC to give the device. */
  mac?: string;
  subnets: Subnet[];
  routes: Route[];
  nameservers: Nameservers;
  /** Accept IPv6 router advertisements (v1 and v2 `accept-ra`); unset: the renderer's default. */
  acceptRa?: boolean;
  /** Boot does not wait for the interface to come up (v2 `optional`). */
  optional?: boolean;
  /** IPv6 temporary addresses (RFC 4941, v2 `ipv6-privacy`). */
  ipv6Privacy?: boolean;
  /** The interface identifier of SLAAC addresses, "::42" (v2 `ipv6-address-token`). */
  ipv6AddressToken?: string;
  /** The IPv6 MTU, when it differs from the device's (v2 `ipv6-mtu`, v1 IPv6 subnet `mtu`). */
  ipv6Mtu?: number;
  /** What the DHCP client identifies itself by (v2 `dhcp-identifier`); unset: the DUID. */
  dhcpIdentifier?: "mac" | "duid";
}

export interface PhysicalInterface extends InterfaceBase {
  type: "physical";
  /** True when the config names the NIC itself (v1 name with a MAC, v2 set-name): the NIC
   * is renamed. False: `name` is provisional and becomes the kernel's name for the MAC. */
  rename: boolean;
  /** v2 `match: {name}`: a kernel name or glob the NIC is found by. */
  matchName?: string;
  /** The MAC to give the NIC (v2 ethernet `macaddress`). */
  setMac?: string;
  /** An InfiniBand port (v1 `type: infiniband`): a 20-byte MAC, no Ethernet settings. */
  infiniband?: boolean;
  /** Wake on LAN by magic packet (v1 and v2 `wakeonlan`). */
  wakeOnLan?: boolean;
}

export interface BondInterface extends InterfaceBase {
  type: "bond";
  members: string[];
  /** Bonding driver options under their kernel names (mode, miimon, xmit_hash_policy, ...). */
  params: BondParams;
}

export interface VlanInterface extends InterfaceBase {
  type: "vlan";
  id: number;
  link: string;
}

export interface BridgeInterface extends InterfaceBase {
  type: "bridge";
  members: string[];
  params: BridgeParams;
}

export type BondParams = Record<string, string | number | string[]>;

/** Times in seconds, as v1 and v2 give them. */
export interface BridgeParams {
  stp?: boolean;
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  priority?: number;
}

export type Subnet = DhcpSubnet | SlaacSubnet | StaticSubnet;

export type DhcpSubnet = Dhcp<"dhcp4"> | (Dhcp<"dhcp6"> & { /** v1 `ipv6_dhcpv6-stateful`: addresses from DHCPv6 only, none by SLAAC. */ stateful?: boolean });

interface Dhcp<T> {
  type: T;
  /** Metric of the routes the lease brings (EC2 ranks NICs with it; v1 subnet `metric`). */
  routeMetric?: number;
  /** What else of the lease to use (v2 `dhcp4-overrides`); unset: the client's default. */
  overrides?: DhcpOverrides;
}

export interface DhcpOverrides {
  useDns?: boolean;
  useNtp?: boolean;
  useHostname?: boolean;
  useRoutes?: boolean;
  useDomains?: boolean;
  sendHostname?: boolean;
  /** The host name to send instead of the machine's. */
  hostname?: string;
}

/** Addresses from router advertisements; `dhcp6Information`: other settings (DNS) by
 * stateless DHCPv6 (v1 `ipv6_dhcpv6-stateless`). */
export interface SlaacSubnet {
  type: "ipv6_slaac";
  dhcp6Information?: boolean;
}

/** An IPv4 or IPv6 address; the address itself says which. */
export interface StaticSubnet {
  type: "static";
  address: string;
  prefix: number;
  gateway?: string;
  /** Metric of the default route through `gateway` (v1 subnet `metric`). */
  metric?: number;
  /** netplan address options: the kernel's label, and preferred lifetime ("forever" or "0"). */
  label?: string;
  lifetime?: "forever" | "0";
}

export interface Route {
  /** Destination network with its prefix: "10.0.0.0/8", "0.0.0.0/0", "::/0". */
  to: string;
  via?: string;
  metric?: number;
  /** The gateway is on the link even though no address of the interface covers it. */
  onLink?: boolean;
  /** Routing table number; unset: main. */
  table?: number;
  mtu?: number;
}

export interface Nameservers {
  addresses: string[];
  search: string[];
}

export const noNameservers = (): Nameservers => ({ addresses: [], search: [] });

export const emptyModel = (): NetworkModel => ({ interfaces: [], routes: [], nameservers: noNameservers() });

export const isIpv6 = (address: string): boolean => address.includes(":");

export const isDefaultRoute = (route: Route): boolean => route.to === "0.0.0.0/0" || route.to === "::/0";

export function staticSubnets(iface: NetInterface): StaticSubnet[] {
  return iface.subnets.filter((s): s is StaticSubnet => s.type === "static");
}
