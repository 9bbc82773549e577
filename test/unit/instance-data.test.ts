// instance-data.json (0644): what cloud-init redacts, and beyond it every secret-looking key
// a datasource hands us; instance-data-sensitive.json (0600) keeps them.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InstanceData } from "../../src/datasources/types";
import type { Distro } from "../../src/system/distro";
import { Host } from "../../src/host/host";
import { canonicalCloudId, instanceDataDocument, writeInstanceData } from "../../src/state/instance-data";

const distro: Distro = { name: "debian", family: "debian", version: "12", release: "bookworm", preferFqdnDefault: false, hostsAddress: "127.0.1.1", hostsTemplate: "debian" };

const configDrive: InstanceData = {
  datasource: "ConfigDrive",
  description: "DataSourceConfigDrive [net,ver=2][source=/dev/sr0]",
  instanceId: "83679162",
  localHostname: "vm.novalocal",
  publicKeys: ["ssh-ed25519 AAAApub me"],
  metadata: {},
  userData: Buffer.from(""),
  dsmode: "net",
  platform: "openstack",
  subplatform: "config-disk (/dev/sr0)",
  cloudName: "openstack",
  ds: {
    meta_data: {
      uuid: "83679162",
      admin_pass: "AdminPass-9f3k",
      random_seed: "c2VlZC1ieXRlcw==",
      private_ip: "10.0.0.5",
      meta: { db_password: "DbPass-77", api_token: "Tok-55", role: "web" },
      keys: [{ name: "k", type: "ssh", data: "ssh-ed25519 AAAApub me", client_secret: "Sec-31" }],
    },
  },
};

describe("instance data", () => {
  it("hides the datasource's secrets from the world-readable file and lists where they were", () => {
    const root = mkdtempSync(join(tmpdir(), "instance-data-"));
    try {
      const host = new Host({ root });
      host.mkdirp("/run/cloud-init");
      writeInstanceData(host, instanceDataDocument(configDrive, distro, { password: "SysCfgPass-1" }));
      const publicText = readFileSync(join(root, "run/cloud-init/instance-data.json"), "utf8");
      for (const secret of ["AdminPass-9f3k", "c2VlZC1ieXRlcw==", "DbPass-77", "Tok-55", "Sec-31", "SysCfgPass-1"]) expect(publicText).not.toContain(secret);
      const doc = JSON.parse(publicText);
      expect(doc.ds.meta_data.private_ip).toBe("10.0.0.5");
      expect(doc.ds.meta_data.meta.role).toBe("web");
      expect(doc.ds.meta_data.admin_pass).toBe("redacted for non-root user");
      expect(doc.sensitive_keys).toEqual(
        expect.arrayContaining(["merged_system_cfg", "ds/meta_data/admin_pass", "ds/meta_data/random_seed", "ds/meta_data/meta/db_password", "ds/meta_data/meta/api_token", "ds/meta_data/keys/0/client_secret"]),
      );
      expect(statSync(join(root, "run/cloud-init/instance-data.json")).mode & 0o777).toBe(0o644);
      const sensitive = join(root, "run/cloud-init/instance-data-sensitive.json");
      expect(statSync(sensitive).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(sensitive, "utf8")).ds.meta_data.admin_pass).toBe("AdminPass-9f3k");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("canonicalCloudId (cloud-init's canonical_cloud_id)", () => {
  it("names the cloud, a regional cloud where it has one, else the platform", () => {
    expect(canonicalCloudId("aws", "eu-west-1", "ec2")).toBe("aws");
    expect(canonicalCloudId("aws", "cn-north-1", "ec2")).toBe("aws-china");
    expect(canonicalCloudId("aws", "us-gov-west-1", "ec2")).toBe("aws-gov");
    expect(canonicalCloudId("azure", "chinaeast", "azure")).toBe("azure-china");
    // a prefix applies to its own cloud only
    expect(canonicalCloudId("openstack", "cn-north-1", "openstack")).toBe("openstack");
    expect(canonicalCloudId("unknown", "cn-north-1", "ec2")).toBe("ec2");
    expect(canonicalCloudId(undefined, undefined, "nocloud")).toBe("nocloud");
  });
});
