// Issue #11's classes, one assertion each: what the input means reaches every renderer's file
// in that file's own words, or a warning names the setting the format cannot say.
import { describe, expect, it } from "vitest";
import type { NetworkModel } from "../../../src/network/model";
import { parseNetworkData } from "../../../src/network/openstack";
import { parseNetworkConfig } from "../../../src/network/parse";
import { RENDERERS } from "../../../src/network/render";
import { resolveInterfaces } from "../../../src/network/resolve";
import type { KernelNic } from "../../../src/network/resolve";

interface Output {
  /** Every file's content, by path. */
  files: Record<string, string>;
  /** All files joined, for a search across them. */
  all: string;
  warnings: string[];
}

function render(renderer: string, model: NetworkModel): Output {
  const warnings: string[] = [];
  const files = Object.fromEntries(RENDERERS[renderer](model, { warn: (m) => warnings.push(m) }).map((f) => [f.path, f.content]));
  return { files, all: Object.values(files).join("\n"), warnings };
}

const v1 = (...config: unknown[]) => parseNetworkConfig({ version: 1, config });
const v2 = (network: Record<string, unknown>) => parseNetworkConfig({ version: 2, ...network });
const nic = (name: string, subnets: unknown[], extra: Record<string, unknown> = {}) => ({ type: "physical", name, subnets, ...extra });

/** A keyfile section's lines. */
function section(keyfile: string, title: string): string[] | undefined {
  const match = new RegExp(`^\\[${title}\\]\\n((?:[^[\\n].*\\n?)*)`, "m").exec(keyfile);
  return match?.[1].split("\n").filter(Boolean);
}

