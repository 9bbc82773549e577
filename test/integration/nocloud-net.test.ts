// NoCloud seeded over HTTP (`ds=nocloud-net;s=URL` on the kernel command line, or seedfrom in
// config): the local stage leaves it alone, the network stage fetches it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_META_DATA_BYTES } from "../../src/datasources/types";
import { endless } from "./imds-server";
import { agent, bootAsync, isRoot, makeRoot } from "./root";

describe.skipIf(!isRoot)("NoCloud over HTTP", () => {
  let root: string;
  let server: Server;
  let url: string;
  let files: Record<string, string>;
  beforeEach(async () => {
    root = makeRoot();
    files = { "/seed/meta-data": "instance-id: iid-net\nlocal-hostname: net-host\n", "/seed/user-data": "#cloud-config\nruncmd: [echo net >> /var/tmp/net.log]\n" };
    server = createServer((req, res) => {
      if (req.url === "/endless/meta-data") return endless(res);
      const body = files[req.url ?? ""];
      res.writeHead(body === undefined ? 404 : 200);
      res.end(body ?? "Not Found");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/seed/`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  it("from the kernel command line", async () => {
    writeFileSync(join(root, "proc/cmdline"), `ro quiet ds=nocloud-net;s=${url}\n`);
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(join(root, "var/lib/cloud/data/instance-id"), "utf8")).toBe("iid-net\n");
    expect(readFileSync(join(root, "var/tmp/net.log"), "utf8")).toBe("net\n");
    expect(agent(root, ["status", "--long"]).stdout).toContain(`detail: DataSourceNoCloud [seed=cmdline,${url}]`);
  });

  it("from seedfrom in config, with the optional files absent", async () => {
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-seed.cfg"), `datasource:\n  NoCloud:\n    seedfrom: ${url}\n`);
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(agent(root, ["query", "v1.local_hostname"]).stdout).toBe("net-host\n");
  });

  it("a seed without user-data is an error naming the URL, and the boot goes on", async () => {
    delete files["/seed/user-data"];
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-seed.cfg"), `datasource:\n  NoCloud:\n    seedfrom: ${url}\n    max_wait: 2\n`);
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const s = agent(root, ["status", "--long"]);
    expect(s.stdout).toContain(`datasource NoCloud: ${url}user-data: HTTP 404`);
    expect(readFileSync(join(root, "var/lib/cloud/data/instance-id"), "utf8")).toBe("iid-datasource-none\n");
  });

  it("an endless meta-data body is cut at the cap: an error naming the URL, and the boot goes on", async () => {
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-seed.cfg"), `datasource:\n  NoCloud:\n    seedfrom: ${url.replace("/seed/", "/endless/")}\n    max_wait: 5\n`);
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(agent(root, ["status", "--long"]).stdout).toContain(`datasource NoCloud: ${url.replace("/seed/", "/endless/")}meta-data: body larger than ${MAX_META_DATA_BYTES} bytes; refused`);
    expect(readFileSync(join(root, "var/lib/cloud/data/instance-id"), "utf8")).toBe("iid-datasource-none\n");
  });

  it("seedfrom with __dmi.system-uuid__ and a %s file-name placeholder", async () => {
    const uuid = "5a1e5a1e-0000-4000-8000-00000000d1d1";
    mkdirSync(join(root, "sys/class/dmi/id"), { recursive: true });
    writeFileSync(join(root, "sys/class/dmi/id/product_uuid"), `${uuid}\n`);
    files[`/by-uuid/${uuid}/meta-data.yaml`] = files["/seed/meta-data"];
    files[`/by-uuid/${uuid}/user-data.yaml`] = files["/seed/user-data"];
    const template = url.replace("/seed/", "/by-uuid/__dmi.system-uuid__/%s.yaml");
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-seed.cfg"), `datasource:\n  NoCloud:\n    seedfrom: ${template}\n`);
    expect((await bootAsync(root)).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(join(root, "var/lib/cloud/data/instance-id"), "utf8")).toBe("iid-net\n");
  });
});
