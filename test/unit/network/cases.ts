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
  {
    // v1 bonds with the kernel's option names (bond-active_slave, ad_actor_sys_prio, ...), which
    // netplan knows by other names or not at all.
    name: "v1-bond-kernel-options",
    format: "config",
    input: {
      version: 1,
      config: [
        { type: "physical", name: "eth0", mac_address: "52:54:00:00:01:00" },
        { type: "physical", name: "eth1", mac_address: "52:54:00:00:01:01" },
        { type: "physical", name: "eth2", mac_address: "52:54:00:00:01:02" },
        { type: "physical", name: "eth3", mac_address: "52:54:00:00:01:03" },
        {
          type: "bond",
          name: "bond0",
          bond_interfaces: ["eth0", "eth1"],
          params: { "bond-mode": "active-backup", "bond-active_slave": "eth1", "bond-miimon": 100, "bond-all_slaves_active": 1, "bond-num_grat_arp": 3, "bond-resend_igmp": 2, "bond-fail_over_mac": "active", "bond-primary_reselect": "better" },
          subnets: [{ type: "static", address: "192.0.2.10/24", gateway: "192.0.2.1" }],
        },
        {
          type: "bond",
          name: "bond1",
          bond_interfaces: ["eth2", "eth3"],
          mtu: 9000,
          params: { "bond-mode": 4, "bond-lacp_rate": "fast", "bond-ad_select": "bandwidth", "bond-ad_actor_sys_prio": 100, "bond-ad_user_port_key": 5, "bond-min_links": 1, "bond-xmit_hash_policy": "layer3+4", "bond-updelay": 200, "bond-downdelay": 200 },
          subnets: [{ type: "dhcp" }],
        },
      ],
    },
    nics: [
      { name: "ens3", mac: "52:54:00:00:01:00" },
      { name: "ens4", mac: "52:54:00:00:01:01" },
      { name: "ens5", mac: "52:54:00:00:01:02" },
      { name: "ens6", mac: "52:54:00:00:01:03" },
    ],
  },
  {
    // Every IPv6 mode of v1: SLAAC, stateless DHCPv6 (SLAAC + information request), stateful
    // DHCPv6 with router advertisements, plain DHCPv6 with a metric, static with RA off.
    name: "v1-dhcpv6-modes",
    format: "config",
    input: {
      version: 1,
      config: [
        { type: "physical", name: "eth0", mac_address: "52:54:00:00:02:00", subnets: [{ type: "dhcp4" }, { type: "ipv6_slaac" }] },
        { type: "physical", name: "eth1", mac_address: "52:54:00:00:02:01", subnets: [{ type: "ipv6_dhcpv6-stateless" }] },
        { type: "physical", name: "eth2", mac_address: "52:54:00:00:02:02", "accept-ra": true, subnets: [{ type: "ipv6_dhcpv6-stateful" }] },
        { type: "physical", name: "eth3", mac_address: "52:54:00:00:02:03", subnets: [{ type: "dhcp6", metric: 300 }] },
        { type: "physical", name: "eth4", mac_address: "52:54:00:00:02:04", "accept-ra": false, subnets: [{ type: "static6", address: "2001:db8:4::10/64", gateway: "2001:db8:4::1", mtu: 1400 }] },
      ],
    },
    nics: [
      { name: "eth0", mac: "52:54:00:00:02:00" },
      { name: "eth1", mac: "52:54:00:00:02:01" },
      { name: "eth2", mac: "52:54:00:00:02:02" },
      { name: "eth3", mac: "52:54:00:00:02:03" },
      { name: "eth4", mac: "52:54:00:00:02:04" },
    ],
  },
  {
    // Hetzner's and OVH's shape: a /32 (and a /128) whose gateway lies outside the subnet; the
    // kernel takes the default route only with on-link. A subnet metric, and a second NIC on DHCP
    // that must not take the default route (sysconfig's DHCLIENT_SET_DEFAULT_ROUTE).
    name: "v1-onlink-gateway",
    format: "config",
    input: {
      version: 1,
      config: [
        {
          type: "physical",
          name: "eth0",
          mac_address: "96:00:00:00:03:00",
          subnets: [
            { type: "static", address: "203.0.113.50/32", gateway: "172.31.1.1", metric: 100, routes: [{ network: "198.51.100.0", prefix: 24, gateway: "172.31.1.1" }] },
            { type: "static6", address: "2001:db8:3::2/128", gateway: "fe80::1" },
          ],
        },
        { type: "physical", name: "eth1", mac_address: "96:00:00:00:03:01", subnets: [{ type: "dhcp", metric: 200 }] },
        { type: "nameserver", address: ["185.12.64.1", "2a01:4ff:ff00::add:1"] },
      ],
    },
    nics: [
      { name: "eth0", mac: "96:00:00:00:03:00" },
      { name: "ens10", mac: "96:00:00:00:03:01" },
    ],
  },
  {
    // netplan's route and device settings: a host route without a prefix (/32), routes in a
    // table, with an MTU and on-link; DHCP overrides, client id by MAC, IPv6 privacy, token
    // and MTU, RA off, optional, Wake-on-LAN and a MAC set on the NIC.
    name: "v2-routes-and-settings",
    format: "config",
    input: {
      network: {
        version: 2,
        ethernets: {
          wan: {
            match: { macaddress: "52:54:00:00:04:00" },
            "set-name": "wan0",
            macaddress: "02:00:00:00:04:99",
            wakeonlan: true,
            addresses: ["10.20.0.5/24"],
            routes: [
              { to: "default", via: "10.20.0.1", metric: 100 },
              { to: "10.10.10.8", via: "10.20.0.254" },
              { to: "172.16.0.0/12", via: "10.20.0.254", table: 100, metric: 50 },
              { to: "192.168.50.0/24", via: "10.99.0.1", "on-link": true, mtu: 1400 },
            ],
            "ipv6-privacy": true,
            "accept-ra": false,
            nameservers: { addresses: ["10.20.0.2"], search: ["wan.example"] },
          },
          lan: {
            match: { macaddress: "52:54:00:00:04:01" },
            dhcp4: "y",
            "dhcp4-overrides": { "use-dns": false, "use-routes": false, "route-metric": 500, "send-hostname": true, hostname: "node1" },
            "accept-ra": true,
            "dhcp-identifier": "mac",
            "ipv6-address-token": "::42",
            "ipv6-mtu": 1400,
            optional: true,
          },
        },
      },
    },
    nics: [
      { name: "enp1s0", mac: "52:54:00:00:04:00" },
      { name: "enp2s0", mac: "52:54:00:00:04:01" },
    ],
  },
  {
    // A NIC found by name and renamed (match name + set-name), Ubuntu's catch-all for Wi-Fi that
    // matches nothing here (inert), address options and netplan's spellings of booleans.
    name: "v2-rename-by-name",
    format: "config",
    input: {
      version: 2,
      renderer: "networkd",
      ethernets: {
        green: { match: { name: "ens3" }, "set-name": "blue", renderer: "networkd", addresses: [{ "192.168.7.2/24": { label: "blue:1", lifetime: 0 } }, "192.168.8.2/24"], dhcp4: "no" },
        catchall: { match: { name: "wl*" }, dhcp4: true },
      },
    },
    nics: [{ name: "ens3", mac: "52:54:00:00:05:00" }],
  },
  {
    // network_data.json with what the platforms send beyond the spec: per-network DNS servers,
    // search domains and an IPv6 gateway, a DNS service with search, a named bond, a vlan on it,
    // and a link whose port the machine lacks (left out, reported).
    name: "openstack-dns-gateway-bond",
    format: "openstack",
    input: {
      links: [
        { id: "port-a", type: "phy", ethernet_mac_address: "fa:16:3e:00:06:0a", mtu: 9000 },
        { id: "port-b", type: "phy", ethernet_mac_address: "fa:16:3e:00:06:0b", mtu: 9000 },
        { id: "bond-link", type: "bond", name: "bond-prod", bond_links: ["port-a", "port-b"], bond_mode: "802.3ad", bond_miimon: 100, bond_xmit_hash_policy: "layer3+4", ethernet_mac_address: "fa:16:3e:00:06:0a", mtu: 9000 },
        { id: "vlan-200", type: "vlan", vlan_link: "bond-link", vlan_id: 200, vlan_mac_address: "fa:16:3e:00:06:0a" },
        { id: "port-gone", type: "phy", ethernet_mac_address: "fa:16:3e:00:06:ff" },
      ],
      networks: [
        {
          id: "net-v4",
          type: "ipv4",
          link: "vlan-200",
          ip_address: "10.200.0.10",
          netmask: "255.255.255.0",
          routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.200.0.1" }],
          dns_nameservers: ["10.200.0.2"],
          dns_search: ["prod.example"],
        },
        { id: "net-v6", type: "ipv6", link: "vlan-200", ip_address: "2001:db8:200::10/64", gateway: "2001:db8:200::1", dns_nameservers: ["2001:db8:200::2"] },
        { id: "net-gone", type: "ipv4_dhcp", link: "port-gone" },
      ],
      services: [{ type: "dns", address: "9.9.9.9", search: ["example.net"] }],
    },
    nics: [
      { name: "ens3", mac: "fa:16:3e:00:06:0a" },
      { name: "ens4", mac: "fa:16:3e:00:06:0b" },
    ],
  },
  {
    // Name servers at every level of v1: global, scoped to an interface, on a subnet; and a
    // machine whose interfaces are all DHCP keeping the global ones.
    name: "v1-dns-levels",
    format: "config",
    input: {
      version: 1,
      config: [
        { type: "physical", name: "eth0", mac_address: "52:54:00:00:07:00", subnets: [{ type: "static", address: "10.7.0.5/24", dns_nameservers: ["10.7.0.2"], dns_search: ["subnet.example"] }] },
        { type: "physical", name: "eth1", mac_address: "52:54:00:00:07:01", subnets: [{ type: "static", address: "10.8.0.5/24" }] },
        { type: "physical", name: "eth2", mac_address: "52:54:00:00:07:02", subnets: [{ type: "static", address: "10.9.0.5/24" }] },
        { type: "nameserver", interface: "eth1", address: ["10.8.0.2"], search: ["scoped.example"] },
        { type: "nameserver", address: ["1.1.1.1", "8.8.8.8"], search: ["global.example"] },
      ],
    },
    nics: [
      { name: "eth0", mac: "52:54:00:00:07:00" },
      { name: "eth1", mac: "52:54:00:00:07:01" },
      { name: "eth2", mac: "52:54:00:00:07:02" },
    ],
  },
  {
    name: "v1-dhcp-global-dns",
    format: "config",
    input: {
      version: 1,
      config: [
        { type: "physical", name: "eth0", mac_address: "52:54:00:00:08:00", subnets: [{ type: "dhcp" }] },
        { type: "physical", name: "eth1", mac_address: "52:54:00:00:08:01", subnets: [{ type: "dhcp6" }] },
        { type: "nameserver", address: ["192.0.2.53", "2001:db8::53"], search: ["dhcp.example"] },
      ],
    },
    nics: [
      { name: "eth0", mac: "52:54:00:00:08:00" },
      { name: "eth1", mac: "52:54:00:00:08:01" },
    ],
  },
  {
    // A bridge over a vlan over a NIC, MTUs at each level and an IPv6 MTU of its own, v1's
    // loopback entry, global routes with metrics.
    name: "v1-bridge-vlan-mtu",
    format: "config",
    input: {
      version: 1,
      config: [
        { type: "loopback", name: "lo", subnets: [{ type: "static", address: "127.0.0.1/8" }] },
        { type: "physical", name: "eth0", mac_address: "52:54:00:00:09:00", mtu: 9000 },
        { type: "vlan", name: "eth0.30", vlan_link: "eth0", vlan_id: 30, mtu: 1500 },
        {
          type: "bridge",
          name: "br30",
          bridge_interfaces: ["eth0.30"],
          params: { bridge_stp: "off", bridge_fd: 0, bridge_bridgeprio: 32768 },
          subnets: [
            { type: "static", address: "172.30.0.5/24", gateway: "172.30.0.1" },
            { type: "static6", address: "2001:db8:30::5/64", mtu: 1480 },
          ],
        },
        { type: "route", destination: "10.30.0.0/16", gateway: "172.30.0.254", metric: 20 },
        { type: "route", destination: "2001:db8:31::/48", gateway: "2001:db8:30::fe", metric: 30 },
      ],
    },
    nics: [{ name: "enp3s0", mac: "52:54:00:00:09:00" }],
  },
  {
    // An InfiniBand port (20-byte hardware address) beside an Ethernet NIC.
    name: "v1-infiniband",
    format: "config",
    input: {
      version: 1,
      config: [
        { type: "infiniband", name: "ib0", mac_address: "a0:00:02:20:fe:80:00:00:00:00:00:00:ec:0d:9a:03:00:15:e2:c1", mtu: 2044, subnets: [{ type: "static", address: "10.0.10.5/24" }] },
        { type: "physical", name: "eth0", mac_address: "52:54:00:00:0a:00", wakeonlan: true, subnets: [{ type: "dhcp" }] },
      ],
    },
    nics: [
      { name: "ibp5s0", mac: "a0:00:02:20:fe:80:00:00:00:00:00:00:ec:0d:9a:03:00:15:e2:c1" },
      { name: "eth0", mac: "52:54:00:00:0a:00" },
    ],
  },
];