describe("files the consumer would reject", () => {
  const nm = (model: NetworkModel, name: string) => render("network-manager", model).files[`/etc/NetworkManager/system-connections/cloud-init-${name}.nmconnection`];

  it("NetworkManager: an IPv6-only device has [ipv4] method=disabled, and no name servers go to a disabled family", () => {
    const model = v1(nic("eth0", [{ type: "dhcp6" }]), { type: "nameserver", address: ["192.0.2.53", "2001:db8::53"] });
    const { warnings } = render("network-manager", model);
    expect(section(nm(model, "eth0"), "ipv4")).toEqual(["method=disabled"]);
    expect(section(nm(model, "eth0"), "ipv6")).toEqual(["method=auto", "may-fail=false", "dns=2001:db8::53;"]);
    expect(warnings).toEqual(["network-manager: eth0: IPv4 name servers without IPv4 addressing cannot be expressed in this format; left out"]);
  });

  it("NetworkManager: may-fail=false on static families and on a lone dynamic one, never on two dynamic ones", () => {
    expect(section(nm(v1(nic("eth0", [{ type: "dhcp4" }, { type: "dhcp6" }])), "eth0"), "ipv4")).toEqual(["method=auto"]);
    const mixed = nm(v1(nic("eth0", [{ type: "static", address: "192.0.2.5/24" }, { type: "ipv6_slaac" }])), "eth0");
    expect(section(mixed, "ipv4")).toContain("may-fail=false");
    expect(section(mixed, "ipv6")).toEqual(["method=auto"]);
  });

  it("NetworkManager: a bond option NM refuses the profile for in the bond's mode is left out with a warning", () => {
    const model = v1(nic("eth0", []), { type: "bond", name: "bond0", bond_interfaces: ["eth0"], params: { "bond-mode": "balance-xor", "bond-lacp_rate": "fast", "bond-primary": "eth0", "bond-miimon": 100 } });
    const { files, warnings } = render("network-manager", model);
    expect(section(files["/etc/NetworkManager/system-connections/cloud-init-bond0.nmconnection"], "bond")).toEqual(["mode=balance-xor", "miimon=100"]);
    expect(warnings).toEqual([
      "network-manager: bond0: bond option lacp_rate in mode balance-xor cannot be expressed in this format; left out",
      "network-manager: bond0: bond option primary in mode balance-xor cannot be expressed in this format; left out",
    ]);
  });

  it("netplan: v1 kernel bond option names become netplan's, and what netplan lacks is a warning", () => {
    const model = v1(
      nic("eth0", []),
      nic("eth1", []),
      { type: "bond", name: "bond0", bond_interfaces: ["eth0", "eth1"], params: { "bond-mode": 4, "bond-ad_actor_sys_prio": 100, "bond-all_slaves_active": 0, "bond-packets_per_slave": 2, "bond-arp_all_targets": "all" } },
      { type: "bond", name: "bond1", bond_interfaces: ["eth2"], params: { "bond-mode": "active-backup", "bond-active_slave": "eth2" } },
      nic("eth2", []),
    );
    const { all, warnings } = render("netplan", model);
    expect(all).toContain("parameters:\n                mode: 802.3ad\n                all-members-active: false\n                packets-per-member: 2\n                arp-all-targets: all\n");
    expect(all).toContain("mode: active-backup\n                primary: eth2\n");
    expect(all).not.toMatch(/ad_actor|active_slave|all_slaves/);
    expect(warnings).toEqual(["netplan: bond0: bond option ad_actor_sys_prio cannot be expressed in this format; left out"]);
  });

  it("networkd: every [Bond] option networkd has, the primary and active member on the member's .network", () => {
    const params = {
      mode: "active-backup",
      "transmit-hash-policy": "layer2",
      "lacp-rate": "fast",
      "mii-monitor-interval": 100,
      "up-delay": 200,
      "down-delay": 300,
      "arp-interval": 1000,
      "arp-ip-targets": ["10.0.0.1"],
      "arp-validate": "all",
      "arp-all-targets": "any",
      "primary-reselect-policy": "always",
      "resend-igmp": 1,
      "packets-per-member": 1,
      "gratuitious-arp": 5,
      "all-members-active": true,
      "min-links": 1,
      "fail-over-mac-policy": "follow",
      "learn-packet-interval": 2,
      primary: "a",
    };
    const model = v2({ ethernets: { a: {}, b: {} }, bonds: { bond0: { interfaces: ["a", "b"], parameters: params } } });
    const { files, warnings } = render("networkd", model);
    expect(files["/etc/systemd/network/10-cloud-init-bond0.netdev"]).toBe(
      [
        "[NetDev]\nName=bond0\nKind=bond\n\n[Bond]",
        "Mode=active-backup\nTransmitHashPolicy=layer2\nLACPTransmitRate=fast\nMIIMonitorSec=100ms\nUpDelaySec=200ms\nDownDelaySec=300ms\nARPIntervalSec=1000ms",
        "ARPIPTargets=10.0.0.1\nARPValidate=all\nARPAllTargets=any\nPrimaryReselectPolicy=always\nResendIGMP=1\nPacketsPerSlave=1\nGratuitousARP=5",
        "AllSlavesActive=1\nMinLinks=1\nFailOverMACPolicy=follow\nLearnPacketIntervalSec=2\n",
      ].join("\n"),
    );
    expect(files["/etc/systemd/network/10-cloud-init-a.network"]).toContain("Bond=bond0\nPrimarySlave=yes\n");
    const lacp = v1(nic("eth0", []), { type: "bond", name: "bond0", bond_interfaces: ["eth0"], params: { "bond-mode": "802.3ad", "bond-ad_actor_sys_prio": 10, "bond-ad_user_port_key": 3, "bond-ad_actor_system": "02:00:00:00:00:01", "bond-active_slave": "eth0", "bond-use_carrier": 1 } });
    const out = render("networkd", lacp);
    expect(out.files["/etc/systemd/network/10-cloud-init-bond0.netdev"]).toContain("AdActorSystemPriority=10\nAdUserPortKey=3\nAdActorSystem=02:00:00:00:00:01\n");
    expect(out.files["/etc/systemd/network/10-cloud-init-eth0.network"]).toContain("ActiveSlave=yes");
    expect([warnings, out.warnings]).toEqual([[], ["networkd: bond0: bond option use_carrier cannot be expressed in this format; left out"]]);
  });
});

