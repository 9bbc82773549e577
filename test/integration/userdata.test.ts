// User-data that reaches out, through the built agent: #include over real HTTP on loopback,
// #include-once kept for the instance, and jinja rendered with this boot's instance data.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent, bootAsync, isRoot, makeRoot, writeSeed } from "./root";

describe.skipIf(!isRoot)("user-data formats end to end", () => {
  let root: string;
  let server: Server;
  let url: string;
  let served = 0;
  beforeEach(async () => {
    root = makeRoot();
    served = 0;
    server = createServer((req, res) => {
      served++;
      const body = req.url === "/once" ? `#cloud-config\nbootcmd: [echo once-${served} >> /var/tmp/once.log]\n` : "#cloud-config\nruncmd: [echo included >> /var/tmp/inc.log]\n";
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  it("#include over HTTP applies the fetched cloud-config; #include-once is fetched once per instance", async () => {
    const userData = `Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-include-url\n\n${url}/inc\n--B\nContent-Type: text/x-include-once-url\n\n${url}/once\n--B--\n`;
    writeSeed(root, { "meta-data": "instance-id: iid-inc\n", "user-data": userData });
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(join(root, "var/tmp/inc.log"), "utf8")).toBe("included\n");
    // bootcmd runs every boot; the once-included content was kept from the first fetch
    expect(readFileSync(join(root, "var/tmp/once.log"), "utf8")).toBe("once-2\nonce-2\n");
    expect(served).toBe(3);
  });

  it("a jinja template sees this instance's data", async () => {
    writeSeed(root, {
      "meta-data": "instance-id: iid-jinja\nlocal-hostname: tmpl.example.org\n",
      // Python's str methods, as cloud-init's Jinja2 offers them, from the executable's nunjucks asset
      "user-data": "## template: jinja\n#cloud-config\nruncmd:\n  - echo {{ v1.instance_id }} {{ local_hostname }} {{ ds.meta_data.local_hostname }} {{ v1.instance_id.startswith('iid-') }} {{ ds.meta_data.local_hostname.split('.')[-1].upper() }} > /var/tmp/jinja.txt\n",
    });
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(join(root, "var/tmp/jinja.txt"), "utf8")).toBe('iid-jinja tmpl tmpl.example.org True ORG\n');
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");
  });

  it("a failing #include is reported (degraded) and the rest still runs", async () => {
    writeSeed(root, { "meta-data": "instance-id: iid-bad\n", "user-data": `Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-include-url\n\nhttp://127.0.0.1:9/nothing\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [echo still >> /var/tmp/still.log]\n--B--\n` });
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(join(root, "var/tmp/still.log"), "utf8")).toBe("still\n");
    const s = agent(root, ["status", "--long"]);
    expect(s.code).toBe(2);
    expect(s.stdout).toMatch(/user-data part-001: #include http:\/\/127.0.0.1:9\/nothing failed: .*ECONNREFUSED/);
  });

  it("a file:// include of a device that never ends (/dev/zero) is refused, not read until memory runs out", async () => {
    mkdirSync(join(root, "dev"), { recursive: true });
    if (!existsSync(join(root, "dev/zero"))) execFileSync("mknod", ["-m", "0666", join(root, "dev/zero"), "c", "1", "5"]);
    writeSeed(root, { "meta-data": "instance-id: iid-zero\n", "user-data": `Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-include-url\n\nfile:///dev/zero\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [echo zero >> /var/tmp/zero.log]\n--B--\n` });
    await bootAsync(root);
    expect(readFileSync(join(root, "var/tmp/zero.log"), "utf8")).toBe("zero\n");
    expect(agent(root, ["status", "--long"]).stdout).toContain("user-data part-001: #include file:///dev/zero failed: not a regular file");
  });
});

describe.skipIf(bootUnsupported())("user-data cannot reach Object.prototype (Debian root)", () => {
  const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMetaDataKey000000000000000000000000000 cloud";

  it("a #cloud-config-jsonp patch on /__proto__/disable_root is refused: root's key stays fenced", async () => {
    const m = prepareMachine("agent");
    try {
      const patch = '[{"op": "add", "path": "/__proto__/disable_root", "value": false}]';
      const userData = `Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [echo ran > /var/tmp/ran]\n--B\nContent-Type: text/cloud-config-jsonp\n\n#cloud-config-jsonp\n${patch}\n--B--\n`;
      m.writeSeed({ "meta-data": `instance-id: iid-proto\npublic-keys: ['${KEY}']\n`, "user-data": userData });
      await bootAsync(m.root);
      expect(m.read("var/tmp/ran")).toBe("ran\n");
      expect(m.read("root/.ssh/authorized_keys")).toContain(`command="echo 'Please login as the user \\"debian\\" rather than the user \\"root\\".';echo;sleep 10;exit 142" ${KEY}`);
      const status = agent(m.root, ["status", "--long"]);
      expect(status.stdout).toContain("user-data part-002: #cloud-config-jsonp: operation 0: path /__proto__/disable_root names __proto__, which is refused");
    } finally {
      m.dispose();
    }
  });
});
