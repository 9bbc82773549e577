// Network config in the local stage, in a Debian root (ifupdown and systemd present, so the
// renderers are chosen as on a real image) with a sysfs NIC laid out as the kernel does:
// sources in cloud-init's order, MAC matching, once per instance, and bad configs degrading
// to the fallback with the rest of the boot intact.
import { mkdirSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent, bootAsync } from "./root";

const unsupported = bootUnsupported();
const MAC = "52:54:00:12:34:56";
const ENI = "etc/network/interfaces.d/50-cloud-init";
const STATIC_V1 = `version: 1
config:
  - type: physical
    name: eth0
    mac_address: '${MAC}'
    subnets:
      - type: static
        address: 192.168.10.5/24
        gateway: 192.168.10.1
        dns_nameservers: [192.168.10.1]
`;

describe.skipIf(unsupported)("network config in the local stage (Debian root)", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  afterEach(() => m?.dispose());

  /** A machine with one virtio NIC (ens3, the given MAC) in its sysfs. */
  function machine(files: Record<string, string>, nics: Record<string, string> = { ens3: MAC }) {
    m = prepareMachine("agent");
    for (const [name, mac] of Object.entries(nics)) {
      mkdirSync(m.path(`sys/class/net/${name}/device`), { recursive: true });
      writeFileSync(m.path(`sys/class/net/${name}/address`), `${mac}\n`);
      writeFileSync(m.path(`sys/class/net/${name}/type`), "1\n");
      writeFileSync(m.path(`sys/class/net/${name}/operstate`), "down\n");
    }
    mkdirSync(m.path("sys/class/net"), { recursive: true });
    m.writeSeed({ "meta-data": "instance-id: iid-net-1\n", "user-data": "#cloud-config\nruncmd: [touch /var/tmp/ran]\n", ...files });
  }

  /** One boot (a fresh /run), then `status --long`. */
  async function boot(): Promise<{ code: number; stdout: string }> {
    await bootAsync(m.root);
    return agent(m.root, ["status", "--long"]);
  }

  it("renders a v1 static config for ifupdown, the NIC found by MAC, once per instance", async () => {
    machine({ "network-config": STATIC_V1 });
    expect((await boot()).code).toBe(0);
    const eni = m.read(ENI);
    expect(eni).toContain("auto eth0\niface eth0 inet static\n    address 192.168.10.5/24\n    gateway 192.168.10.1");
    expect(eni).toContain("network: {config: disabled}");
    // the kernel calls it ens3: udev renames it to what the config says on later boots
    expect(m.read("etc/udev/rules.d/70-persistent-net.rules")).toContain(`ATTR{address}=="${MAC}", NAME="eth0"`);
    expect(m.mode("var/lib/cloud/instances/iid-net-1/network-config.json")).toBe("600");
    expect(JSON.parse(m.read("var/lib/cloud/instances/iid-net-1/network-config.json")).version).toBe(1);
    // same instance: what the user changed stays
    writeFileSync(m.path(ENI), "# edited by hand\n");
    expect((await boot()).code).toBe(0);
    expect(m.read(ENI)).toBe("# edited by hand\n");
    // a new instance renders again
    m.writeSeed({ "meta-data": "instance-id: iid-net-2\n" });
    await boot();
    expect(m.read(ENI)).toContain("iface eth0 inet static");
  });

  it("a MAC the machine lacks: an error for the network config only, the fallback, the rest of the boot", async () => {
    machine({ "network-config": STATIC_V1.replace(MAC, "52:54:00:99:99:99") });
    const status = await boot();
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("network config from ds not applied: network config names a MAC this machine does not have: 52:54:00:99:99:99 (eth0); using the fallback");
    expect(m.read(ENI)).toMatch(/^auto ens3\niface ens3 inet dhcp$/m);
    expect(m.exists("var/tmp/ran")).toBe(true);
    expect(m.exists("home/debian")).toBe(true);
  });

  it("a second NIC the machine lacks: the NIC it has is configured, the missing one reported as an error", async () => {
    const second = "  - type: physical\n    name: eth1\n    mac_address: '52:54:00:99:99:98'\n    subnets: [{type: dhcp}]\n";
    machine({ "network-config": STATIC_V1 + second });
    const status = await boot();
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("network config from ds: network config names a MAC this machine does not have: 52:54:00:99:99:98 (eth1); it is left out");
    expect(status.stdout).not.toContain("using the fallback");
    expect(m.read(ENI)).toContain("iface eth0 inet static");
    expect(m.read(ENI)).not.toContain("eth1");
  });

  it("a malformed config is reported and the fallback applies", async () => {
    machine({ "network-config": "version: 2\nethernets:\n  eth0:\n    addresses: [not-an-address]\n" });
    const status = await boot();
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/network config from ds not applied: .*not-an-address/);
    expect(m.read(ENI)).toContain("iface ens3 inet dhcp");
    expect(m.exists("var/tmp/ran")).toBe(true);
  });

  it("a bond option carrying an ifupdown line (issue #9) is refused by its name, not its value; the fallback is written", async () => {
    const hostile = `version: 1
config:
  - {type: physical, name: eth0, mac_address: '${MAC}'}
  - type: bond
    name: bond0
    bond_interfaces: [eth0]
    params:
      bond-mode: "active-backup\\n    post-up touch /var/tmp/pwned"
      bond-xmit-hash-policy: 'layer2" ; touch /var/tmp/pwned ; "'
`;
    machine({ "network-config": hostile });
    const status = await boot();
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("network config from ds not applied: interface bond0: bond option mode must be one of balance-rr, active-backup");
    expect(status.stdout).not.toContain("pwned");
    const eni = m.read(ENI);
    expect(eni).toContain("iface ens3 inet dhcp");
    expect(eni).not.toMatch(/post-up|bond/);
    expect(m.exists("var/tmp/pwned")).toBe(false);
    expect(m.exists("var/tmp/ran")).toBe(true);
  });

  it("network: {config: disabled} in cloud.cfg.d leaves the image's network alone", async () => {
    machine({ "network-config": STATIC_V1 });
    writeFileSync(m.path("etc/cloud/cloud.cfg.d/99-disable-network-config.cfg"), "network: {config: disabled}\n");
    expect((await boot()).code).toBe(0);
    expect(m.exists(ENI)).toBe(false);
  });

  it("network-config=disabled on the kernel command line too", async () => {
    machine({ "network-config": STATIC_V1 });
    mkdirSync(m.path("proc"), { recursive: true });
    writeFileSync(m.path("proc/cmdline"), "root=/dev/vda1 network-config=disabled quiet\n");
    expect((await boot()).code).toBe(0);
    expect(m.exists(ENI)).toBe(false);
  });

  it("network-config= on the kernel command line wins over the datasource's", async () => {
    machine({ "network-config": STATIC_V1 });
    const v2 = `network:\n  version: 2\n  ethernets:\n    nic:\n      match: {macaddress: '${MAC}'}\n      set-name: wan0\n      dhcp4: true\n`;
    mkdirSync(m.path("proc"), { recursive: true });
    writeFileSync(m.path("proc/cmdline"), `root=/dev/vda1 network-config=${Buffer.from(v2).toString("base64")}\n`);
    expect((await boot()).code).toBe(0);
    expect(m.read(ENI)).toContain("iface wan0 inet dhcp");
  });

  it("a v2 match by name pattern (KubeVirt's en*) configures the NIC it matches", async () => {
    machine({ "network-config": "network:\n  version: 2\n  ethernets:\n    id0:\n      match: {name: 'en*'}\n      dhcp4: true\n" });
    expect((await boot()).code).toBe(0);
    expect(m.read(ENI)).toMatch(/^auto ens3\niface ens3 inet dhcp$/m);
  });

  it("system_info.network.renderers picks systemd-networkd", async () => {
    machine({ "network-config": STATIC_V1 });
    writeFileSync(m.path("etc/cloud/cloud.cfg.d/50-renderer.cfg"), "system_info:\n  network:\n    renderers: [networkd]\n");
    expect((await boot()).code).toBe(0);
    const unit = m.read("etc/systemd/network/10-cloud-init-eth0.network");
    expect(unit).toContain(`MACAddress=${MAC}`);
    expect(unit).toContain("Address=192.168.10.5/24");
    expect(m.exists(ENI)).toBe(false);
  });

  it("a setting the chosen renderer cannot express is a warning naming it (degraded, as any warning); the rest of the config is written", async () => {
    const bond = `version: 1
config:
  - {type: physical, name: eth0, mac_address: '${MAC}'}
  - type: bond
    name: bond0
    bond_interfaces: [eth0]
    params: {bond-mode: 802.3ad, bond-ad_actor_sys_prio: 100, bond-use_carrier: 1}
    subnets: [{type: dhcp4}]
`;
    machine({ "network-config": bond });
    writeFileSync(m.path("etc/cloud/cloud.cfg.d/50-renderer.cfg"), "system_info:\n  network:\n    renderers: [networkd]\n");
    const { code, stdout } = await boot();
    expect(code).toBe(2);
    expect(stdout).toMatch(/^status: done\nextended_status: degraded done\n/);
    expect(stdout).toContain("networkd: bond0: bond option use_carrier cannot be expressed in this format; left out");
    expect(m.read("etc/systemd/network/10-cloud-init-bond0.netdev")).toContain("Mode=802.3ad\nAdActorSystemPriority=100\n");
    expect(m.exists("var/tmp/ran")).toBe(true);
  });

  it("no config: DHCP on the NIC, made again on a later boot only if that NIC's MAC is gone (KubeVirt masquerade)", async () => {
    machine({});
    expect((await boot()).code).toBe(0);
    expect(m.read(ENI)).toMatch(/^auto ens3\niface ens3 inet dhcp$/m);
    const recorded = JSON.parse(m.read("var/lib/cloud/instances/iid-net-1/network-config.json"));
    expect(recorded).toEqual({ version: 2, ethernets: { ens3: { match: { macaddress: MAC }, "set-name": "ens3", dhcp4: true } } });
    // same NIC: what is on disk stays
    writeFileSync(m.path(ENI), "# edited by hand\n");
    await boot();
    expect(m.read(ENI)).toBe("# edited by hand\n");
    // the same instance restarted with a new MAC: the fallback follows the NIC
    writeFileSync(m.path("sys/class/net/ens3/address"), "0a:58:0a:f4:00:07\n");
    expect((await boot()).code).toBe(0);
    expect(m.read(ENI)).toMatch(/^iface ens3 inet dhcp$/m);
    expect(m.read("etc/udev/rules.d/70-persistent-net.rules")).toContain('ATTR{address}=="0a:58:0a:f4:00:07", NAME="ens3"');
  });

  it("the legacy network-interfaces key of NoCloud meta-data (interfaces(5) text)", async () => {
    machine({});
    const legacy = `auto eth0\niface eth0 inet static\n  address 192.168.20.9\n  netmask 255.255.255.0\n  gateway 192.168.20.1\n  hwaddress ${MAC}\n`;
    m.writeSeed({ "meta-data": `instance-id: iid-net-1\nnetwork-interfaces: |\n${legacy.replace(/^/gm, "  ")}` });
    expect((await boot()).code).toBe(0);
    expect(m.read(ENI)).toContain("iface eth0 inet static\n    address 192.168.20.9/24\n    gateway 192.168.20.1");
  });

  it("no NIC and no config (a container): nothing written, nothing reported", async () => {
    machine({}, {});
    expect((await boot()).code).toBe(0);
    expect(m.exists(ENI)).toBe(false);
  });
});
