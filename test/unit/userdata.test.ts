import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { processUserData } from "../../src/userdata/process";

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
  it("reads a plain #cloud-config", () => {
    const out = processUserData(Buffer.from("#cloud-config\nruncmd: [ls]\n"));
    expect(out.cloudConfig).toEqual({ runcmd: ["ls"] });
    expect(out.problems).toEqual([]);
  });

  it("unpacks gzip", () => {
    const out = processUserData(gzipSync(Buffer.from("#cloud-config\nhostname: gz\n")));
    expect(out.cloudConfig).toEqual({ hostname: "gz" });
  });

  it("reports a truncated gzip blob without throwing", () => {
    const blob = gzipSync(Buffer.from("#cloud-config\nhostname: gz\n"));
    const out = processUserData(blob.subarray(0, 10));
    expect(out.problems[0]).toMatch(/cannot be unpacked/);
  });

  it("takes a #! script as a user script", () => {
    const out = processUserData(Buffer.from("#!/bin/sh\necho hi\n"));
    expect(out.scripts).toEqual([{ filename: "part-001", content: Buffer.from("#!/bin/sh\necho hi\n"), frequency: "user" }]);
  });

  it("splits MIME multipart and merges cloud-config parts with dict(replace)", () => {
    const out = processUserData(
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

  it("honours a part's merge_how", () => {
    const out = processUserData(
      mime(["Content-Type: text/cloud-config\n\n#cloud-config\nruncmd: [a]\n", "Content-Type: text/cloud-config\n\n#cloud-config\nmerge_how: list(append)+dict(recurse_array)+str()\nruncmd: [b]\n"]),
    );
    expect(out.cloudConfig).toEqual({ runcmd: ["a", "b"] });
  });

  it("decodes base64 parts", () => {
    const body = Buffer.from("#cloud-config\nhostname: b64\n").toString("base64");
    const out = processUserData(mime([`Content-Type: text/cloud-config\nContent-Transfer-Encoding: base64\n\n${body}\n`]));
    expect(out.cloudConfig).toEqual({ hostname: "b64" });
  });

  it("treats text without MIME-Version as one part, even if it looks like headers", () => {
    const out = processUserData(Buffer.from("Content-Type: text/plain\n\n#cloud-config\nhostname: x\n"));
    expect(out.cloudConfig).toEqual({});
    expect(out.problems[0]).toMatch(/unhandled/);
  });

  it("names the part and line of broken YAML and keeps the other parts", () => {
    const out = processUserData(mime(["Content-Type: text/cloud-config\n\n#cloud-config\nruncmd: [a\n", "Content-Type: text/cloud-config\n\n#cloud-config\nhostname: ok\n"]));
    expect(out.cloudConfig).toEqual({ hostname: "ok" });
    expect(out.problems[0]).toMatch(/user-data part-001: invalid cloud-config YAML: .*line/);
  });

  it("refuses a non-mapping cloud-config", () => {
    const out = processUserData(Buffer.from("#cloud-config\n- a\n- b\n"));
    expect(out.problems[0]).toMatch(/must be a mapping/);
  });

  it("keeps hostile MIME file names inside the scripts directory", () => {
    const out = processUserData(mime(['Content-Type: text/x-shellscript\nContent-Disposition: attachment; filename="../../etc/cron.d/evil"\n\n#!/bin/sh\n']));
    expect(out.scripts[0].filename).toBe("evil");
  });
});
