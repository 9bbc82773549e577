import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { MAX_PARTS, MAX_UNPACKED_BYTES } from "../../src/userdata/mime";
import { MAX_INCLUDED_BYTES, processUserData } from "../../src/userdata/process";

const mime = (parts: string[]) =>
  Buffer.from(
    [
      'Content-Type: multipart/mixed; boundary="==BOUNDARY=="',
      "MIME-Version: 1.0",
      "",
      ...parts.flatMap((p) => ["--==BOUNDARY==", p]),
      "--==BOUNDARY==--",
      "",
    ].join("\n"),
  );

describe("processUserData", () => {
  it("reads a plain #cloud-config", async () => {
    const out = await processUserData(Buffer.from("#cloud-config\nruncmd: [ls]\n"));
    expect(out.cloudConfig).toEqual({ runcmd: ["ls"] });
    expect(out.problems).toEqual([]);
  });

  it("unpacks gzip", async () => {
    const out = await processUserData(gzipSync(Buffer.from("#cloud-config\nhostname: gz\n")));
    expect(out.cloudConfig).toEqual({ hostname: "gz" });
  });

  it("reports a truncated gzip blob without throwing", async () => {
    const blob = gzipSync(Buffer.from("#cloud-config\nhostname: gz\n"));
    const out = await processUserData(blob.subarray(0, 10));
    expect(out.problems[0]).toMatch(/cannot be unpacked/);
  });

  it("takes a #! script as a user script", async () => {
    const out = await processUserData(Buffer.from("#!/bin/sh\necho hi\n"));
    expect(out.scripts).toEqual([{ filename: "part-001", content: Buffer.from("#!/bin/sh\necho hi\n"), frequency: "user" }]);
  });

  it("splits MIME multipart and merges cloud-config parts with dict(replace)", async () => {
    const out = await processUserData(
      mime([
        'Content-Type: text/cloud-config; charset="us-ascii"\n\n#cloud-config\nruncmd: [a]\nhostname: one\n',
        "Content-Type: text/cloud-config\n\n#cloud-config\nruncmd: [b]\n",
        'Content-Type: text/x-shellscript\nContent-Disposition: attachment; filename="setup.sh"\n\n#!/bin/sh\necho setup\n',
        "Content-Type: text/x-shellscript-per-boot\n\n#!/bin/sh\necho boot\n",
        "Content-Type: text/cloud-boothook\n\n#cloud-boothook\n#!/bin/sh\necho hook\n",
      ]),
    );
    expect(out.cloudConfig).toEqual({ runcmd: ["b"], hostname: "one" });
    expect(out.scripts.map((s) => [s.filename, s.frequency])).toEqual([
      ["setup.sh", "user"],
      ["part-004", "per-boot"],
    ]);
    expect(out.boothooks[0].content.toString()).toBe("#!/bin/sh\necho hook\n");
  });

  it("keeps the processed parts as a MIME message that reads back the same (user-data.txt.i)", async () => {
    const first = await processUserData(mime(["Content-Type: text/cloud-config\n\n#cloud-config\nhostname: a\n", "Content-Type: text/x-shellscript\n\n#!/bin/sh\necho s\n"]));
    const again = await processUserData(first.processed);
    expect(again.cloudConfig).toEqual({ hostname: "a" });
    expect(again.scripts.map((s) => s.content.toString())).toEqual(["#!/bin/sh\necho s\n"]);
    expect(first.processed.toString()).toMatch(/^Content-Type: multipart\/mixed; boundary=/);
  });

  it("honours a part's merge_how", async () => {
    const out = await processUserData(
      mime(["Content-Type: text/cloud-config\n\n#cloud-config\nruncmd: [a]\n", "Content-Type: text/cloud-config\n\n#cloud-config\nmerge_how: list(append)+dict(recurse_array)+str()\nruncmd: [b]\n"]),
    );
    expect(out.cloudConfig).toEqual({ runcmd: ["a", "b"] });
  });

  it("decodes base64 parts", async () => {
    const body = Buffer.from("#cloud-config\nhostname: b64\n").toString("base64");
    const out = await processUserData(mime([`Content-Type: text/cloud-config\nContent-Transfer-Encoding: base64\n\n${body}\n`]));
    expect(out.cloudConfig).toEqual({ hostname: "b64" });
  });

  it("treats text without MIME-Version as one part, even if it looks like headers", async () => {
    const out = await processUserData(Buffer.from("Content-Type: text/plain\n\n#cloud-config\nhostname: x\n"));
    expect(out.cloudConfig).toEqual({});
    expect(out.problems[0]).toMatch(/unhandled/);
  });

  it("names unhandled user-data by its size, never quoting it (it may hold a password)", async () => {
    const out = await processUserData(Buffer.from("password: Tr0ub4dor&3\nchpasswd: {expire: false}\n"));
    expect(out.problems).toEqual(["user-data: unhandled: 48 bytes that start with no known header (#cloud-config, #!, #include, ...) and are not MIME; ignored"]);
  });

  it("names the part and line of broken YAML and keeps the other parts", async () => {
    const out = await processUserData(mime(["Content-Type: text/cloud-config\n\n#cloud-config\nruncmd: [a\n", "Content-Type: text/cloud-config\n\n#cloud-config\nhostname: ok\n"]));
    expect(out.cloudConfig).toEqual({ hostname: "ok" });
    expect(out.problems[0]).toMatch(/user-data part-001: invalid cloud-config YAML: .*line/);
  });

  it("refuses a non-mapping cloud-config", async () => {
    const out = await processUserData(Buffer.from("#cloud-config\n- a\n- b\n"));
    expect(out.problems[0]).toMatch(/must be a mapping/);
  });

  it("keeps hostile MIME file names inside the scripts directory", async () => {
    const out = await processUserData(mime(['Content-Type: text/x-shellscript\nContent-Disposition: attachment; filename="../../etc/cron.d/evil"\n\n#!/bin/sh\n']));
    expect(out.scripts[0].filename).toBe("evil");
  });
});

