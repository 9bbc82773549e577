import { describe, expect, it } from "vitest";
import { eniToV1, parseEniNetwork } from "../../../src/network/eni-parse";

const LEGACY = `# from an old NoCloud seed
auto lo
iface lo inet loopback
    dns-nameservers 10.0.0.2 10.0.0.3
    dns-search example.com

auto eth0
iface eth0 inet static
    address 10.0.0.5
    netmask 255.255.255.0
    gateway 10.0.0.1
    hwaddress ether 52:54:00:12:34:56
iface eth0 inet6 auto

allow-hotplug eth1
iface eth1 inet dhcp
`;

describe("interfaces(5) text as network config (NoCloud network-interfaces)", () => {
  it("becomes v1: lo's dns options global, one physical item per interface, a subnet per stanza", () => {
    expect(eniToV1(LEGACY)).toEqual({
      version: 1,
      config: [
        { type: "nameserver", address: ["10.0.0.2", "10.0.0.3"], search: ["example.com"] },
        {
          type: "physical",
          name: "eth0",
          mac_address: "52:54:00:12:34:56",
          subnets: [{ type: "static", address: "10.0.0.5", netmask: "255.255.255.0", gateway: "10.0.0.1" }, { type: "ipv6_slaac" }],
        },
        { type: "physical", name: "eth1", subnets: [{ type: "dhcp4" }] },
      ],
    });
  });

  it("reads inet6 auto with `dhcp 1` as stateless DHCPv6", () => {
    expect(eniToV1("iface eth0 inet6 auto\n    dhcp 1\niface eth1 inet6 auto\n").config.map((item) => item.subnets)).toEqual([[{ type: "ipv6_dhcpv6-stateless" }], [{ type: "ipv6_slaac" }]]);
  });

  it("goes through the v1 checks into the model", () => {
    const model = parseEniNetwork(LEGACY);
    expect(model.interfaces.map((i) => i.name)).toEqual(["eth0", "eth1"]);
    expect(model.interfaces[0].subnets[0]).toEqual({ type: "static", address: "10.0.0.5", prefix: 24, gateway: "10.0.0.1" });
    expect(model.nameservers).toEqual({ addresses: ["10.0.0.2", "10.0.0.3"], search: ["example.com"] });
  });

  it.each([
    ["an option before any stanza", "address 10.0.0.5\n", "network-interfaces line 1: \"address\" is outside any iface stanza"],
    ["an unknown method", "iface eth0 inet ppp\n", 'iface eth0: "inet" "ppp" is not static, dhcp, auto (inet6) or manual'],
    ["a short iface line", "iface eth0 inet\n", "network-interfaces line 1: an iface stanza needs a name, a family and a method"],
    ["a bad address", "iface eth0 inet static\n  address 10.0.0.300/24\n", '"10.0.0.300/24" is not an IP address'],
    ["a name with shell syntax", "iface $(reboot) inet dhcp\n", "config item 0: a string is not an interface name"],
  ])("refuses %s", (_, text, message) => {
    expect(() => parseEniNetwork(text)).toThrow(message);
  });
});
