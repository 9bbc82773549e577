import { describe, expect, it } from "vitest";
import { parseEc2Network } from "../../../src/network/ec2";
import { fallbackCandidates, fallbackNetwork } from "../../../src/network/fallback";
import { parseNetworkData } from "../../../src/network/openstack";
import { parseNetworkConfig } from "../../../src/network/parse";
import { chooseRenderer, DEFAULT_RENDERER_ORDER } from "../../../src/network/render";
import { resolveInterfaces } from "../../../src/network/resolve";
import { CASES } from "./cases";

const physical = (name: string, extra: Record<string, unknown> = {}) => ({ type: "physical", name, ...extra });

describe("network config v1", () => {
  it("reads a static subnet given as address + netmask, with its DNS and routes", () => {
    const model = parseNetworkConfig({
      version: 1,
      config: [physical("eth0", { subnets: [{ type: "static", address: "10.1.2.3", netmask: "255.255.240.0", gateway: "10.1.0.1", dns_nameservers: "10.1.0.2 10.1.0.3", dns_search: ["a.example"], routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.1.0.254", metric: 7 }] }] })],
    });
    expect(model.interfaces[0]).toMatchObject({
      name: "eth0",
      rename: false,
      subnets: [{ type: "static", address: "10.1.2.3", prefix: 20, gateway: "10.1.0.1" }],
      nameservers: { addresses: ["10.1.0.2", "10.1.0.3"], search: ["a.example"] },
      routes: [{ to: "0.0.0.0/0", via: "10.1.0.254", metric: 7 }],
    });
  });

  it("maps every subnet type to the model's", () => {
    const types = ["dhcp", "dhcp4", "dhcp6", "ipv6_slaac", "ipv6_dhcpv6-stateful", "ipv6_dhcpv6-stateless", "manual"];
    const model = parseNetworkConfig({ version: 1, config: [physical("eth0", { subnets: types.map((type) => ({ type })) })] });
    expect(model.interfaces[0].subnets).toEqual([{ type: "dhcp4" }, { type: "dhcp4" }, { type: "dhcp6" }, { type: "ipv6_slaac" }, { type: "dhcp6", stateful: true }, { type: "ipv6_slaac", dhcp6Information: true }]);
  });

  it("takes static6 with its prefix, and defaults a missing prefix as cloud-init does", () => {
    const model = parseNetworkConfig({ version: 1, config: [physical("eth0", { subnets: [{ type: "static6", address: "2001:db8::10" }, { type: "static", address: "192.0.2.9" }] })] });
    expect(model.interfaces[0].subnets).toEqual([
      { type: "static", address: "2001:db8::10", prefix: 64 },
      { type: "static", address: "192.0.2.9", prefix: 24 },
    ]);
  });

  it("keeps global routes, and name servers scoped to one interface on it", () => {
    const model = parseNetworkConfig({
      version: 1,
      config: [physical("eth0"), { type: "route", destination: "10.9.0.0/16", gateway: "10.0.0.1" }, { type: "nameserver", address: "9.9.9.9", interface: "eth0" }],
    });
    expect(model.routes).toEqual([{ to: "10.9.0.0/16", via: "10.0.0.1" }]);
    expect(model.interfaces[0].nameservers.addresses).toEqual(["9.9.9.9"]);
    expect(model.nameservers.addresses).toEqual([]);
  });

  it("keeps each IPv6 mode apart, the subnet metric, accept-ra and wakeonlan; an IPv6 subnet's MTU is the IPv6 MTU", () => {
    const model = parseNetworkConfig({
      version: 1,
      config: [
        physical("eth0", { wakeonlan: true, "accept-ra": "yes", subnets: [{ type: "ipv6_dhcpv6-stateless" }, { type: "ipv6_dhcpv6-stateful", metric: 5 }, { type: "static6", address: "2001:db8::5/64", mtu: 1400, metric: 9, gateway: "2001:db8::1" }] }),
        physical("eth1", { mtu: 1500, subnets: [{ type: "dhcp", mtu: 9000, metric: 100 }, { type: "manual", mtu: 1280 }] }),
      ],
    });
    expect(model.interfaces[0]).toMatchObject({
      wakeOnLan: true,
      acceptRa: true,
      ipv6Mtu: 1400,
      subnets: [{ type: "ipv6_slaac", dhcp6Information: true }, { type: "dhcp6", stateful: true, routeMetric: 5 }, { type: "static", address: "2001:db8::5", prefix: 64, gateway: "2001:db8::1", metric: 9 }],
    });
    expect(model.interfaces[0].mtu).toBeUndefined();
    expect(model.interfaces[1]).toMatchObject({ mtu: 1280, subnets: [{ type: "dhcp4", routeMetric: 100 }] });
  });

  it("reads bridge parameters", () => {
    const model = parseNetworkConfig({ version: 1, config: [physical("eth0"), { type: "bridge", name: "br0", bridge_interfaces: ["eth0"], params: { bridge_stp: "off", bridge_fd: 0, bridge_bridgeprio: 22 } }] });
    expect(model.interfaces[1]).toMatchObject({ type: "bridge", members: ["eth0"], params: { stp: false, forwardDelay: 0, priority: 22 } });
  });
});

describe("network config v2", () => {
  it("models the same bond and vlan as the v1 example", () => {
    const v1 = CASES.find((c) => c.name === "v1-bond-vlan")?.input;
    const v2 = {
      version: 2,
      ethernets: {
        eth1: { match: { macaddress: "52:54:00:00:00:11" }, "set-name": "eth1", mtu: 9000 },
        eth2: { match: { macaddress: "52:54:00:00:00:12" }, "set-name": "eth2", mtu: 9000 },
      },
      bonds: { bond0: { interfaces: ["eth1", "eth2"], mtu: 9000, parameters: { mode: "802.3ad", "mii-monitor-interval": 100, "transmit-hash-policy": "layer3+4" } } },
      vlans: {
        "bond0.100": {
          id: 100,
          link: "bond0",
          addresses: ["10.100.0.10/24"],
          gateway4: "10.100.0.1",
          nameservers: { addresses: ["10.100.0.2"] },
          routes: [{ to: "10.200.0.0/16", via: "10.100.0.254" }],
        },
      },
    };
    expect(parseNetworkConfig(v2)).toEqual(parseNetworkConfig(v1));
  });

  it("follows set-name through the references of bonds and vlans", () => {
    const model = parseNetworkConfig({
      version: 2,
      ethernets: { nic: { match: { macaddress: "52:54:00:00:00:01" }, "set-name": "data0" } },
      vlans: { v5: { id: 5, link: "nic", dhcp4: true } },
    });
    expect(model.interfaces.map((i) => i.name)).toEqual(["data0", "v5"]);
    expect(model.interfaces[1]).toMatchObject({ type: "vlan", link: "data0", id: 5 });
  });

  it("takes a plain match name as the kernel name and keeps a glob for matching", () => {
    const model = parseNetworkConfig({ version: 2, ethernets: { a: { match: { name: "ens3" }, dhcp4: true }, b: { match: { name: "en*" }, dhcp4: true } } });
    expect(model.interfaces.map((i) => [i.name, i.type === "physical" && i.matchName])).toEqual([
      ["ens3", undefined],
      ["b", "en*"],
    ]);
  });

  it("puts gateway4 on the static address, or on a default route when DHCP brings the address", () => {
    const model = parseNetworkConfig({ version: 2, ethernets: { eth0: { dhcp4: true, gateway4: "192.0.2.1", "dhcp4-overrides": { "route-metric": 200 } } } });
    expect(model.interfaces[0].subnets).toEqual([{ type: "dhcp4", routeMetric: 200 }]);
    expect(model.interfaces[0].routes).toEqual([{ to: "0.0.0.0/0", via: "192.0.2.1" }]);
  });
});

describe("OpenStack network_data.json", () => {
  it("reads bonds and vlans over NICs found by MAC, named from the machine", () => {
    const data = {
      links: [
        { id: "p1", type: "phy", ethernet_mac_address: "FA:16:3E:00:00:01" },
        { id: "p2", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:02" },
        { id: "b", type: "bond", bond_links: ["p1", "p2"], bond_mode: "active-backup", bond_miimon: 100, bond_active_slave: "p2", ethernet_mac_address: "fa:16:3e:00:00:01" },
        { id: "v", type: "vlan", vlan_link: "b", vlan_id: 42, vlan_mac_address: "fa:16:3e:00:00:01" },
        { id: "p3", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:03" },
      ],
      networks: [
        { id: "n1", type: "ipv4_dhcp", link: "p3" },
        { id: "n2", type: "ipv6", link: "v", ip_address: "2001:db8::2/64", routes: [{ network: "::", netmask: "::", gateway: "2001:db8::1" }] },
      ],
      services: [{ type: "dns", address: "2001:db8::53" }],
    };
    const nics = [
      { name: "ens3", mac: "fa:16:3e:00:00:01" },
      { name: "ens4", mac: "fa:16:3e:00:00:02" },
      { name: "ens5", mac: "fa:16:3e:00:00:03" },
    ];
    const { model, renames } = resolveInterfaces(parseNetworkData(data), nics);
    expect(renames).toEqual([]);
    expect(model.interfaces.map((i) => i.name)).toEqual(["ens3", "ens4", "bond0", "bond0.42", "ens5"]);
    // the option naming a member follows it to the machine's name
    expect(model.interfaces[2]).toMatchObject({ type: "bond", members: ["ens3", "ens4"], params: { mode: "active-backup", miimon: 100, active_slave: "ens4" } });
    expect(model.interfaces[3]).toMatchObject({ type: "vlan", link: "bond0", subnets: [{ type: "static", address: "2001:db8::2", prefix: 64, gateway: "2001:db8::1" }] });
    expect(model.interfaces[4].subnets).toEqual([{ type: "dhcp4" }]);
    expect(model.nameservers.addresses).toEqual(["2001:db8::53"]);
  });

  it("reads a link of a type it does not know as a NIC, as cloud-init does", () => {
    const model = parseNetworkData({ links: [{ id: "l0", type: "bgpovs", ethernet_mac_address: "fa:16:3e:00:00:01" }] });
    expect(model.interfaces[0]).toMatchObject({ type: "physical", mac: "fa:16:3e:00:00:01" });
  });
});

describe("EC2 meta-data", () => {
  const nic = (deviceNumber: string, extra: Record<string, unknown> = {}) => ({ "device-number": deviceNumber, "local-ipv4s": "172.31.1.10", ...extra });

  it("ranks several NICs by device-number with route metrics and adds secondary addresses", () => {
    const model = parseEc2Network({
      network: {
        interfaces: {
          macs: {
            "0a:00:00:00:00:02": nic("1"),
            "0a:00:00:00:00:01": nic("0", { "local-ipv4s": ["172.31.1.10", "172.31.1.11"], "subnet-ipv4-cidr-block": "172.31.0.0/20", ipv6s: "2600::1" }),
          },
        },
      },
    });
    expect(model.interfaces.map((i) => [i.name, i.mac, i.subnets])).toEqual([
      ["eth0", "0a:00:00:00:00:01", [{ type: "dhcp4", routeMetric: 100 }, { type: "dhcp6", routeMetric: 100 }, { type: "static", address: "172.31.1.11", prefix: 20 }]],
      ["eth1", "0a:00:00:00:00:02", [{ type: "dhcp4", routeMetric: 200 }]],
    ]);
  });

  it("configures only the primary NIC, by the top-level mac, when asked", () => {
    const model = parseEc2Network({ mac: "0a:00:00:00:00:02", network: { interfaces: { macs: { "0a:00:00:00:00:01": nic("0"), "0a:00:00:00:00:02": nic("1") } } } }, { primaryOnly: true });
    expect(model.interfaces).toHaveLength(1);
    expect(model.interfaces[0]).toMatchObject({ mac: "0a:00:00:00:00:02", subnets: [{ type: "dhcp4" }] });
  });
});

describe("fallback", () => {
  const nic = (name: string, carrier: boolean, extra = {}) => ({ name, mac: `52:54:00:00:00:${name.slice(-1).padStart(2, "0")}`, carrier, ...extra });

  it("prefers connected NICs, eth0 first, natural order, and skips lo, veth, bridges and ignored drivers", () => {
    const nics = [nic("eth10", true), nic("lo", true), nic("eth2", true), nic("eth0", false, { operstate: "down" }), nic("veth1", true), nic("br0", true, { virtual: true }), nic("eth3", true, { driver: "mlx4_core" }), nic("eth4", false, { operstate: "up" })];
    expect(fallbackCandidates(nics, { ignoreDrivers: ["mlx4_core"] }).map((n) => n.name)).toEqual(["eth2", "eth10", "eth0"]);
  });

  it("asks for DHCPv4 on the NIC by MAC, DHCPv6 only when told to, and nothing without a candidate", () => {
    const model = fallbackNetwork([nic("ens3", true)], { dhcp6: true });
    expect(model?.interfaces[0]).toMatchObject({ name: "ens3", mac: "52:54:00:00:00:03", rename: true, subnets: [{ type: "dhcp4" }, { type: "dhcp6" }] });
    expect(fallbackNetwork([nic("lo", true)])).toBeUndefined();
  });
});

describe("interfaces found by MAC", () => {
  it("lists the renames a v1 config asks for", () => {
    const model = parseNetworkConfig({ version: 1, config: [physical("eth0", { mac_address: "52:54:00:00:00:01", subnets: [{ type: "dhcp" }] })] });
    expect(resolveInterfaces(model, [{ name: "ens18", mac: "52:54:00:00:00:01" }]).renames).toEqual([{ mac: "52:54:00:00:00:01", from: "ens18", to: "eth0" }]);
  });

  it("configures the NICs the machine has and reports each MAC it lacks; refuses only when none is left", () => {
    const model = parseNetworkConfig({
      version: 2,
      ethernets: { a: { match: { macaddress: "52:54:00:00:00:0a" }, dhcp4: true }, b: { match: { macaddress: "52:54:00:00:00:0b" }, dhcp4: true }, c: { match: { macaddress: "52:54:00:00:00:0c" }, dhcp4: true } },
      vlans: { "a.5": { id: 5, link: "a", dhcp4: true } },
      bonds: { bond0: { interfaces: ["a", "b"], parameters: { mode: "active-backup", primary: "a" } } },
    });
    const { model: resolved, missing } = resolveInterfaces(model, [{ name: "ens3", mac: "52:54:00:00:00:0B" }]);
    expect(resolved.interfaces.map((i) => i.name)).toEqual(["ens3", "bond0"]);
    expect(resolved.interfaces[1]).toMatchObject({ members: ["ens3"], params: { mode: "active-backup" } });
    expect(missing).toEqual([
      "network config names a MAC this machine does not have: 52:54:00:00:00:0a (a); it is left out",
      "network config names a MAC this machine does not have: 52:54:00:00:00:0c (c); it is left out",
    ]);
    expect(() => resolveInterfaces(model, [{ name: "ens9", mac: "52:54:00:00:00:99" }])).toThrow("network config names MACs this machine does not have: 52:54:00:00:00:0a (a), 52:54:00:00:00:0b (b), 52:54:00:00:00:0c (c)");
  });
});

describe("v2 matches by name pattern", () => {
  const nics = [
    { name: "ens4", mac: "52:54:00:00:00:04" },
    { name: "ens3", mac: "52:54:00:00:00:03" },
    { name: "eth9", mac: "52:54:00:00:00:09" },
  ];

  it("stand for every NIC they match, each by its kernel name (KubeVirt's en* with DHCP)", () => {
    const { model, renames } = resolveInterfaces(parseNetworkConfig({ version: 2, ethernets: { id0: { match: { name: "en*" }, dhcp4: true } } }), nics);
    expect(model.interfaces.map((i) => [i.name, i.subnets])).toEqual([
      ["ens3", [{ type: "dhcp4" }]],
      ["ens4", [{ type: "dhcp4" }]],
    ]);
    expect(renames).toEqual([]);
  });

  it("a bond naming the entry's id gets the first match", () => {
    const config = { version: 2, ethernets: { nic: { match: { name: "ens?" } } }, bonds: { bond0: { interfaces: ["nic"], dhcp4: true } } };
    const bond = resolveInterfaces(parseNetworkConfig(config), nics).model.interfaces.find((i) => i.name === "bond0");
    expect(bond).toMatchObject({ type: "bond", members: ["ens3"] });
  });

  it("a pattern matching nothing is inert, as in netplan (Ubuntu's stock catch-alls); alone it leaves nothing to apply", () => {
    const config = { version: 2, ethernets: { wifi: { match: { name: "wl*" }, dhcp4: true }, lan: { match: { name: "ens3" }, dhcp4: true } } };
    const { model, unmatched, missing } = resolveInterfaces(parseNetworkConfig(config), nics);
    expect(model.interfaces.map((i) => i.name)).toEqual(["ens3"]);
    expect([unmatched, missing]).toEqual([["wifi"], []]);
    expect(() => resolveInterfaces(parseNetworkConfig({ version: 2, ethernets: { x: { match: { name: "wl*" } } } }), nics)).toThrow("network config matches no NIC of this machine");
  });

  it("match name with set-name keeps the match: the NIC named green is found and renamed blue", () => {
    const model = parseNetworkConfig({ version: 2, ethernets: { x: { match: { name: "ens4" }, "set-name": "blue", dhcp4: true } } });
    expect(model.interfaces[0]).toMatchObject({ name: "blue", matchName: "ens4", rename: true });
    expect(resolveInterfaces(model, nics).renames).toEqual([{ mac: "52:54:00:00:00:04", from: "ens4", to: "blue" }]);
  });

  it("with set-name, renames the first match only", () => {
    const { renames } = resolveInterfaces(parseNetworkConfig({ version: 2, ethernets: { x: { match: { name: "ens*" }, "set-name": "lan0" } } }), nics);
    expect(renames).toEqual([{ mac: "52:54:00:00:00:03", from: "ens3", to: "lan0" }]);
  });
});

describe("malformed network config is refused with a clear error", () => {
  it.each([
    ["a bad version", { version: 3, config: [] }, "unknown network config version 3 (1 or 2 expected)"],
    ["no version", { config: [] }, "unknown network config version nothing (1 or 2 expected)"],
    ["not a mapping", ["eth0"], "network config must be a mapping, got a list"],
    ["a bad address", { version: 1, config: [physical("eth0", { subnets: [{ type: "static", address: "10.0.0.300/24" }] })] }, 'config item 0 (eth0): subnet 0: "10.0.0.300/24" is not an IP address'],
    ["a bad netmask", { version: 1, config: [physical("eth0", { subnets: [{ type: "static", address: "10.0.0.3", netmask: "255.0.255.0" }] })] }, 'config item 0 (eth0): subnet 0: 10.0.0.3: "255.0.255.0" is not a netmask'],
    ["a prefix too long", { version: 2, ethernets: { eth0: { addresses: ["10.0.0.3/33"] } } }, "ethernets.eth0: addresses: 10.0.0.3: prefix 33 is over 32"],
    ["an address without prefix in v2", { version: 2, ethernets: { eth0: { addresses: ["10.0.0.3"] } } }, 'ethernets.eth0: address 0 must be a string with a prefix, got "10.0.0.3"'],
    ["a bad MAC", { version: 1, config: [physical("eth0", { mac_address: "52:54:00:zz:00:01" })] }, 'config item 0 (eth0): "52:54:00:zz:00:01" is not a MAC address'],
    ["an unknown item type", { version: 1, config: [{ type: "wifi", name: "wlan0" }] }, 'config item 0 (wlan0): unknown type "wifi"'],
    ["an unknown subnet type", { version: 1, config: [physical("eth0", { subnets: [{ type: "bootp" }] })] }, 'config item 0 (eth0): subnet 0: unknown subnet type "bootp"'],
    ["a bond of undeclared NICs", { version: 1, config: [{ type: "bond", name: "bond0", bond_interfaces: ["eth7"] }] }, "bond0 refers to eth7, which the config does not declare"],
    ["a vlan id out of range", { version: 1, config: [physical("eth0"), { type: "vlan", name: "v", vlan_link: "eth0", vlan_id: 5000 }] }, "config item 1 (v): vlan_id 5000 is outside 1-4094"],
    ["wifis in v2", { version: 2, wifis: { wlan0: {} } }, "network config v2: wifis are not supported"],
    ["dhcp4 that is not a boolean", { version: 2, ethernets: { eth0: { dhcp4: "maybe" } } }, 'ethernets.eth0: dhcp4 must be true or false, got "maybe"'],
    ["set-name without match", { version: 2, ethernets: { eth0: { "set-name": "lan" } } }, "ethernets.eth0: set-name needs a match"],
    ["an unknown bond parameter", { version: 2, ethernets: { e: {} }, bonds: { b: { interfaces: ["e"], parameters: { speed: 3 } } } }, "bonds.b: unknown bond parameter speed"],
    ["a lifetime other than forever or 0", { version: 2, ethernets: { e: { addresses: [{ "10.0.0.3/24": { lifetime: 300 } }] } } }, "ethernets.e: address 0: lifetime must be forever or 0, got 300"],
    ["a label with a blank", { version: 2, ethernets: { e: { addresses: [{ "10.0.0.3/24": { label: "e 1" } }] } } }, "ethernets.e: address 0: label: a string is not an address label"],
    ["an unknown address option", { version: 2, ethernets: { e: { addresses: [{ "10.0.0.3/24": { scope: "link" } }] } } }, "ethernets.e: address 0: unknown address option scope"],
    ["an unknown DHCP override", { version: 2, ethernets: { e: { dhcp4: true, "dhcp4-overrides": { "use-mtu": "x" } } } }, "ethernets.e: dhcp4-overrides: unknown override use-mtu"],
    ["a dhcp-identifier other than mac or duid", { version: 2, ethernets: { e: { "dhcp-identifier": "hostname" } } }, 'ethernets.e: dhcp-identifier must be mac or duid, got "hostname"'],
    ["an IPv4 address token", { version: 2, ethernets: { e: { "ipv6-address-token": "10.0.0.1" } } }, "ethernets.e: ipv6-address-token must be an IPv6 interface identifier"],
    ["an unknown renderer", { version: 2, ethernets: { e: { renderer: "wicked" } } }, 'ethernets.e: renderer must be networkd or NetworkManager, got "wicked"'],
    ["an accept-ra that is not a boolean", { version: 1, config: [physical("eth0", { "accept-ra": "sometimes" })] }, 'config item 0 (eth0): accept-ra must be true or false, got "sometimes"'],
    // names and domains end up in ifupdown's shell lines and in config files: nothing a shell or a parser could misread
    ["a name with shell syntax", { version: 1, config: [physical("$(reboot)")] }, "config item 0: a string is not an interface name"],
    ["a set-name with a newline", { version: 2, ethernets: { e: { match: { macaddress: "52:54:00:00:00:01" }, "set-name": "eth0\npost-up x" } } }, "is not an interface name"],
    ["a search domain with a newline", { version: 1, config: [physical("eth0", { subnets: [{ type: "dhcp", dns_search: ["example.com\n    post-up reboot"] }] })] }, "is not a domain name"],
    ["a v2 search domain with a semicolon", { version: 2, ethernets: { eth0: { nameservers: { search: ["a;b"] } } } }, "ethernets.eth0: nameservers.search: a string is not a domain name"],
  ])("%s", (_, config, message) => {
    expect(() => parseNetworkConfig(config)).toThrow(message);
  });

  it.each([
    ["a NIC without MAC or name", { links: [{ id: "l0", type: "phy" }] }, "link l0: a phy link needs ethernet_mac_address or name"],
    ["an unknown network type", { links: [{ id: "l0", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01" }], networks: [{ id: "n0", type: "ipv5", link: "l0" }] }, 'network n0: unknown network type "ipv5"'],
    ["a network on an unknown link", { links: [], networks: [{ id: "n0", type: "ipv4_dhcp", link: "l9" }] }, "network n0 refers to link l9, which network_data.json does not declare"],
  ])("network_data.json with %s", (_, data, message) => {
    expect(() => parseNetworkData(data)).toThrow(message);
  });

  it("EC2 meta-data without NICs", () => {
    expect(() => parseEc2Network({ "instance-id": "i-1" })).toThrow("EC2 meta-data has no network/interfaces/macs");
  });
});

describe("renderer choice", () => {
  it("takes the first available renderer in the preference order, ignoring unknown names", () => {
    const has = (names: string[]) => (name: string) => names.includes(name);
    expect(chooseRenderer(["netplan", "eni", "networkd"], has(["eni", "networkd"]))).toBe("eni");
    expect(chooseRenderer(["bogus", "networkd"], has(["bogus", "networkd"]))).toBe("networkd");
    expect(chooseRenderer(DEFAULT_RENDERER_ORDER, has([]))).toBeUndefined();
  });
});

describe("netplan settings the model does not carry", () => {
  it("are named in `ignored` (for a warning), not passed over in silence", () => {
    const model = parseNetworkConfig({
      version: 2,
      "nm-devices": {},
      ethernets: {
        eth0: { match: { name: "eth0", driver: "virtio_net" }, "routing-policy": [{ from: "10.0.0.0/8", table: 7 }], "emit-lldp": true, routes: [{ to: "10.9.0.0/16", via: "10.0.0.1", scope: "link" }], "é\u2028": 1 },
      },
    });
    expect(model.ignored).toEqual([
      "network: nm-devices",
      "ethernets.eth0: routing-policy",
      "ethernets.eth0: emit-lldp",
      'ethernets.eth0: "\\u00e9\\u2028"',
      "ethernets.eth0: match: driver",
      "ethernets.eth0: route 0: scope",
    ]);
    expect(parseNetworkConfig({ version: 2, ethernets: { eth0: { dhcp4: true } } }).ignored).toBeUndefined();
    const bridge = parseNetworkConfig({ version: 2, ethernets: { eth0: {} }, bridges: { br0: { interfaces: ["eth0"], parameters: { stp: false, "path-cost": { eth0: 50 } } } } });
    expect(bridge.ignored).toEqual(["bridges.br0: parameters: path-cost"]);
    // a device id of 40 non-ASCII characters, escaped, still names the key in one bounded line
    const long = parseNetworkConfig({ version: 2, ethernets: { ["é".repeat(40)]: { match: { name: "eth0" }, dhcp4: true, foo: 1 } } });
    expect(long.ignored).toEqual([expect.stringMatching(/^ethernets\."(\\+u00e9)+/)]);
    expect(long.ignored![0].length).toBeLessThanOrEqual(200);
  });
});
