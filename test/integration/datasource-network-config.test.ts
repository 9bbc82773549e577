// A datasource whose network config cannot be read (a YAML syntax error, JSON nested 5,000
// deep) is still the instance's datasource: user-data and keys apply, the network config
// alone is an error naming the file, and the fallback network is written. In a Debian root
// (ifupdown present) with a sysfs NIC, the built agent run stage by stage.
import { mkdirSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent, bootAsync } from "./root";

const unsupported = bootUnsupported();
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMetaDataKey000000000000000000000000000 cloud";
const ENI = "etc/network/interfaces.d/50-cloud-init";
const DEEP_JSON = `${"[".repeat(5000)}${"]".repeat(5000)}`;

describe.skipIf(unsupported)("a broken network config costs only the network config", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  afterEach(() => m?.dispose());

  function machine() {
    m = prepareMachine("agent");
    mkdirSync(m.path("sys/class/net/ens3/device"), { recursive: true });
    writeFileSync(m.path("sys/class/net/ens3/address"), "52:54:00:12:34:56\n");
    writeFileSync(m.path("sys/class/net/ens3/type"), "1\n");
    writeFileSync(m.path("sys/class/net/ens3/operstate"), "down\n");
  }

  /** One boot, then what status says; user-data, keys and the fallback must all be there. */
  async function bootAndCheck(): Promise<string> {
    await bootAsync(m.root);
    const status = agent(m.root, ["status", "--long"]);
    expect(status.code).toBe(1);
    expect(m.read("var/tmp/ran")).toBe("ran\n");
    expect(m.read("home/debian/.ssh/authorized_keys")).toContain(KEY);
    expect(m.read(ENI)).toMatch(/^auto ens3\niface ens3 inet dhcp$/m);
    return status.stdout;
  }

  it("NoCloud: a network-config with a YAML syntax error", async () => {
    machine();
    m.writeSeed({
      "meta-data": `instance-id: iid-bad-net\npublic-keys: ['${KEY}']\n`,
      "user-data": "#cloud-config\nruncmd: [echo ran > /var/tmp/ran]\n",
      "network-config": "version: 2\nethernets: [eth0:\n",
    });
    const status = await bootAndCheck();
    expect(status).toMatch(/network config from ds not applied: \/var\/lib\/cloud\/seed\/nocloud\/network-config: invalid YAML: .* at line \d+, column \d+; using the fallback/);
    expect(agent(m.root, ["query", "v1.instance_id"]).stdout).toBe("iid-bad-net\n");
  });

  it("NoCloud: a network-config nested 5,000 deep", async () => {
    machine();
    m.writeSeed({ "meta-data": `instance-id: iid-deep-net\npublic-keys: ['${KEY}']\n`, "user-data": "#cloud-config\nruncmd: [echo ran > /var/tmp/ran]\n", "network-config": DEEP_JSON });
    const status = await bootAndCheck();
    expect(status).toContain("network config from ds not applied: /var/lib/cloud/seed/nocloud/network-config: invalid YAML: mappings and lists nested deeper than 64 levels at line 1; using the fallback");
  });

  it("ConfigDrive: a network_data.json nested 5,000 deep", async () => {
    machine();
    const seed = "var/lib/cloud/seed/config_drive/openstack/latest";
    mkdirSync(m.path(seed), { recursive: true });
    writeFileSync(m.path(`${seed}/meta_data.json`), JSON.stringify({ uuid: "iid-deep-json", hostname: "cd", public_keys: { k: KEY } }));
    writeFileSync(m.path(`${seed}/user_data`), "#cloud-config\nruncmd: [echo ran > /var/tmp/ran]\n");
    writeFileSync(m.path(`${seed}/network_data.json`), DEEP_JSON);
    const status = await bootAndCheck();
    expect(status).toContain(
      "network config from ds not applied: /var/lib/cloud/seed/config_drive openstack/latest/network_data.json: mappings and lists nested deeper than 64 levels; using the fallback",
    );
    expect(agent(m.root, ["query", "v1.instance_id"]).stdout).toBe("iid-deep-json\n");
  });
});
