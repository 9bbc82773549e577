// The EC2 datasource against a real HTTP metadata service on loopback, with every fault the
// boot must survive. Each failure must come back within the configured max_wait.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_NESTING } from "../../src/config/yaml";
import { ec2 } from "../../src/datasources/ec2";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/http/client";
import type { DatasourceContext } from "../../src/datasources/types";
import { Host } from "../../src/host/host";
import { Logger, LogSink } from "../../src/log/logger";
import { agent, bootAsync, isRoot, makeRoot } from "./root";
import { IDENTITY, MAC, startImds, TOKEN, type Imds, type ImdsOptions } from "./imds-server";

const AWS_UUID = "ec2e1916-9099-7caf-fd21-012345abcdef";
const SWAPPED_UUID = "45e12aec-dcd1-b213-94ed-01cca4a7fb9e";

let root: string;
let imds: Imds | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ec2-"));
});
afterEach(async () => {
  await imds?.close();
  imds = undefined;
  rmSync(root, { recursive: true, force: true });
});

function dmi(fields: Record<string, string>) {
  mkdirSync(join(root, "sys/class/dmi/id"), { recursive: true });
  for (const [k, v] of Object.entries(fields)) writeFileSync(join(root, "sys/class/dmi/id", k), `${v}\n`);
}

function context(settings: Record<string, unknown>, config: Record<string, unknown> = {}) {
  const sink = new LogSink(new Host({ root }), { files: false });
  const ctx: DatasourceContext = { host: new Host({ root }), cmdline: "", config, settings, log: new Logger(sink, "DataSourceEc2"), stage: "network", withNetwork: (read) => read() };
  return { ctx, sink };
}

async function serve(options: ImdsOptions) {
  imds = await startImds(options);
  return imds;
}

const fast = (url: string, extra: Record<string, unknown> = {}) => ({ metadata_urls: [url], max_wait: 3, timeout: 1, retries: 1, ...extra });

describe("EC2 platform identification", () => {
  it("detects AWS by the DMI uuid in either byte order, and by sys_vendor", () => {
    dmi({ product_uuid: AWS_UUID.toUpperCase() });
    expect(ec2.detect(context({}).ctx)).toBe(true);
    dmi({ product_uuid: SWAPPED_UUID.toUpperCase() });
    expect(ec2.detect(context({}).ctx)).toBe(true);
    dmi({ product_uuid: "4c4c4544-0000-1010-8000-b2c04f333433", sys_vendor: "Amazon EC2" });
    expect(ec2.detect(context({}).ctx)).toBe(true);
  });

  it("elsewhere stays silent unless configured: no request is ever made", async () => {
    const server = await serve({});
    dmi({ product_uuid: "4c4c4544-0000-1010-8000-b2c04f333433", sys_vendor: "QEMU" });
    expect(ec2.detect(context({}, { datasource_list: ["NoCloud", "Ec2", "None"] }).ctx)).toBe(false);
    expect(server.requests).toEqual([]);
    expect(ec2.detect(context({}, { datasource_list: ["Ec2", "None"] }).ctx)).toBe(true);
    expect(ec2.detect(context({ strict_id: false }).ctx)).toBe(true);
  });
});

