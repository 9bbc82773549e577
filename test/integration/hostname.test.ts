// set_hostname, update_hostname and update_etc_hosts in a throwaway root (the running
// hostname is left alone under --root: chroot would change this machine's).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, makeRoot, writeSeed } from "./root";

describe.skipIf(!isRoot)("hostname modules", () => {
  let root: string;
  const read = (p: string) => readFileSync(join(root, p), "utf8");
  beforeEach(() => {
    root = makeRoot();
    writeFileSync(join(root, "etc/hostname"), "# set by the image\nlocalhost\n");
    writeFileSync(join(root, "etc/hosts"), "127.0.0.1 localhost\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("names the machine from meta-data, keeps /etc/hostname's comments, records what it set", () => {
    writeSeed(root, { "meta-data": "instance-id: i-h\nlocal-hostname: node7.cloud.internal\n", "user-data": "#cloud-config\nmanage_etc_hosts: true\n" });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read("etc/hostname")).toBe("# set by the image\nnode7\n");
    expect(JSON.parse(read("var/lib/cloud/data/set-hostname"))).toEqual({ fqdn: "node7.cloud.internal", hostname: "node7" });
    expect(read("var/lib/cloud/data/previous-hostname")).toBe("node7\n");
    expect(read("etc/hosts")).toContain("\n127.0.1.1 node7.cloud.internal node7\n");
  });

  it("user-data's fqdn wins over meta-data; a hand-made change survives later boots", () => {
    writeSeed(root, { "meta-data": "instance-id: i-h2\nlocal-hostname: meta-name\n", "user-data": "#cloud-config\nfqdn: app.example.org\nmanage_etc_hosts: localhost\n" });
    boot(root);
    expect(read("etc/hostname")).toBe("# set by the image\napp\n");
    expect(read("etc/hosts")).toBe("127.0.0.1 localhost\n127.0.1.1\tapp.example.org\tapp\n");
    writeFileSync(join(root, "etc/hostname"), "renamed-by-admin\n");
    boot(root);
    expect(read("etc/hostname")).toBe("renamed-by-admin\n");
  });

  it("preserve_hostname leaves everything as it was", () => {
    writeSeed(root, { "meta-data": "instance-id: i-h3\nlocal-hostname: ignored\n", "user-data": "#cloud-config\npreserve_hostname: true\n" });
    boot(root);
    expect(read("etc/hostname")).toBe("# set by the image\nlocalhost\n");
  });

  it("a custom hosts template in /etc/cloud/templates is rendered", () => {
    mkdirSync(join(root, "etc/cloud/templates"));
    writeFileSync(join(root, "etc/cloud/templates/hosts.debian.tmpl"), "## template:jinja\n10.9.9.9 {{fqdn}} {{hostname}} # custom\n");
    writeSeed(root, { "meta-data": "instance-id: i-h4\nlocal-hostname: tpl.example.net\n", "user-data": "#cloud-config\nmanage_etc_hosts: true\n" });
    boot(root);
    expect(read("etc/hosts")).toBe("10.9.9.9 tpl.example.net tpl # custom\n");
  });
  it("a local-hostname with a newline is refused by name: /etc/hosts and /etc/hostname keep their lines, the rest of the boot runs", () => {
    const metaData = 'instance-id: i-h5\nlocal-hostname: "evil\\n10.6.6.6 bank.example.com"\n';
    writeSeed(root, { "meta-data": metaData, "user-data": '#cloud-config\nmanage_etc_hosts: true\nruncmd: ["echo ran > /var/tmp/ran"]\n' });
    boot(root);
    expect(read("etc/hostname")).toBe("# set by the image\nlocalhost\n");
    expect(read("etc/hosts")).toBe("127.0.0.1 localhost\n");
    expect(read("var/tmp/ran")).toBe("ran\n");
    const status = agent(root, ["status", "--long"]).stdout;
    expect(status).toContain("module set_hostname failed: local-hostname (meta-data) is not a valid host name");
    expect(status).toContain("module update_etc_hosts failed: local-hostname (meta-data) is not a valid host name");
    expect(status).not.toContain("bank.example.com");
    const query = agent(root, ["query", "v1.local_hostname"]).stdout;
    expect(query).not.toContain("bank");
  });

  it("an fqdn with an underscore is refused; a trailing dot is dropped", () => {
    writeSeed(root, { "meta-data": "instance-id: i-h6\nlocal-hostname: fine.example\n", "user-data": "#cloud-config\nfqdn: bad_name.example.com\n" });
    boot(root);
    expect(read("etc/hostname")).toBe("# set by the image\nlocalhost\n");
    expect(agent(root, ["status", "--long"]).stdout).toContain("module set_hostname failed: fqdn is not a valid host name");
    writeSeed(root, { "meta-data": "instance-id: i-h7\nlocal-hostname: rooted.example.com.\n", "user-data": "#cloud-config\nmanage_etc_hosts: true\n" });
    boot(root);
    expect(read("etc/hostname")).toBe("# set by the image\nrooted\n");
    expect(read("etc/hosts")).toContain("\n127.0.1.1 rooted.example.com rooted\n");
  });
});
