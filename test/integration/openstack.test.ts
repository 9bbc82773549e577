// ConfigDrive seed directories and the OpenStack metadata service (a real HTTP stand-in on
// loopback): version choice, the files cloud-init reads, broken files and faulty services.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configDrive } from "../../src/datasources/configdrive";
import { openStack } from "../../src/datasources/openstack";
import type { DatasourceContext } from "../../src/datasources/types";
import { Host } from "../../src/host/host";
import { Logger, LogSink } from "../../src/log/logger";
import { agent, boot, isRoot, makeRoot } from "./root";

const META = { uuid: "83679162-1378-4288-a2d4-70e13ec132aa", hostname: "os-vm.novalocal", public_keys: { mykey: "ssh-ed25519 AAAAkey me@host" }, availability_zone: "nova", meta: {} };

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "openstack-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function ctx(settings: Record<string, unknown> = {}, config: Record<string, unknown> = {}): DatasourceContext {
  return { host: new Host({ root }), cmdline: "", config, settings, log: new Logger(new LogSink(new Host({ root }), { files: false }), "ds"), stage: "local", withNetwork: (read) => read() };
}

function drive(base: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, base, name, ".."), { recursive: true });
    writeFileSync(join(root, base, name), text);
  }
}

describe("ConfigDrive seed directory", () => {
  const seed = "var/lib/cloud/seed/config_drive";

  it("reads the newest known version, user_data and vendor_data's cloud-init key", async () => {
    drive(seed, {
      "openstack/2015-10-15/meta_data.json": JSON.stringify(META),
      "openstack/2015-10-15/user_data": "#cloud-config\nhostname: x\n",
      "openstack/2015-10-15/vendor_data.json": JSON.stringify({ "cloud-init": "#cloud-config\nruncmd: [v]\n", other: 1 }),
      "openstack/2012-08-10/meta_data.json": JSON.stringify({ uuid: "old" }),
      "openstack/latest/meta_data.json": JSON.stringify({ uuid: "latest" }),
    });
    const data = (await configDrive.read(ctx()))!;
    expect(data.instanceId).toBe(META.uuid);
    expect(data.localHostname).toBe("os-vm.novalocal");
    expect(data.publicKeys).toEqual(["ssh-ed25519 AAAAkey me@host"]);
    expect(data.userData.toString()).toBe("#cloud-config\nhostname: x\n");
    expect(data.vendorData?.toString()).toBe("#cloud-config\nruncmd: [v]\n");
    expect(data.description).toBe("DataSourceConfigDrive [net,ver=2][source=/var/lib/cloud/seed/config_drive]");
  });

  it("an old drive's network_config names interfaces(5) text under openstack/content", async () => {
    const eni = "auto eth0\niface eth0 inet dhcp\n";
    drive(seed, {
      "openstack/latest/meta_data.json": JSON.stringify({ ...META, network_config: { content_path: "/content/0000" } }),
      "openstack/content/0000": eni,
    });
    const data = (await configDrive.read(ctx()))!;
    expect(data.networkConfig).toBe(eni);
    expect(data.networkFormat).toBe("eni");
  });

  it("a network_config path out of the drive is ignored", async () => {
    drive(seed, { "openstack/latest/meta_data.json": JSON.stringify({ ...META, network_config: { content_path: "../../../../etc/passwd" } }) });
    expect((await configDrive.read(ctx()))!.networkConfig).toBeUndefined();
  });

  it("falls back to latest when no dated version is present", async () => {
    drive(seed, { "openstack/latest/meta_data.json": JSON.stringify(META) });
    expect((await configDrive.read(ctx()))!.ds).toHaveProperty("meta_data.uuid", META.uuid);
  });

  it.each([
    ["broken JSON", "{ not json", /openstack\/latest\/meta_data.json: invalid JSON/],
    ["no uuid", JSON.stringify({ hostname: "x" }), /meta_data.json: no "uuid"/],
    ["not an object", "[1, 2]", /meta_data.json: expected a JSON object/],
  ])("a drive with %s is an error naming the file", async (_label, text, message) => {
    drive(seed, { "openstack/latest/meta_data.json": text });
    await expect(configDrive.read(ctx())).rejects.toThrow(message);
  });

  it("finds nothing without a seed directory or a config-2 drive", async () => {
    expect(await configDrive.read(ctx())).toBeUndefined();
  });
});

