// Network configs as the platforms hand them (cloud-init's documented examples), each with
// the NICs of the machine it boots on.
import type { KernelNic } from "../../../src/network/resolve";

export interface NetworkCase {
  name: string;
  format: "config" | "openstack" | "ec2" | "fallback";
  input: unknown;
  nics: KernelNic[];
}

export const CASES: NetworkCase[] = [
  {
    // Proxmox VE's cloud-init drive: eth0 by MAC, static, gateway, DNS as a global item.
    name: "v1-static",
    format: "config",
    input: {
      version: 1,
      config: [
        { type: "physical", name: "eth0", mac_address: "BC:24:11:5A:10:01", subnets: [{ type: "static", address: "192.168.1.10/24", gateway: "192.168.1.1" }] },
        { type: "nameserver", address: ["192.168.1.1", "1.1.1.1"], search: ["example.com"] },
      ],
    },
    nics: [{ name: "ens18", mac: "bc:24:11:5a:10:01" }],
  },
  {
    name: "v1-dhcp",
    format: "config",
    input: { network: { version: 1, config: [{ type: "physical", name: "eth0", mac_address: "52:54:00:12:34:00", subnets: [{ type: "dhcp" }] }] } },
    nics: [{ name: "eth0", mac: "52:54:00:12:34:00" }],
  },
  {
    // cloud-init's v2 example: a NIC found by MAC and renamed, addresses of both families, routes, DNS.
    name: "v2-static",
    format: "config",
    input: {
      network: {
        version: 2,
        ethernets: {
          lan: {
            match: { macaddress: "52:54:00:ab:cd:01" },
            "set-name": "lan0",
            addresses: ["10.0.0.5/24", "2001:db8::5/64"],
            gateway4: "10.0.0.1",
            gateway6: "2001:db8::1",
            mtu: 9000,
            routes: [{ to: "192.168.100.0/24", via: "10.0.0.254", metric: 50 }],
            nameservers: { addresses: ["10.0.0.2", "2001:db8::2"], search: ["corp.example", "example.com"] },
          },
        },
      },
    },
    nics: [{ name: "ens3", mac: "52:54:00:ab:cd:01" }],
  },
  {
    // Found by MAC without set-name: the NIC keeps the kernel's name.
    name: "v2-dhcp",
    format: "config",
    input: { version: 2, ethernets: { id0: { match: { macaddress: "52:54:00:ab:cd:02" }, dhcp4: true, dhcp6: true } } },
    nics: [{ name: "enp1s0", mac: "52:54:00:ab:cd:02" }],
  },
  {
    // An 802.3ad bond of two NICs with a tagged vlan carrying the address.
    name: "v1-bond-vlan",
    format: "config",
    input: {
      version: 1,
      config: [
        { type: "physical", name: "eth1", mac_address: "52:54:00:00:00:11", mtu: 9000 },
        { type: "physical", name: "eth2", mac_address: "52:54:00:00:00:12", mtu: 9000 },
        { type: "bond", name: "bond0", bond_interfaces: ["eth1", "eth2"], params: { "bond-mode": "802.3ad", "bond-miimon": 100, "bond-xmit-hash-policy": "layer3+4" }, mtu: 9000 },
        {
          type: "vlan",
          name: "bond0.100",
          vlan_link: "bond0",
          vlan_id: 100,
          subnets: [{ type: "static", address: "10.100.0.10", netmask: "255.255.255.0", gateway: "10.100.0.1", dns_nameservers: ["10.100.0.2"], routes: [{ network: "10.200.0.0", netmask: "255.255.0.0", gateway: "10.100.0.254" }] }],
        },
      ],
    },
    nics: [
      { name: "eth1", mac: "52:54:00:00:00:11" },
      { name: "eth2", mac: "52:54:00:00:00:12" },
    ],
  },
  {
    // A bridge for guests over the host's NIC, the bridge taking the DHCP lease.
    name: "v2-bridge",
    format: "config",
    input: {
      version: 2,
      ethernets: { uplink: { match: { macaddress: "52:54:00:00:00:21" } } },
      bridges: { br0: { interfaces: ["uplink"], parameters: { stp: false, "forward-delay": 0 }, dhcp4: true } },
    },
    nics: [{ name: "eno1", mac: "52:54:00:00:00:21" }],
  },
  {
    // OpenStack's documented network_data.json: one port, a static IPv4 network, a DNS service.
    name: "openstack-static",
    format: "openstack",
    input: {
      links: [{ id: "tap1a81968a-79", type: "phy", ethernet_mac_address: "fa:16:3e:9c:bf:3d", mtu: 1450, vif_id: "1a81968a-797a-400f-8a80-567f997eb93f" }],
      networks: [
        {
          id: "network0",
          type: "ipv4",
          link: "tap1a81968a-79",
          ip_address: "10.0.1.5",
          netmask: "255.255.255.0",
          routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.1.1" }],
          network_id: "da5bb487-5193-4a65-a3df-4a0055a8c0d7",
        },
      ],
      services: [{ type: "dns", address: "8.8.8.8" }],
    },
    nics: [{ name: "ens3", mac: "fa:16:3e:9c:bf:3d" }],
  },
  {
    // An EC2 instance with one ENI that has IPv6.
    name: "ec2-primary",
    format: "ec2",
    input: {
      mac: "06:17:04:d7:26:09",
      network: {
        interfaces: {
          macs: {
            "06:17:04:d7:26:09": {
              "device-number": "0",
              "interface-id": "eni-0a1b2c3d",
              "local-ipv4s": "172.31.29.134",
              ipv6s: "2600:1f16:aeb:b20b:9d87:a4af:5cc9:73dc",
              "subnet-ipv4-cidr-block": "172.31.16.0/20",
              "subnet-ipv6-cidr-blocks": "2600:1f16:aeb:b20b::/64",
            },
          },
        },
      },
    },
    nics: [{ name: "ens5", mac: "06:17:04:d7:26:09" }],
  },
  {
    // Nothing given: DHCP on the first connected NIC.
    name: "fallback",
    format: "fallback",
    input: [
      { name: "lo", mac: "00:00:00:00:00:00", carrier: true },
      { name: "ens4", mac: "52:54:00:aa:00:04", carrier: false, operstate: "down" },
      { name: "ens3", mac: "52:54:00:aa:00:03", carrier: true },
    ],
    nics: [
      { name: "ens3", mac: "52:54:00:aa:00:03" },
      { name: "ens4", mac: "52:54:00:aa:00:04" },
    ],
  },
];
