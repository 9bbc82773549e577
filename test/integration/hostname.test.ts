// set_hostname, update_hostname and update_etc_hosts in a throwaway root (the running
// hostname is left alone under --root: chroot would change this machine's).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boot, isRoot, makeRoot, writeSeed } from "./root";

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
});
