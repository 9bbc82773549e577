// `devel net-convert` as operators run it: a config file in, one renderer's files out under a
// directory, with cloud-init's flags, messages and exit codes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { agentCommand, type AgentResult } from "./root";

const dir = mkdtempSync(join(tmpdir(), "net-convert-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function netConvert(args: string[]): AgentResult {
  const [cmd, ...pre] = agentCommand();
  const r = spawnSync(cmd, [...pre, "devel", "net-convert", ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, encoding: "utf8", cwd: dir });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function input(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(root, f)).isFile()).sort();
}

// Unquoted MACs whose groups are all decimal: YAML 1.1 makes a number of the first (PyYAML), and
// a string of the second (a leading 0 is no base-60 integer); both are read as the MAC written
const V1 = `network:
  version: 1
  config:
    - type: physical
      name: eth0
      mac_address: 52:54:00:12:34:56
      subnets: [{type: static, address: 192.168.1.10/24, gateway: 192.168.1.1}]
    - {type: nameserver, address: [192.168.1.1], search: [example.com]}
`;
const V2 = `version: 2
ethernets:
  id0:
    match: {macaddress: 00:50:56:12:34:56}
    dhcp4: true
`;
const NETWORK_DATA = JSON.stringify({
  links: [{ id: "tap1", type: "phy", ethernet_mac_address: "fa:16:3e:9c:bf:3d", mtu: 1450 }],
  networks: [{ id: "network0", type: "ipv4", link: "tap1", ip_address: "10.0.1.5", netmask: "255.255.255.0", routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.1.1" }] }],
  services: [{ type: "dns", address: "8.8.8.8" }],
});
const ENI = "auto eth0\niface eth0 inet static\n    address 10.1.2.3\n    netmask 255.255.255.0\n    gateway 10.1.2.1\n";

describe("devel net-convert", () => {
  it("converts v1 YAML (with its network: key) to netplan under the directory, MAC as written", () => {
    const r = netConvert(["-p", input("v1.yaml", V1), "-k", "yaml", "-d", "out-netplan", "-D", "ubuntu", "-O", "netplan"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("Read input format 'yaml' from 'v1.yaml'.\nWrote output format 'netplan' to 'out-netplan/'\n\n");
    expect(filesUnder(join(dir, "out-netplan"))).toEqual(["etc/netplan/50-cloud-init.yaml"]);
    const netplan = readFileSync(join(dir, "out-netplan/etc/netplan/50-cloud-init.yaml"), "utf8");
    expect(netplan).toContain('macaddress: "52:54:00:12:34:56"');
    expect(netplan).toContain("192.168.1.10/24");
    expect(statSync(join(dir, "out-netplan/etc/netplan/50-cloud-init.yaml")).mode & 0o777).toBe(0o600);
  });

  it("takes v2 without its network: key; -m names the machine's NICs", () => {
    const r = netConvert(["--network-data", input("v2.yaml", V2), "--kind", "yaml", "--directory", "out-networkd", "--distro", "debian", "--output-kind", "networkd", "-m", "ens3,00:50:56:12:34:56"]);
    expect(r.code).toBe(0);
    expect(filesUnder(join(dir, "out-networkd"))).toEqual(["etc/systemd/network/10-cloud-init-ens3.network"]);
    expect(readFileSync(join(dir, "out-networkd/etc/systemd/network/10-cloud-init-ens3.network"), "utf8")).toMatch(/DHCP=ipv4/);
  });

  it("converts network_data.json to sysconfig for a RHEL-family distro", () => {
    const r = netConvert(["-p", input("network_data.json", NETWORK_DATA), "-k", "network_data.json", "-d", "out-sysconfig", "-D", "rocky", "-O", "sysconfig", "-m", "eth0,fa:16:3e:9c:bf:3d"]);
    expect(r.code).toBe(0);
    const ifcfg = readFileSync(join(dir, "out-sysconfig/etc/sysconfig/network-scripts/ifcfg-eth0"), "utf8");
    expect(ifcfg).toMatch(/IPADDR=10\.0\.1\.5/);
  });

  it("reads interfaces(5) text; the distro decides where ENI goes", () => {
    expect(netConvert(["-p", input("interfaces", ENI), "-k", "eni", "-d", "out-eni-debian", "-D", "debian", "-O", "eni"]).code).toBe(0);
    expect(filesUnder(join(dir, "out-eni-debian"))).toEqual(["etc/network/interfaces.d/50-cloud-init"]);
    expect(netConvert(["-p", "interfaces", "-k", "eni", "-d", "out-eni-arch", "-D", "arch", "-O", "eni"]).code).toBe(0);
    expect(filesUnder(join(dir, "out-eni-arch"))).toEqual(["etc/network/interfaces"]);
    expect(netConvert(["-p", "interfaces", "-k", "eni", "-d", "out-nm", "-D", "fedora", "-O", "network-manager"]).code).toBe(0);
    expect(filesUnder(join(dir, "out-nm"))).toEqual(["etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection"]);
  });

  it("warns about a NIC -m does not list and a setting the output format cannot express", () => {
    const config = input("optional.yaml", "version: 2\nethernets:\n  lan:\n    match: {macaddress: 'aa:bb:cc:00:00:01'}\n    optional: true\n    dhcp4: true\n  gone:\n    match: {macaddress: 'aa:bb:cc:00:00:02'}\n    dhcp4: true\n");
    const r = netConvert(["-p", config, "-k", "yaml", "-d", "out-warn", "-D", "fedora", "-O", "network-manager", "-m", "eth0,aa:bb:cc:00:00:01"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("WARNING: network config names a MAC this machine does not have: aa:bb:cc:00:00:02 (gone); it is left out");
    expect(r.stderr).toMatch(/WARNING: .*optional/);
  });

  it("--debug prints the input and the model it rendered", () => {
    const r = netConvert(["-p", "v1.yaml", "-k", "yaml", "-d", "out-debug", "-D", "ubuntu", "-O", "eni", "--debug"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Input YAML\n[\s\S]*\nInternal State\n[\s\S]*Read input format 'yaml'/);
  });

  it("usage errors exit 2 with argparse's wording; an input it cannot use exits 1 naming why", () => {
    const missing = netConvert(["-k", "yaml"]);
    expect([missing.code, missing.stderr.split("\n")[1]]).toEqual([2, "cloud-agent devel net-convert: error: the following arguments are required: -p/--network-data, -d/--directory, -D/--distro, -O/--output-kind"]);
    expect(netConvert(["-p", "v1.yaml", "-k", "toml", "-d", "x", "-D", "debian", "-O", "eni"]).stderr).toMatch(/argument --kind: invalid choice: 'toml'/);
    expect(netConvert(["-p", "v1.yaml", "-k", "yaml", "-d", "x", "-D", "debian", "-O", "ifcfg"]).code).toBe(2);
    const azure = netConvert(["-p", "v1.yaml", "-k", "azure-imds", "-d", "x", "-D", "debian", "-O", "eni"]);
    expect([azure.code, azure.stderr]).toEqual([1, expect.stringMatching(/input kind 'azure-imds' is not supported/)]);
    const broken = netConvert(["-p", input("broken.yaml", "version: 1\nconfig: [\n"), "-k", "yaml", "-d", "x", "-D", "debian", "-O", "eni"]);
    expect([broken.code, broken.stderr]).toEqual([1, expect.stringMatching(/^cloud-agent devel net-convert: error: broken.yaml: .*line \d+/)]);
    expect(netConvert(["-p", "v2.yaml", "-k", "yaml", "-d", "x", "-D", "debian", "-O", "eni", "-m", "nocomma"]).code).toBe(2);
    expect(existsSync(join(dir, "x"))).toBe(false);
    const [cmd, ...pre] = agentCommand();
    expect(spawnSync(cmd, [...pre, "devel"], { encoding: "utf8" }).status).toBe(2);
  });
});
