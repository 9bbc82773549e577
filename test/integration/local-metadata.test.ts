// Ec2Local and OpenStackLocal: in the local stage, before the image's networking, the
// agent takes a DHCP lease with the image's dhclient, reads the metadata service, renders its
// network config and takes the lease down again. Real parts: a Debian root (dhclient, ip,
// ifupdown), a guest network namespace whose eth0 is a veth to a "cloud" namespace running
// dnsmasq and a metadata service at 169.254.169.254. The agent runs in the guest namespace.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { IDENTITY, MAC, TOKEN } from "./imds-server";
import { agent, agentCommand, finished, type AgentResult } from "./root";

const tools = ["dnsmasq", "dhclient"].every((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status === 0);
const unsupported = bootUnsupported() || (!tools && "dnsmasq and dhclient are not installed");
const GUEST = `ca-guest-${process.pid}`;
const CLOUD = `ca-cloud-${process.pid}`;
const ENI = "etc/network/interfaces.d/50-cloud-init";
const USER_DATA = "#cloud-config\nruncmd: [echo ran > /var/tmp/ran]\n";

const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8" });

// dhclient may need a retry (seconds apart) on a loaded machine: room for a few
describe.skipIf(unsupported)("datasources found in the local stage over an ephemeral DHCP lease", { timeout: 120_000 }, () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  let dir: string;
  let dnsmasq: ChildProcess | undefined;
  let service: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "local-metadata-"));
    ip("netns", "add", GUEST);
    ip("netns", "add", CLOUD);
    ip("-n", GUEST, "link", "add", "eth0", "address", MAC, "type", "veth", "peer", "name", "cloud0", "netns", CLOUD);
    ip("-n", CLOUD, "addr", "add", "169.254.169.254/16", "dev", "cloud0");
    ip("-n", CLOUD, "link", "set", "cloud0", "up");
    ip("-n", CLOUD, "link", "set", "lo", "up");
  });
  afterAll(() => {
    for (const ns of [GUEST, CLOUD]) spawnSync("ip", ["netns", "del", ns]);
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const child of [dnsmasq, service]) child?.kill();
    await Promise.all([dnsmasq, service].map((c) => c && c.exitCode === null && new Promise((r) => c.on("exit", r))));
    dnsmasq = service = undefined;
    m?.dispose();
  });

  /** dnsmasq serving DHCP in the cloud namespace, once it says it listens (a DISCOVER sent before would wait for dhclient's retry). */
  async function startDhcp(): Promise<void> {
    dnsmasq = spawn("ip", ["netns", "exec", CLOUD, "dnsmasq", "--no-daemon", "--log-facility=-", "--port=0", "--interface=cloud0", "--bind-interfaces", "--dhcp-range=169.254.0.10,169.254.0.50,255.255.0.0,1h", "--dhcp-option=option:router,169.254.169.254", `--dhcp-leasefile=${dir}/dnsmasq.leases`], { stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    await new Promise<void>((resolve, reject) => {
      dnsmasq!.stderr!.on("data", (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes("DHCP, IP range")) resolve();
      });
      dnsmasq!.once("exit", (code) => reject(new Error(`dnsmasq exited with ${code}: ${said}`)));
    });
  }

  /** A metadata service in the cloud namespace: `source` (TypeScript, bundled with what it imports) serves port 80 and prints a line once it listens. */
  async function startService(source: string): Promise<void> {
    const bundle = await build({ stdin: { contents: source, resolveDir: __dirname, loader: "ts" }, bundle: true, platform: "node", format: "cjs", write: false });
    writeFileSync(join(dir, "service.js"), bundle.outputFiles[0].text);
    service = spawn("ip", ["netns", "exec", CLOUD, process.execPath, join(dir, "service.js")], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      service!.stdout!.once("data", () => resolve());
      service!.once("exit", (code) => reject(new Error(`the metadata service exited with ${code}`)));
    });
  }

  /** A Debian root whose sysfs shows the guest namespace's eth0; `dmi` fields as the firmware would give them. */
  function machine(dmi: Record<string, string>) {
    m = prepareMachine("agent");
    mkdirSync(m.path("sys/class/net/eth0/device"), { recursive: true });
    writeFileSync(m.path("sys/class/net/eth0/address"), `${MAC}\n`);
    writeFileSync(m.path("sys/class/net/eth0/type"), "1\n");
    writeFileSync(m.path("sys/class/net/eth0/operstate"), "down\n");
    mkdirSync(m.path("sys/class/dmi/id"), { recursive: true });
    for (const [field, value] of Object.entries(dmi)) writeFileSync(m.path(`sys/class/dmi/id/${field}`), `${value}\n`);
    // each test starts from a bare NIC, whatever an earlier one left
    ip("-n", GUEST, "addr", "flush", "dev", "eth0");
    ip("-n", GUEST, "link", "set", "eth0", "down");
  }

  function stage(...args: string[]): Promise<AgentResult> {
    const [cmd, ...pre] = agentCommand();
    return finished(spawn("ip", ["netns", "exec", GUEST, cmd, ...pre, "--root", m.root, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } }));
  }

  /** Nothing of the lease is left: no address, no route, the link down as it was, no client, no lease files. */
  function expectNoLeaseLeft(): void {
    expect(ip("-n", GUEST, "-4", "addr", "show", "dev", "eth0")).not.toContain("inet ");
    expect(ip("-n", GUEST, "-4", "route", "show")).toBe("");
    expect(ip("-n", GUEST, "-o", "link", "show", "dev", "eth0")).not.toMatch(/<[^>]*\bUP\b/);
    expect(spawnSync("pgrep", ["-f", `dhclient.*${GUEST}|dhclient.*eth0`]).status).toBe(1);
    expect(execFileSync("ls", ["-A", m.path("run/cloud-init/tmp")], { encoding: "utf8" })).toBe("");
  }

  it("OpenStack recognised by Huawei's asset tag: its static network_data.json is rendered in the local stage", async () => {
    machine({ chassis_asset_tag: "HUAWEICLOUD" });
    await startDhcp();
    const uuid = "7d3f1c2a-1111-4222-8333-444455556666";
    const networkData = { links: [{ id: "l0", type: "phy", ethernet_mac_address: MAC }], networks: [{ id: "n0", link: "l0", type: "ipv4", ip_address: "10.20.0.5", netmask: "255.255.255.0", gateway: "10.20.0.1" }] };
    const files = { "/openstack": "latest", "/openstack/latest/meta_data.json": JSON.stringify({ uuid, hostname: "ecs-huawei" }), "/openstack/latest/user_data": USER_DATA, "/openstack/latest/network_data.json": JSON.stringify(networkData) };
    await startService(`
      const files = ${JSON.stringify(files)};
      require("node:http").createServer((req, res) => { const body = files[req.url]; res.writeHead(body === undefined ? 404 : 200); res.end(body ?? "Not Found"); })
        .listen(80, "0.0.0.0", () => process.stdout.write("ready\\n"));`);
    const local = await stage("init", "--local");
    expect(local.code).toBe(0);
    const log = m.read("var/log/cloud-init.log");
    expect(log).toMatch(/ephemeral DHCP lease 169\.254\.0\.\d+\/16 on eth0 \(router 169\.254\.169\.254\)/);
    expect(log).toContain(`found DataSourceOpenStackLocal [net,ver=2] (instance-id ${uuid})`);
    expect(m.read("var/lib/cloud/data/instance-id")).toBe(`${uuid}\n`);
    expect(m.read(ENI)).toMatch(/iface eth0 inet static\n\s+address 10\.20\.0\.5\/24\n\s+gateway 10\.20\.0\.1/);
    expectNoLeaseLeft();
    // the network stage uses what the local stage found; it does not ask the service again
    const network = await stage("init");
    expect(network.code).toBe(0);
    expect(m.read("var/log/cloud-init.log").match(/ephemeral DHCP lease \d/g)).toHaveLength(1);
    expect(m.read(`var/lib/cloud/instances/${uuid}/user-data.txt`)).toBe(USER_DATA);
  });

  it("EC2 on AWS (an ec2 product uuid): IMDSv2 over the lease, the token never logged", async () => {
    machine({ product_uuid: "ec2a0b1c-2d3e-4f50-8a6b-7c8d9e0f1a2b" });
    await startDhcp();
    await startService(`
      import { startImds } from "./imds-server";
      startImds({ token: "required", port: 80, address: "0.0.0.0", userData: ${JSON.stringify(USER_DATA)} }).then(() => process.stdout.write("ready\\n"));`);
    const local = await stage("init", "--local");
    expect(local.code).toBe(0);
    const log = m.read("var/log/cloud-init.log");
    expect(log).toContain(`found DataSourceEc2Local (instance-id ${IDENTITY.instanceId})`);
    expect(log).toContain("using metadata service http://169.254.169.254 with an IMDSv2 token");
    expect(log).not.toContain(TOKEN);
    expect(m.read(ENI)).toMatch(/^iface eth0 inet dhcp$/m);
    expectNoLeaseLeft();
  });

  it("a lease but no metadata service: the local stage fails once within max_wait, the network stage does not ask again", async () => {
    machine({ chassis_asset_tag: "HUAWEICLOUD" });
    writeFileSync(m.path("etc/cloud/cloud.cfg.d/90-wait.cfg"), "datasource: {OpenStack: {max_wait: 3, timeout: 1, retries: 1}}\n");
    await startDhcp();
    // recorded as the local stage's recoverable error; the stage goes on with the fallback
    expect((await stage("init", "--local")).code).toBe(0);
    expectNoLeaseLeft();
    const network = await stage("init");
    const log = m.read("var/log/cloud-init.log");
    expect(log.match(/datasource OpenStack: no OpenStack metadata service answered/g)).toHaveLength(1);
    expect(log).toContain("datasource OpenStack was read over an ephemeral lease in the local stage and failed (logged there); not asked again");
    // cloud.cfg's last resort, as on a cloud whose service is down: the boot goes on, degraded
    expect(network.code).toBe(0);
    expect(log).toContain("found DataSourceNone");
    expect(m.read(ENI)).toMatch(/^iface eth0 inet dhcp$/m);
    const status = agent(m.root, ["status", "--long"]);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain("datasource OpenStack: no OpenStack metadata service answered");
  });

  it("killed -9 while it holds the lease: the next run takes the leftovers down first, then leaves nothing", async () => {
    machine({ chassis_asset_tag: "HUAWEICLOUD" });
    writeFileSync(m.path("etc/cloud/cloud.cfg.d/90-wait.cfg"), "datasource: {OpenStack: {max_wait: 3, timeout: 1, retries: 0}}\n");
    await startDhcp();
    // a service that takes connections and never answers: the agent is mid-read when killed
    await startService(`require("node:http").createServer(() => undefined).listen(80, "0.0.0.0", () => process.stdout.write("ready\\n"));`);
    const [cmd, ...pre] = agentCommand();
    const killed = spawn("ip", ["netns", "exec", GUEST, cmd, ...pre, "--root", m.root, "init", "--local"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    // killed once the lease is on the NIC (its default route is the last step)
    while (!ip("-n", GUEST, "-4", "route", "show", "default").includes("via 169.254.169.254")) await new Promise((r) => setTimeout(r, 50));
    killed.kill("SIGKILL");
    await new Promise((r) => killed.on("close", r));
    expect(ip("-n", GUEST, "-4", "addr", "show", "dev", "eth0")).toContain("inet 169.254.");
    const log = m.path("var/log/cloud-init.log");
    expect((await stage("init", "--local")).code).toBe(0);
    expect(readFileSync(log, "utf8")).toMatch(/taking down the ephemeral lease an interrupted run left \(3 steps\)/);
    expectNoLeaseLeft();
  });

  it("an image without dhclient: no lease, not an error; the network stage asks again", async () => {
    machine({ chassis_asset_tag: "HUAWEICLOUD" });
    rmSync(m.path("usr/sbin/dhclient"));
    const local = await stage("init", "--local");
    expect(local.code).toBe(0);
    expect(m.read("var/log/cloud-init.log")).toContain("datasource OpenStack: the image has no DHCP client cloud-agent can drive (dhclient); the network stage will ask again");
    expectNoLeaseLeft();
  });
});