describe("OpenStack metadata service", () => {
  let server: Server | undefined;
  afterEach(() => server?.closeAllConnections());
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(handler: (path: string) => [number, string] | undefined): Promise<string> {
    server = createServer((req, res) => {
      const answer = handler(req.url ?? "");
      if (!answer) return; // hang
      res.writeHead(answer[0], { "Content-Length": Buffer.byteLength(answer[1]) });
      res.end(answer[1]);
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("is identified by DMI or by being alone in datasource_list, never by default", () => {
    expect(openStack.detect(ctx({}, { datasource_list: ["NoCloud", "OpenStack", "None"] }))).toBe(false);
    expect(openStack.detect(ctx({}, { datasource_list: ["OpenStack", "None"] }))).toBe(true);
    mkdirSync(join(root, "sys/class/dmi/id"), { recursive: true });
    writeFileSync(join(root, "sys/class/dmi/id/chassis_asset_tag"), "HUAWEICLOUD\n");
    expect(openStack.detect(ctx())).toBe(true);
  });

  it("reads the newest version the service lists", async () => {
    const url = await serve((path) => {
      const files: Record<string, string> = {
        "/openstack": "2012-08-10\n2016-06-30\nlatest",
        "/openstack/2016-06-30/meta_data.json": JSON.stringify(META),
        "/openstack/2016-06-30/user_data": "#!/bin/sh\necho hi\n",
        "/openstack/2016-06-30/network_data.json": JSON.stringify({ links: [], networks: [], services: [] }),
      };
      return files[path] === undefined ? [404, "Not Found"] : [200, files[path]];
    });
    const data = (await openStack.read(ctx({ metadata_urls: [url], max_wait: 3 })))!;
    expect(data.instanceId).toBe(META.uuid);
    expect(data.userData.toString()).toBe("#!/bin/sh\necho hi\n");
    expect(data.networkConfig).toEqual({ links: [], networks: [], services: [] });
    expect(data.vendorData).toBeUndefined();
    expect(data.subplatform).toBe(`metadata (${url})`);
  });

  it.each<[string, (p: string) => [number, string] | undefined, RegExp]>([
    ["hangs", () => undefined, /no answer within/],
    ["answers 500", () => [500, "oops"], /HTTP 500/],
    ["serves broken JSON", (p) => (p === "/openstack" ? [200, "latest"] : [200, "{{"]), /meta_data.json: invalid JSON/],
  ])("a service that %s ends in a clear error within max_wait", async (_label, handler, message) => {
    const url = await serve(handler);
    const started = Date.now();
    await expect(openStack.read(ctx({ metadata_urls: [url], max_wait: 1, timeout: 1, retries: 2 }))).rejects.toThrow(message);
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describe.skipIf(!isRoot)("ConfigDrive end to end", () => {
  it("boots to done from a config_drive seed directory", () => {
    const machine = makeRoot();
    try {
      const seed = join(machine, "var/lib/cloud/seed/config_drive/openstack/latest");
      mkdirSync(seed, { recursive: true });
      writeFileSync(join(seed, "meta_data.json"), JSON.stringify(META));
      writeFileSync(join(seed, "user_data"), "#cloud-config\nruncmd: [echo cd >> /var/tmp/cd.log]\n");
      expect(boot(machine).map((r) => r.code)).toEqual([0, 0, 0, 0]);
      expect(readFileSync(join(machine, "var/lib/cloud/data/instance-id"), "utf8")).toBe(`${META.uuid}\n`);
      expect(readFileSync(join(machine, "var/tmp/cd.log"), "utf8")).toBe("cd\n");
      expect(agent(machine, ["query", "v1.cloud_name"]).stdout).toBe("configdrive\n");
      expect(agent(machine, ["status"]).stdout).toBe("status: done\n");
    } finally {
      rmSync(machine, { recursive: true, force: true });
    }
  });

  it("vendor_data2.json outranks vendor_data.json, user-data outranks both, and its scripts run", () => {
    const machine = makeRoot();
    try {
      const seed = join(machine, "var/lib/cloud/seed/config_drive/openstack/latest");
      mkdirSync(seed, { recursive: true });
      writeFileSync(join(seed, "meta_data.json"), JSON.stringify(META));
      writeFileSync(join(seed, "user_data"), "#cloud-config\nfinal_message: from user-data\n");
      const vendor = "#cloud-config\nfinal_message: from vendor_data\nbootcmd: [echo v1 >> /var/tmp/vendor.log]\n";
      const vendor2 = "#cloud-config\nfinal_message: from vendor_data2\nbootcmd: [echo v2 >> /var/tmp/vendor.log]\n";
      writeFileSync(join(seed, "vendor_data.json"), JSON.stringify({ "cloud-init": vendor }));
      writeFileSync(join(seed, "vendor_data2.json"), JSON.stringify({ "cloud-init": vendor2 }));
      expect(boot(machine).map((r) => r.code)).toEqual([0, 0, 0, 0]);
      const iid = join(machine, "var/lib/cloud/instances", META.uuid);
      expect(readFileSync(join(iid, "vendor-data2.txt"), "utf8")).toBe(vendor2);
      expect(readFileSync(join(iid, "vendor2-cloud-config.txt"), "utf8")).toContain("from vendor_data2");
      // bootcmd is in both vendor streams: vendor2's wins, user-data's final_message wins over both
      expect(readFileSync(join(machine, "var/tmp/vendor.log"), "utf8")).toBe("v2\n");
      expect(readFileSync(join(machine, "var/log/cloud-init-output.log"), "utf8")).toContain("from user-data");
    } finally {
      rmSync(machine, { recursive: true, force: true });
    }
  });
});
