// The model's checks (src/network/validate.ts): each rule takes a real value and refuses a
// hostile one, naming where it sits, never the value; and the findings of issue #9 replayed
// through the parsers and every renderer.
import { describe, expect, it } from "vitest";
import type { BondParams, NetworkModel } from "../../../src/network/model";
import { noNameservers } from "../../../src/network/model";
import { parseNetworkConfig } from "../../../src/network/parse";
import { RENDERERS } from "../../../src/network/render";
import { checkModel } from "../../../src/network/validate";

/** A bond of eth1 and eth2 with the given options. */
function bond(params: BondParams): NetworkModel {
  const nic = (name: string) => ({ type: "physical" as const, name, rename: false, subnets: [], routes: [], nameservers: noNameservers() });
  return {
    interfaces: [nic("eth1"), nic("eth2"), { type: "bond", name: "bond0", members: ["eth1", "eth2"], params, subnets: [], routes: [], nameservers: noNameservers() }],
    routes: [],
    nameservers: noNameservers(),
  };
}

const HOSTILE = "1\npost-up touch /tmp/pwned";

describe("bond options, each by its own rule", () => {
  it.each([
    ["mode", "802.3ad", "one of balance-rr, active-backup"],
    ["mode", 4, "one of balance-rr"],
    ["mode", "6", "one of balance-rr"],
    ["lacp_rate", "fast", "one of slow, fast"],
    ["lacp_rate", 1, "one of slow, fast"],
    ["xmit_hash_policy", "layer3+4", "one of layer2, layer3+4"],
    ["ad_select", "bandwidth", "one of stable, bandwidth, count"],
    ["arp_validate", "filter_backup", "one of none, active"],
    ["arp_all_targets", "all", "one of any, all"],
    ["fail_over_mac", "follow", "one of none, active, follow"],
    ["primary_reselect", "failure", "one of always, better, failure"],
    ["miimon", 100, "a whole number from 0"],
    ["miimon", "100", "a whole number from 0"],
    ["updelay", 200, "a whole number"],
    ["downdelay", 0, "a whole number"],
    ["arp_interval", 1000, "a whole number"],
    ["min_links", 1, "a whole number"],
    ["ad_actor_sys_prio", 65535, "a whole number from 1 to 65535"],
    ["ad_user_port_key", 1023, "a whole number from 0 to 1023"],
    ["num_grat_arp", 255, "a whole number from 0 to 255"],
    ["num_unsol_na", 1, "a whole number from 0 to 255"],
    ["packets_per_slave", 0, "a whole number from 0 to 65535"],
    ["resend_igmp", 1, "a whole number from 0 to 255"],
    ["lp_interval", 1, "a whole number from 1 to"],
    ["tlb_dynamic_lb", 1, "0, 1, on, off, true or false"],
    ["all_slaves_active", "true", "0, 1, on, off, true or false"],
    ["use_carrier", 0, "0, 1, on, off, true or false"],
    ["ad_actor_system", "02:00:00:00:00:01", "a MAC address"],
    ["primary", "eth1", "an interface name"],
    ["active_slave", "eth2", "an interface name"],
    ["arp_ip_target", ["10.0.0.1", "10.0.0.2"], "a list of up to 16 IPv4 addresses"],
    ["arp_ip_target", "10.0.0.1,10.0.0.2", "a list of up to 16 IPv4 addresses"],
  ] as Array<[string, BondParams[string], string]>)("%s takes %j and refuses a hostile value, naming the option", (key, value, expected) => {
    expect(() => checkModel(bond({ [key]: value }))).not.toThrow();
    const refused = () => checkModel(bond({ [key]: Array.isArray(value) ? [value[0], HOSTILE] : HOSTILE }));
    expect(refused).toThrow(`interface bond0: bond option ${key} must be ${expected}`);
    expect(refused).not.toThrow(/pwned|\n/);
  });

  it.each([
    ["mode", 7],
    ["mode", "802.3ad "],
    ["lacp_rate", "2"],
    ["miimon", -1],
    ["miimon", 1.5],
    ["miimon", "100ms"],
    ["ad_actor_sys_prio", 0],
    ["ad_user_port_key", 1024],
    ["num_grat_arp", 256],
    ["all_slaves_active", "yes please"],
    ["ad_actor_system", "02:00:00:00:00"],
    ["primary", "eth1 eth2"],
    ["arp_ip_target", ["2001:db8::1"]],
    ["arp_ip_target", Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`)],
    ["mode", ["802.3ad"]],
  ] as Array<[string, BondParams[string]]>)("%s refuses %j", (key, value) => {
    expect(() => checkModel(bond({ [key]: value }))).toThrow(`bond option ${key} must be`);
  });

  it("an unknown option is an error naming the option (as JSON when it is not a plain word)", () => {
    expect(() => checkModel(bond({ speed: "fast" }))).toThrow("interface bond0: unknown bond option speed");
    expect(() => checkModel(bond({ "mode\npost-up x": "1" }))).toThrow('interface bond0: unknown bond option "mode\\npost-up x"');
  });

  it("primary and active_slave name one of the bond's members", () => {
    expect(() => checkModel(bond({ primary: "eth3" }))).toThrow("interface bond0: bond option primary is not a member of the bond");
    expect(() => checkModel(bond({ active_slave: "lo" }))).toThrow("interface bond0: bond option active_slave is not a member of the bond");
  });
});

describe("the other values of the model", () => {
  const base = (): NetworkModel => parseNetworkConfig({
    version: 2,
    ethernets: { eth0: { addresses: ["10.0.0.5/24"], gateway4: "10.0.0.1", routes: [{ to: "10.1.0.0/16", via: "10.0.0.2", metric: 10 }], nameservers: { addresses: ["10.0.0.1"], search: ["example.com"] }, mtu: 9000 } },
    bridges: { br0: { interfaces: [], parameters: { stp: true, priority: 100 } } },
    vlans: { "eth0.7": { id: 7, link: "eth0" } },
  });
  type Change = (m: NetworkModel) => void;
  const at = (m: NetworkModel, name: string) => m.interfaces.find((i) => i.name === name) as unknown as Record<string, never>;

  it("the document they come from passes", () => {
    expect(() => checkModel(base())).not.toThrow();
  });

  it.each([
    ["an MTU below IPv4's minimum", (m) => (m.interfaces[0].mtu = 67), "interface eth0: mtu must be a whole number from 68 to 65535"],
    ["an MTU over 65535", (m) => (m.interfaces[0].mtu = 65536), "interface eth0: mtu must be a whole number from 68 to 65535"],
    ["a vlan id over 4094", (m) => {
      at(m, "eth0.7").id = 4095 as never;
    }, "interface eth0.7: vlan id must be a whole number from 0 to 4094"],
    ["a bridge priority that is text", (m) => {
      at(m, "br0").params = { priority: "1\nx" } as never;
    }, "interface br0: bridge priority must be a whole number from 0 to 65535"],
    ["stp that is not a boolean", (m) => {
      at(m, "br0").params = { stp: "on; x" } as never;
    }, "interface br0: bridge stp must be true or false"],
    ["a name server that is not an address", (m) => (m.interfaces[0].nameservers.addresses[0] = "10.0.0.1\nnameserver 6.6.6.6"), "interface eth0: nameservers: address 0 is not an IP address"],
    ["a search domain with a quote", (m) => (m.interfaces[0].nameservers.search[0] = 'a" x'), "interface eth0: nameservers: search domain 0 is not a domain name"],
    ["a route metric that is text", (m) => ((m.interfaces[0].routes[0] as { metric: unknown }).metric = "1 && x"), "interface eth0: route 0: metric must be a whole number"],
    ["a route destination without prefix", (m) => (m.interfaces[0].routes[0].to = "10.1.0.0"), "interface eth0: route 0: destination is not a network (address/prefix)"],
    ["a gateway with shell syntax", (m) => (m.interfaces[0].routes[0].via = "$(reboot)"), "interface eth0: route 0: gateway is not an IP address"],
    ["an address with a newline", (m) => ((m.interfaces[0].subnets[0] as { address: string }).address = "10.0.0.5\n"), "interface eth0: subnet 0: address is not an IP address"],
    ["a prefix over 32 on IPv4", (m) => ((m.interfaces[0].subnets[0] as { prefix: number }).prefix = 33), "interface eth0: subnet 0: prefix is out of range for the address family"],
    ["a name with a space", (m) => (m.interfaces[0].name = "eth0 x"), "interface 0: the name is not an interface name"],
    ["a MAC with a newline", (m) => (m.interfaces[0].mac = "52:54:00:00:00:01\n"), "interface eth0: mac is not a MAC address"],
    ["a member that is not a name", (m) => {
      at(m, "br0").members = ["eth0;x"] as never;
    }, "interface br0: member 0 is not an interface name"],
  ] as Array<[string, Change, string]>)("%s is refused", (_, change, message) => {
    const model = base();
    change(model);
    expect(() => checkModel(model)).toThrow(message);
  });
});

describe("issue #9 finding 2: network-config values do not become commands", () => {
  const v1Bond = (mode: string) => ({
    version: 1,
    config: [
      { type: "physical", name: "eth1", mac_address: "52:54:00:00:00:11" },
      { type: "physical", name: "eth2", mac_address: "52:54:00:00:00:12" },
      { type: "bond", name: "bond0", bond_interfaces: ["eth1", "eth2"], params: { "bond-mode": mode } },
    ],
  });

  it("a bond value with a newline (an ifupdown post-up line) is refused, naming the option", () => {
    expect(() => parseNetworkConfig(v1Bond("active-backup\n    post-up touch /tmp/pwned"))).toThrow("interface bond0: bond option mode must be one of balance-rr");
    expect(() => parseNetworkConfig(v1Bond("active-backup\n    post-up touch /tmp/pwned"))).not.toThrow(/pwned/);
  });

  it('a bond value with quotes (BONDING_OPTS="…" ; touch /tmp/x ; "") is refused', () => {
    expect(() => parseNetworkConfig(v1Bond('active-backup" ; touch /tmp/x ; "'))).toThrow("bond option mode must be");
  });

  it("a v2 bond value aimed at networkd's and NetworkManager's INI lines is refused", () => {
    const v2 = { version: 2, ethernets: { eth1: {}, eth2: {} }, bonds: { bond0: { interfaces: ["eth1", "eth2"], parameters: { "lacp-rate": "fast\n[Network]\nDNS=6.6.6.6" } } } };
    expect(() => parseNetworkConfig(v2)).toThrow("interface bond0: bond option lacp_rate must be one of slow, fast");
  });

  // Behind the checks, each renderer refuses on its own what would change its file's shape.
  const model = (params: BondParams) => bond(params);
  it.each([
    // a member's stanza carries its bond's options too, and comes first
    ["eni", { mode: "1\n    post-up touch /tmp/pwned" }, 'eni: an option of interface "eth1" is not a plain word'],
    ["eni", { mode: "1 \\" }, 'eni: an option of interface "eth1" is not a plain word'],
    ["networkd", { mode: "1\n[Network]" }, "networkd: a setting of bond0 holds a control or line-break character"],
    ["networkd", { mode: "1\\" }, "networkd: Mode of bond0 ends in a backslash"],
    ["network-manager", { mode: "1\n[ipv4]" }, "network-manager: mode of bond0 holds a control or line-break character"],
    ["netplan", { mode: "1\u2028x" }, "netplan: network.bonds.bond0.parameters.mode holds a control or line-break character"],
    ["sysconfig", { mode: "1\ntouch /tmp/x" }, "sysconfig: BONDING_OPTS holds a control or line-break character"],
  ])("%s refuses %j", (renderer, params, message) => {
    expect(() => RENDERERS[renderer](model(params))).toThrow(message);
  });

  it("sysconfig single-quotes what the shell would read as syntax, so sourcing runs nothing", () => {
    const ifcfg = RENDERERS.sysconfig(model({ mode: '1" ; touch /tmp/x ; "\'$(id)' }))[2].content;
    expect(ifcfg).toContain(`BONDING_OPTS='mode=1" ; touch /tmp/x ; "'\\''$(id)'\n`);
  });

  it("NetworkManager's keyfile escapes a backslash and a leading blank as GKeyFile reads them", () => {
    const profile = RENDERERS["network-manager"](model({ mode: " a\\b" })).find((f) => f.path.endsWith("bond0.nmconnection"))?.content;
    expect(profile).toContain("mode=\\sa\\\\b\n");
  });

  it("an interface name that would leave the renderer's directory is refused", () => {
    const m = bond({});
    m.interfaces[2].name = "../../etc/cron.d/x";
    for (const render of Object.values(RENDERERS).filter((r) => r !== RENDERERS.netplan)) expect(() => render(m)).toThrow("an interface name is not a plain name");
  });
});