describe("EC2 metadata service", () => {
  it("IMDSv2 on AWS: token on every GET, newest API version, the whole tree, identity document", async () => {
    dmi({ product_uuid: AWS_UUID });
    const server = await serve({ token: "required", userData: "#cloud-config\nhostname: web\n" });
    const { ctx, sink } = context(fast(server.url));
    const data = (await ec2.read(ctx))!;
    expect(data.instanceId).toBe(IDENTITY.instanceId);
    expect([data.region, data.availabilityZone, data.cloudName, data.platform]).toEqual(["eu-west-1", "eu-west-1b", "aws", "ec2"]);
    expect(data.localHostname).toBe("ip-10-0-0-5.eu-west-1.compute.internal");
    expect(data.publicKeys).toEqual(["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample my-key"]);
    expect(data.userData.toString()).toBe("#cloud-config\nhostname: web\n");
    expect(data.ds._metadata_api_version).toBe("2021-03-23");
    const md = data.metadata as Record<string, any>;
    expect(md["block-device-mapping"]).toEqual({ ami: "/dev/xvda", root: "/dev/xvda" });
    expect(md.iam.info.Code).toBe("Success");
    expect(md.network.interfaces.macs[MAC]["local-ipv4s"]).toEqual(["10.0.0.5", "10.0.0.6"]);
    expect(server.requests.some((r) => r.path.includes("security-credentials/role"))).toBe(false);
    const gets = server.requests.filter((r) => r.method === "GET");
    expect(gets.every((r) => r.token === TOKEN)).toBe(true);
    expect(server.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
    // the crawl fetches a level's entries together
    expect(server.maxInFlight).toBeGreaterThan(3);
    expect(JSON.stringify(sink.records)).not.toContain(TOKEN);
  });

  it("EC2-compatible clouds without a token endpoint get plain GETs", async () => {
    const server = await serve({ token: "absent", userData: "#!/bin/sh\necho hi\n" });
    const { ctx, sink } = context(fast(server.url), { datasource_list: ["Ec2"] });
    const data = (await ec2.read(ctx))!;
    expect(data.instanceId).toBe("i-0123456789abcdef0");
    expect(data.cloudName).toBe("unknown");
    expect(server.requests.filter((r) => r.method === "GET").every((r) => r.token === undefined)).toBe(true);
    expect(sink.records).toEqual([]);
  });

  it("on AWS a service without tokens is refused (no IMDSv1 fallback), within max_wait", async () => {
    dmi({ product_uuid: AWS_UUID });
    const server = await serve({ token: "absent" });
    const started = Date.now();
    await expect(ec2.read(context(fast(server.url, { max_wait: 1 })).ctx)).rejects.toThrow(/no IMDSv2 token; AWS requires one/);
    expect(Date.now() - started).toBeLessThan(1000 + 1500);
  });

  it.each<[ImdsOptions["fault"], RegExp]>([
    ["hang", /no metadata service answered within 1 s: .*no answer within/],
    ["500", /HTTP 500/],
    ["truncate", /body cut short|closed before the body was complete|socket hang up/],
    ["lie-identity", /dynamic\/instance-identity\/document: not a JSON document/],
  ])("a service that does %s ends in a clear error within max_wait", async (fault, message) => {
    dmi({ product_uuid: AWS_UUID });
    const server = await serve({ token: "required", fault });
    const started = Date.now();
    await expect(ec2.read(context(fast(server.url, { max_wait: 1 })).ctx)).rejects.toThrow(message);
    expect(Date.now() - started).toBeLessThan(1000 + 1500);
  });

  it("an endless user-data body is cut at the cap: a clear error naming the URL, asked once, not retried", async () => {
    dmi({ product_uuid: AWS_UUID });
    const server = await serve({ token: "required", fault: "endless-user-data" });
    await expect(ec2.read(context(fast(server.url, { retries: 3 })).ctx)).rejects.toThrow(`${server.url}/2021-03-23/user-data: body larger than ${DEFAULT_MAX_BODY_BYTES} bytes; refused`);
    expect(server.requests.filter((r) => r.path.endsWith("/user-data"))).toHaveLength(1);
  });

  it("a meta-data tree that lists a deeper directory forever stops at the nesting bound", async () => {
    dmi({ product_uuid: AWS_UUID });
    const server = await serve({ token: "required", fault: "bottomless-meta-data" });
    await expect(ec2.read(context(fast(server.url)).ctx)).rejects.toThrow(`meta-data directories nested deeper than ${MAX_NESTING} levels`);
    expect(server.requests.length).toBeLessThan(200);
  });

  it("user-data 404 is no user-data, not an error", async () => {
    const server = await serve({ token: "optional", fault: "no-user-data" });
    const data = (await ec2.read(context(fast(server.url), { datasource_list: ["Ec2"] }).ctx))!;
    expect(data.userData.length).toBe(0);
  });

  it("nothing listening: a clear error within max_wait", async () => {
    const started = Date.now();
    await expect(ec2.read(context(fast("http://127.0.0.1:9", { max_wait: 1 }), { datasource_list: ["Ec2"] }).ctx)).rejects.toThrow(/no metadata service answered within 1 s: .*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(1000 + 1500);
  });
});

describe.skipIf(!isRoot)("EC2 end to end (the built agent, a throwaway root)", () => {
  it("boots to done from the metadata service, runs its user-data, never logs the token", async () => {
    const server = await serve({ token: "optional", userData: "#cloud-config\nruncmd: [echo from-imds >> /var/tmp/imds.log]\n" });
    const machine = makeRoot();
    try {
      writeFileSync(join(machine, "etc/cloud/cloud.cfg.d/90-ec2.cfg"), `datasource_list: [Ec2, None]\ndatasource:\n  Ec2:\n    metadata_urls: ['${server.url}']\n    max_wait: 5\n`);
      const results = await bootAsync(machine);
      expect(results.map((r) => r.code), results.map((r) => r.stderr).join("")).toEqual([0, 0, 0, 0]);
      expect(readFileSync(join(machine, "var/lib/cloud/data/instance-id"), "utf8")).toBe("i-0123456789abcdef0\n");
      expect(readFileSync(join(machine, "var/tmp/imds.log"), "utf8")).toBe("from-imds\n");
      expect(agent(machine, ["query", "v1.availability_zone"]).stdout).toBe("eu-west-1b\n");
      expect(agent(machine, ["status"]).stdout).toBe("status: done\n");
      expect(server.requests.some((r) => r.token === TOKEN)).toBe(true);
      expect(readFileSync(join(machine, "var/log/cloud-init.log"), "utf8")).not.toContain(TOKEN);
      expect(readFileSync(join(machine, "run/cloud-init/instance-data-sensitive.json"), "utf8")).not.toContain(TOKEN);
    } finally {
      rmSync(machine, { recursive: true, force: true });
    }
  });
});