describe("meaning kept", () => {
  it("accept-ra (v1 interface and subnet, v2) in each renderer's words", () => {
    const model = v1(nic("eth0", [{ type: "static6", address: "2001:db8::5/64" }], { "accept-ra": true }), nic("eth1", [{ type: "dhcp6", "accept-ra": false }]));
    expect(render("netplan", model).all).toMatch(/eth0:\n(?: {12}.*\n)*? {12}accept-ra: true\n[\s\S]*eth1:\n(?: {12}.*\n)*? {12}accept-ra: false\n/);
    expect(render("networkd", model).files["/etc/systemd/network/10-cloud-init-eth0.network"]).toContain("IPv6AcceptRA=yes");
    expect(render("networkd", model).files["/etc/systemd/network/10-cloud-init-eth1.network"]).toContain("IPv6AcceptRA=no");
    expect(render("eni", model).all).toMatch(/iface eth0 inet6 static\n(?: {4}.*\n)*? {4}accept_ra 1\n/);
    expect(render("eni", model).all).toMatch(/iface eth1 inet6 dhcp\n {4}accept_ra 0/);
    expect(render("sysconfig", model).files["/etc/sysconfig/network-scripts/ifcfg-eth0"]).toContain("IPV6_FORCE_ACCEPT_RA=yes");
    expect(render("sysconfig", model).files["/etc/sysconfig/network-scripts/ifcfg-eth1"]).toContain("IPV6_FORCE_ACCEPT_RA=no");
    // NM: static addresses plus router advertisements is `auto`; DHCPv6 without them is `dhcp`
    const nm = render("network-manager", model).files;
    expect(section(nm["/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection"], "ipv6")?.[0]).toBe("method=auto");
    expect(section(nm["/etc/NetworkManager/system-connections/cloud-init-eth1.nmconnection"], "ipv6")?.[0]).toBe("method=dhcp");
  });

  it("stateless DHCPv6: SLAAC plus an information request (ENI dhcp 1, sysconfig DHCPV6C_OPTIONS=-S)", () => {
    const model = v1(nic("eth0", [{ type: "ipv6_dhcpv6-stateless" }]), nic("eth1", [{ type: "ipv6_slaac" }]), nic("eth2", [{ type: "ipv6_dhcpv6-stateful" }]));
    const eni = render("eni", model).all;
    expect(eni).toContain("iface eth0 inet6 auto\n    dhcp 1\n");
    expect(eni).toContain("iface eth1 inet6 auto\n    dhcp 0\n");
    expect(eni).toContain("iface eth2 inet6 dhcp\n");
    const sysconfig = render("sysconfig", model).files;
    expect(sysconfig["/etc/sysconfig/network-scripts/ifcfg-eth0"]).toMatch(/DHCPV6C=yes\nDHCPV6C_OPTIONS=-S\n[\s\S]*IPV6INIT=yes\nIPV6_AUTOCONF=yes\n/);
    expect(sysconfig["/etc/sysconfig/network-scripts/ifcfg-eth1"]).not.toContain("DHCPV6C");
    expect(sysconfig["/etc/sysconfig/network-scripts/ifcfg-eth2"]).toMatch(/DHCPV6C=yes\n[\s\S]*IPV6_AUTOCONF=no\nIPV6_FAILURE_FATAL=yes\n/);
    // networkd (netplan's backend) sends the information request when the advertisement asks for it
    expect(render("netplan", model).all).toMatch(/eth0:\n(?: {12}.*\n)*? {12}accept-ra: true\n/);
    expect(render("networkd", model).files["/etc/systemd/network/10-cloud-init-eth0.network"]).toContain("DHCP=no\nIPv6AcceptRA=yes\n");
  });

  it("a gateway outside the subnet is on-link in every renderer; an explicit v2 on-link is kept", () => {
    const model = v1(nic("eth0", [{ type: "static", address: "203.0.113.5/32", gateway: "172.31.1.1" }]));
    expect(render("networkd", model).all).toContain("[Route]\nGateway=172.31.1.1\nGatewayOnLink=yes\n");
    expect(render("netplan", model).all).toContain("- to: 0.0.0.0/0\n                  via: 172.31.1.1\n                  on-link: true\n");
    // ifupdown's own gateway option adds the route with onlink
    expect(render("eni", model).all).toContain("    gateway 172.31.1.1\n");
    expect(render("network-manager", model).all).toContain("route1=0.0.0.0/0,172.31.1.1\nroute1_options=onlink=true\n");
    expect(render("sysconfig", model).files["/etc/sysconfig/network-scripts/route-eth0"]).toContain("ADDRESS0=0.0.0.0\nGATEWAY0=172.31.1.1\nNETMASK0=0.0.0.0\nOPTIONS0=onlink\n");
    const explicit = v2({ ethernets: { eth0: { addresses: ["10.0.0.5/24"], routes: [{ to: "10.9.0.0/16", via: "10.0.0.1", "on-link": true }] } } });
    expect(render("networkd", explicit).all).toContain("Destination=10.9.0.0/16\nGateway=10.0.0.1\nGatewayOnLink=yes\n");
    expect(render("eni", explicit).all).toContain("post-up ip route add 10.9.0.0/16 via 10.0.0.1 dev eth0 onlink || true");
    // inside the subnet: no on-link
    expect(render("networkd", v1(nic("eth0", [{ type: "static", address: "10.0.0.5/24", gateway: "10.0.0.1" }]))).all).not.toContain("GatewayOnLink");
  });

  it("a v2 route to an address without a prefix is one host (/32, /128), as netplan reads it", () => {
    const model = v2({ ethernets: { eth0: { addresses: ["10.0.0.5/24", "2001:db8::5/64"], routes: [{ to: "10.10.10.8", via: "10.0.0.1" }, { to: "2001:db8:1::8", via: "2001:db8::1" }] } } });
    expect(model.interfaces[0].routes.map((r) => r.to)).toEqual(["10.10.10.8/32", "2001:db8:1::8/128"]);
  });

  it("OpenStack: per-network name servers, search domains and IPv6 gateway, the service's search, a named bond", () => {
    const model = parseNetworkData({
      links: [
        { id: "a", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:0a" },
        { id: "b", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:0b" },
        { id: "bond", type: "bond", name: "bond-prod", bond_links: ["a", "b"], bond_mode: "active-backup" },
      ],
      networks: [
        { id: "v4", type: "ipv4", link: "bond", ip_address: "10.0.0.5/24", dns_nameservers: ["10.0.0.2"], dns_search: ["prod.example"], services: [{ type: "dns", address: "10.0.0.3" }] },
        { id: "v6", type: "ipv6", link: "bond", ip_address: "2001:db8::5/64", gateway: "2001:db8::1" },
      ],
      services: [{ type: "dns", address: "9.9.9.9", search: ["example.net"] }],
    });
    const bond = model.interfaces.find((i) => i.type === "bond");
    expect(bond).toMatchObject({ name: "bond-prod", nameservers: { addresses: ["10.0.0.3", "10.0.0.2"], search: ["prod.example"] }, acceptRa: false });
    expect(bond?.subnets[1]).toEqual({ type: "static", address: "2001:db8::5", prefix: 64, gateway: "2001:db8::1" });
    expect(model.nameservers).toEqual({ addresses: ["9.9.9.9"], search: ["example.net"] });
  });

  it("global name servers are kept when every interface is DHCP", () => {
    const model = v1(nic("eth0", [{ type: "dhcp" }]), { type: "nameserver", address: ["192.0.2.53"], search: ["example.com"] });
    expect(render("networkd", model).all).toContain("DNS=192.0.2.53\nDomains=example.com\n");
    expect(render("netplan", model).all).toContain("nameservers:\n                addresses:\n                    - 192.0.2.53\n");
    expect(render("sysconfig", model).all).toContain("DNS1=192.0.2.53\n");
    expect(render("network-manager", model).all).toContain("dns=192.0.2.53;\n");
  });

  it("v1 subnet metric: the lease's routes, or the gateway's and the subnet's routes", () => {
    const model = v1(nic("eth0", [{ type: "dhcp", metric: 200 }]), nic("eth1", [{ type: "static", address: "10.1.0.5/24", gateway: "10.1.0.1", metric: 50, routes: [{ network: "10.9.0.0", prefix: 16, gateway: "10.1.0.254" }] }]));
    expect(render("networkd", model).all).toContain("[DHCPv4]\nRouteMetric=200\n");
    expect(render("networkd", model).all).toContain("[Route]\nGateway=10.1.0.1\nMetric=50\n\n[Route]\nDestination=10.9.0.0/16\nGateway=10.1.0.254\nMetric=50\n");
    expect(render("eni", model).all).toMatch(/iface eth1 inet static\n {4}address 10\.1\.0\.5\/24\n {4}gateway 10\.1\.0\.1\n {4}metric 50\n/);
    expect(render("sysconfig", model).files["/etc/sysconfig/network-scripts/ifcfg-eth1"]).toContain("METRIC=50\n");
  });

  it("sysconfig: a DHCP NIC leaves the default route to the NIC that owns it (DHCLIENT_SET_DEFAULT_ROUTE=no)", () => {
    const model = v1(nic("eth0", [{ type: "static", address: "10.0.0.5/24", gateway: "10.0.0.1" }]), nic("eth1", [{ type: "dhcp" }]));
    const files = render("sysconfig", model).files;
    expect(files["/etc/sysconfig/network-scripts/ifcfg-eth1"]).toContain("DHCLIENT_SET_DEFAULT_ROUTE=no\n");
    expect(files["/etc/sysconfig/network-scripts/ifcfg-eth0"]).not.toContain("DHCLIENT_SET_DEFAULT_ROUTE");
    expect(render("sysconfig", v1(nic("eth1", [{ type: "dhcp" }]))).all).not.toContain("DHCLIENT_SET_DEFAULT_ROUTE");
  });

  it("match name + set-name keeps the match where no NIC list resolves it", () => {
    const model = v2({ ethernets: { x: { match: { name: "green" }, "set-name": "blue", dhcp4: true } } });
    expect(render("netplan", model).all).toContain("blue:\n            match:\n                name: green\n            set-name: blue\n");
    expect(render("eni", model).files["/etc/udev/rules.d/70-persistent-net.rules"]).toBe('SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", KERNEL=="green", NAME="blue"\n');
  });
});

describe("valid input accepted", () => {
  it("netplan's bond spellings, address options, per-device renderer and y/n booleans", () => {
    const model = v2({
      ethernets: { eth0: { renderer: "networkd", dhcp4: "y", dhcp6: "n", addresses: [{ "10.0.0.5/24": { lifetime: "forever", label: "eth0:web" } }] }, eth1: { dhcp4: "no" } },
      bonds: { bond0: { interfaces: ["eth1"], parameters: { "gratuitious-arp": 2, "gratuitous-arp": 3, "arp-all-targets": "all", "all-members-active": "yes" } } },
    });
    expect(model.interfaces[0].subnets).toEqual([{ type: "dhcp4" }, { type: "static", address: "10.0.0.5", prefix: 24, lifetime: "forever", label: "eth0:web" }]);
    expect(model.interfaces[1].subnets).toEqual([]);
    expect(model.interfaces[2]).toMatchObject({ params: { num_grat_arp: 3, arp_all_targets: "all", all_slaves_active: 1 } });
    expect(render("networkd", model).all).toContain("[Address]\nAddress=10.0.0.5/24\nLabel=eth0:web\nPreferredLifetime=forever\n");
    expect(render("netplan", model).all).toContain("- 10.0.0.5/24:\n                      lifetime: forever\n                      label: eth0:web\n");
  });

  it("v1 loopback is left to the kernel; v1 infiniband is a NIC with a 20-byte address", () => {
    const ib = "a0:00:02:20:fe:80:00:00:00:00:00:00:ec:0d:9a:03:00:15:e2:c1";
    const model = v1({ type: "loopback", name: "lo" }, { type: "infiniband", name: "ib0", mac_address: ib, subnets: [{ type: "dhcp" }] });
    expect(model.interfaces).toEqual([expect.objectContaining({ type: "physical", name: "ib0", mac: ib, infiniband: true })]);
    expect(render("network-manager", model).all).toMatch(/type=infiniband\n[\s\S]*\[infiniband\]\ntransport-mode=datagram\nmac-address=A0:00/);
    expect(render("sysconfig", model).all).toContain("TYPE=InfiniBand\n");
  });
});

describe("settings carried, or a warning naming them", () => {
  const nics: KernelNic[] = [{ name: "eth0", mac: "52:54:00:00:00:01" }];
  const all = v2({
    ethernets: {
      eth0: {
        match: { macaddress: "52:54:00:00:00:01" },
        macaddress: "02:00:00:00:00:99",
        wakeonlan: true,
        optional: true,
        dhcp4: true,
        "dhcp4-overrides": { "use-dns": false, "use-ntp": false, "use-hostname": false, "use-routes": false, "use-domains": false, "send-hostname": false, hostname: "node1", "route-metric": 300 },
        "dhcp-identifier": "mac",
        addresses: ["2001:db8::5/64"],
        "ipv6-privacy": true,
        "ipv6-address-token": "::42",
        "ipv6-mtu": 1400,
        routes: [{ to: "10.9.0.0/16", via: "10.0.0.1", mtu: 1400, table: 7 }],
      },
    },
  });
  const model = resolveInterfaces(all, nics).model;

  it("netplan says all of it", () => {
    const { all: yaml, warnings } = render("netplan", model);
    for (const key of ["macaddress: 02:00:00:00:00:99", "wakeonlan: true", "optional: true", "use-ntp: false", "use-hostname: false", "hostname: node1", "dhcp-identifier: mac", "ipv6-privacy: true", "ipv6-address-token: ::42", "ipv6-mtu: 1400", "mtu: 1400", "table: 7"]) expect(yaml).toContain(key);
    expect(warnings).toEqual([]);
  });

  it("networkd says all but Wake-on-LAN (a .link setting)", () => {
    const { all: text, warnings } = render("networkd", model);
    for (const line of ["[Link]\nMACAddress=02:00:00:00:00:99\nRequiredForOnline=no", "IPv6PrivacyExtensions=yes", "IPv6Token=::42", "IPv6MTUBytes=1400", "UseDNS=no\nUseNTP=no\nUseHostname=no\nUseDomains=no\nUseRoutes=no\nSendHostname=no\nHostname=node1\nClientIdentifier=mac", "Table=7\nMTUBytes=1400"]) expect(text).toContain(line);
    expect(warnings).toEqual(["networkd: eth0: wakeonlan cannot be expressed in this format; left out"]);
  });

  it("NetworkManager: what keyfiles have no setting for is named", () => {
    const { all: text, warnings } = render("network-manager", model);
    for (const line of ["cloned-mac-address=02:00:00:00:00:99", "wake-on-lan=64", "ignore-auto-dns=true", "ignore-auto-routes=true\nnever-default=true", "dhcp-send-hostname=false", "dhcp-hostname=node1", "dhcp-client-id=mac", "ip6-privacy=2", "addr-gen-mode=eui64\ntoken=::42", "mtu=1400"]) expect(text).toContain(line);
    expect(warnings.map((w) => w.replace(/ cannot be expressed.*/, ""))).toEqual(["network-manager: eth0: optional", "network-manager: eth0: dhcp4-overrides use-ntp", "network-manager: eth0: dhcp4-overrides use-hostname", "network-manager: eth0: dhcp4-overrides use-domains"]);
  });

  it("ENI and sysconfig: what ifupdown and initscripts have no setting for is named", () => {
    const eni = render("eni", model);
    for (const line of ["allow-hotplug eth0", "hwaddress 02:00:00:00:00:99", "ethernet-wol g", "client no", "privext 2", "metric 300", "table 7 mtu 1400"]) expect(eni.all).toContain(line);
    expect(eni.warnings.map((w) => w.replace(/ cannot be expressed.*/, ""))).toEqual([
      "eni: eth0: ipv6-address-token",
      "eni: eth0: ipv6-mtu",
      ...["use-dns", "use-ntp", "use-hostname", "use-routes", "use-domains", "send-hostname", "hostname"].map((k) => `eni: eth0: dhcp4-overrides ${k}`),
    ]);
    const sysconfig = render("sysconfig", model);
    for (const line of ["MACADDR=02:00:00:00:00:99", 'ETHTOOL_OPTS="wol g"', "PEERDNS=no", "PEERNTP=no", "PEERROUTES=no", "DHCP_SEND_HOSTNAME=no", "DHCP_HOSTNAME=node1", "IPV6_PRIVACY=rfc3041", "IPV6_MTU=1400", 'OPTIONS0="table 7 mtu 1400"']) expect(sysconfig.all).toContain(line);
    expect(sysconfig.warnings.map((w) => w.replace(/ cannot be expressed.*/, ""))).toEqual([
      "sysconfig: eth0: dhcp4-overrides use-hostname",
      "sysconfig: eth0: dhcp4-overrides use-domains",
      "sysconfig: eth0: optional",
      "sysconfig: eth0: ipv6-address-token",
      "sysconfig: eth0: dhcp-identifier",
    ]);
  });
});