describe("user-data formats that pull in more", () => {
  const sites: Record<string, string> = {
    "http://seed/a": "#cloud-config\nhostname: from-include\n",
    "http://seed/b": "#!/bin/sh\necho included\n",
    "http://seed/loop": "#include http://seed/loop\n",
  };
  const fetch = async (url: string) => {
    if (!(url in sites)) throw new Error("HTTP 404");
    return Buffer.from(sites[url]);
  };

  it("#include fetches each URL and processes what comes back", async () => {
    const out = await processUserData(Buffer.from("#include\nhttp://seed/a\n# a comment\nhttp://seed/b\n"), "user-data", { fetch });
    expect(out.cloudConfig).toEqual({ hostname: "from-include" });
    expect(out.scripts.map((s) => s.content.toString())).toEqual(["#!/bin/sh\necho included\n"]);
    expect(out.problems).toEqual([]);
  });

  it("a failing #include names the URL; the other parts still apply", async () => {
    const out = await processUserData(mime(["Content-Type: text/x-include-url\n\n#include http://seed/missing\n", "Content-Type: text/cloud-config\n\n#cloud-config\nhostname: ok\n"]), "user-data", { fetch });
    expect(out.cloudConfig).toEqual({ hostname: "ok" });
    expect(out.problems).toEqual(["user-data part-001: #include http://seed/missing failed: HTTP 404"]);
  });

  it("an #include that includes itself stops at a fixed depth", async () => {
    const out = await processUserData(Buffer.from("#include http://seed/loop\n"), "user-data", { fetch });
    expect(out.problems[0]).toMatch(/includes nested deeper than 8; not followed/);
  });

  it("#cloud-config-archive items become parts with their types and names", async () => {
    const archive = `#cloud-config-archive
- type: "text/cloud-boothook"
  content: |
    #!/bin/sh
    echo hook
- "#cloud-config\\nruncmd: [a]"
- {type: text/x-shellscript, filename: setup.sh, content: "#!/bin/sh\\necho s\\n"}
- {type: text/x-shellscript}
`;
    const out = await processUserData(Buffer.from(archive));
    expect(out.cloudConfig).toEqual({ runcmd: ["a"] });
    expect(out.scripts.map((s) => s.filename)).toEqual(["setup.sh"]);
    expect(out.boothooks.map((s) => s.content.toString())).toEqual(["echo hook\n"]);
    expect(out.problems).toEqual(["user-data item 3: needs 'content'"]);
  });

  it("## template: jinja renders with instance data, v1 keys at top level, '_' aliases, missing names marked", async () => {
    const instanceData = { v1: { local_hostname: "web-1", instance_id: "i-9", region: "eu" }, ds: { meta_data: { "local-hostname": "web-1.x" } } };
    const template = "## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname | upper }}\nfqdn: {{ ds.meta_data.local_hostname }}\nruncmd:\n{% if region == 'eu' %}  - echo {{ instance_id }}\n{% endif %}  - echo {{ nope }}\n";
    const out = await processUserData(Buffer.from(template), "user-data", { instanceData: () => instanceData });
    expect(out.cloudConfig).toEqual({ hostname: "WEB-1", fqdn: "web-1.x", runcmd: ["echo i-9", "echo CI_MISSING_JINJA_VAR/nope"] });
    expect(out.problems).toEqual(["user-data: jinja variable 'nope' is not in the instance data"]);
  });

  it("a jinja template with a syntax error, or rendering to something else, is refused", async () => {
    const broken = await processUserData(Buffer.from("## template: jinja\n#cloud-config\nx: {% if %}\n"), "user-data", { instanceData: () => ({}) });
    expect(broken.problems[0]).toMatch(/^user-data: jinja template error at line 2, column \d+; part ignored$/);
    // the template's text is not quoted (status is world-readable)
    const leaky = await processUserData(Buffer.from("## template: jinja\n#cloud-config\nx: {{ 'password=s3cr3t'.nosuch() }}\n"), "user-data", { instanceData: () => ({}) });
    expect(leaky.problems).toEqual([expect.stringMatching(/^user-data: jinja template error at line \d+, column \d+; part ignored$/)]);
    const other = await processUserData(Buffer.from("## template: jinja\nplain text\n"), "user-data", { instanceData: () => ({}) });
    expect(other.problems[0]).toMatch(/must be #cloud-config, a #! script or #cloud-boothook/);
  });

  it("refuses #part-handler with a clear reason", async () => {
    const out = await processUserData(Buffer.from("#part-handler\ndef list_types(): pass\n"));
    expect(out.problems).toEqual(["user-data: #part-handler parts run Python and are not supported by cloud-agent; part ignored"]);
  });
});

describe("#cloud-config-jsonp", () => {
  it("patches the cloud-config merged so far (RFC 6902)", async () => {
    const out = await processUserData(
      mime([
        "Content-Type: text/cloud-config\n\n#cloud-config\nruncmd: [a]\nhostname: one\npackages: [x]\n",
        'Content-Type: text/cloud-config-jsonp\n\n#cloud-config-jsonp\n[{"op": "add", "path": "/runcmd/-", "value": "b"}, {"op": "replace", "path": "/hostname", "value": "two"}, {"op": "remove", "path": "/packages"}, {"op": "copy", "from": "/hostname", "path": "/fqdn"}]\n',
      ]),
    );
    expect(out.cloudConfig).toEqual({ runcmd: ["a", "b"], hostname: "two", fqdn: "two" });
    expect(out.problems).toEqual([]);
  });

  it("a failing patch is reported and leaves the config as it was", async () => {
    const out = await processUserData(
      mime(["Content-Type: text/cloud-config\n\n#cloud-config\nhostname: one\n", 'Content-Type: text/cloud-config-jsonp\n\n#cloud-config-jsonp\n[{"op": "remove", "path": "/nope"}]\n']),
    );
    expect(out.cloudConfig).toEqual({ hostname: "one" });
    expect(out.problems[0]).toMatch(/user-data part-002: #cloud-config-jsonp: operation 0: \/nope does not exist/);
  });
});

describe("#cloud-config-jsonp and the prototype", () => {
  it("a patch through /__proto__ is refused: Object.prototype stays clean and the config is unchanged", async () => {
    const out = await processUserData(
      mime([
        "Content-Type: text/cloud-config\n\n#cloud-config\ndisable_root: true\n",
        'Content-Type: text/cloud-config-jsonp\n\n#cloud-config-jsonp\n[{"op": "add", "path": "/__proto__/disable_root", "value": false}]\n',
        'Content-Type: text/cloud-config-jsonp\n\n#cloud-config-jsonp\n[{"op": "add", "path": "/constructor/prototype/polluted", "value": 1}]\n',
      ]),
    );
    expect(({} as Record<string, unknown>).disable_root).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out.cloudConfig).toEqual({ disable_root: true });
    expect(out.problems).toEqual([
      "user-data part-002: #cloud-config-jsonp: operation 0: path /__proto__/disable_root names __proto__, which is refused",
      "user-data part-003: #cloud-config-jsonp: operation 0: path /constructor/prototype/polluted names constructor, which is refused",
    ]);
  });

  it("a patch that fails half way is undone whole", async () => {
    const patch = [
      { op: "add", path: "/runcmd/-", value: "b" },
      { op: "replace", path: "/hostname", value: "two" },
      { op: "remove", path: "/runcmd/0" },
      { op: "move", from: "/hostname", path: "/fqdn" },
      { op: "test", path: "/fqdn", value: "nope" },
    ];
    const out = await processUserData(mime(["Content-Type: text/cloud-config\n\n#cloud-config\nruncmd: [a]\nhostname: one\n", `Content-Type: text/cloud-config-jsonp\n\n#cloud-config-jsonp\n${JSON.stringify(patch)}\n`]));
    expect(out.cloudConfig).toEqual({ runcmd: ["a"], hostname: "one" });
    expect(out.problems).toEqual(["user-data part-002: #cloud-config-jsonp: operation 4: test of /fqdn failed"]);
  });

  it("a JSON syntax error gives the position, not the text", async () => {
    const out = await processUserData(Buffer.from('#cloud-config-jsonp\n[{"op": "add", "path": "/password", "value": hunter2}]\n'));
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatch(/^user-data: #cloud-config-jsonp: invalid JSON/);
    expect(out.problems[0]).not.toContain("hunter2");
  });
});

describe("bounds on user-data", () => {
  /** A #! script of exactly `size` bytes. */
  const script = (size: number) => Buffer.concat([Buffer.from("#!/bin/sh\n"), Buffer.alloc(size - 10, "#")]);

  it("merges 10,000 cloud-config and jsonp parts into the right result", async () => {
    const parts: string[] = [];
    for (let i = 0; i < 5000; i++) {
      parts.push(`Content-Type: text/cloud-config\n\n#cloud-config\nmerge_how: dict(recurse_array)+list(append)\nkey${i}: ${i}\nruncmd: [c${i}]\n`);
      parts.push(`Content-Type: text/cloud-config-jsonp\n\n#cloud-config-jsonp\n[{"op": "add", "path": "/jsonp${i}", "value": ${i}}]\n`);
    }
    const out = await processUserData(mime(parts));
    expect(out.problems).toEqual([]);
    expect(Object.keys(out.cloudConfig)).toHaveLength(1 + 2 * 5000);
    expect(out.cloudConfig.runcmd).toEqual(Array.from({ length: 5000 }, (_, i) => `c${i}`));
    expect(out.cloudConfig.key4999).toBe(4999);
    expect(out.cloudConfig.jsonp0).toBe(0);
  });

  it(`refuses more than ${MAX_PARTS} parts, naming the user-data`, async () => {
    const out = await processUserData(mime(Array.from({ length: MAX_PARTS + 1 }, () => "Content-Type: text/x-shellscript\n\n#!/bin/sh\n")));
    expect(out.problems).toEqual([`user-data: cannot be unpacked: more than ${MAX_PARTS} parts; refused`]);
    expect(out.scripts).toEqual([]);
  });

  it("refuses multipart nested too deep", async () => {
    let message = "Content-Type: text/cloud-config\n\n#cloud-config\nhostname: deep\n";
    for (let i = 0; i < 20; i++) message = `Content-Type: multipart/mixed; boundary="b${i}"\nMIME-Version: 1.0\n\n--b${i}\n${message}\n--b${i}--\n`;
    const out = await processUserData(Buffer.from(message));
    expect(out.problems).toEqual(["user-data: cannot be unpacked: multipart messages nested deeper than 16; refused"]);
  });

  it("refuses gzip that unpacks past the cap, and the other streams still work", async () => {
    const bomb = gzipSync(Buffer.alloc(MAX_UNPACKED_BYTES + 1));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const out = await processUserData(bomb);
    expect(out.problems).toEqual([`user-data: cannot be unpacked: gzip data unpacks to more than ${MAX_UNPACKED_BYTES} bytes; refused`]);
    const atTheCap = await processUserData(gzipSync(script(MAX_UNPACKED_BYTES)));
    expect(atTheCap.problems).toEqual([]);
    expect(atTheCap.scripts[0].content.length).toBe(MAX_UNPACKED_BYTES);
  });

  it("refuses a cloud-config nested 5,000 deep; the other parts apply", async () => {
    const out = await processUserData(mime([`Content-Type: text/cloud-config\n\n#cloud-config\nx: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, "Content-Type: text/cloud-config\n\n#cloud-config\nhostname: ok\n"]));
    expect(out.cloudConfig).toEqual({ hostname: "ok" });
    expect(out.problems).toEqual(["user-data part-001: invalid cloud-config YAML: mappings and lists nested deeper than 64 levels at line 2"]);
  });

  it("stops following includes once they bring in more than the cap together", async () => {
    const big = script(MAX_INCLUDED_BYTES / 4 + 1);
    let fetched = 0;
    const fetch = async () => {
      fetched++;
      return big;
    };
    const out = await processUserData(Buffer.from(`#include\n${Array.from({ length: 6 }, (_, i) => `http://h/${i}`).join("\n")}\n`), "user-data", { fetch });
    expect(fetched).toBe(4);
    expect(out.problems).toEqual([
      `user-data: #include http://h/3 failed: the includes together exceed ${MAX_INCLUDED_BYTES} bytes; refused`,
      `user-data: #include http://h/4: the includes already brought ${MAX_INCLUDED_BYTES} bytes; not followed`,
      `user-data: #include http://h/5: the includes already brought ${MAX_INCLUDED_BYTES} bytes; not followed`,
    ]);
  });

  it("an include URL's password and query (a presigned signature) are not repeated in messages", async () => {
    const fetch = async (url: string) => {
      throw new Error(`${url}: HTTP 404`);
    };
    const out = await processUserData(Buffer.from("#include https://alice:s3cret@example.org/ud\n#include https://bucket.example.org/ud?X-Amz-Signature=abc123&t=1\n"), "user-data", { fetch });
    expect(out.problems).toEqual([
      "user-data: #include https://example.org/ud failed: https://example.org/ud: HTTP 404",
      "user-data: #include https://bucket.example.org/ud?… failed: https://bucket.example.org/ud?…: HTTP 404",
    ]);
  });
});
