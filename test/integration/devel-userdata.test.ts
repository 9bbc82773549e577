// devel make-mime and devel render: user-data built and rendered by the tools, then read by
// Python's email package and consumed by a boot of the built agent.
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, lines, makeRoot, writeSeed } from "./root";

describe.skipIf(!isRoot)("devel make-mime and devel render", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const put = (name: string, text: string) => {
    writeFileSync(join(root, "var/tmp", name), text);
    return `/var/tmp/${name}`;
  };

  it("make-mime: parts Python's email package reads back whole, and a boot runs both", () => {
    const config = put("cfg.yaml", "#cloud-config\nruncmd: ['echo config >> /var/tmp/ran.log']\n");
    const script = put("s.sh", "#!/bin/sh\necho 'script é' >> /var/tmp/ran.log\n");
    const mime = agent(root, ["devel", "make-mime", "-a", `${config}:cloud-config`, "-a", `${script}:x-shellscript`]);
    expect(mime.code, mime.stderr).toBe(0);
    const python = spawnSync("python3", ["-c", "import email,json,sys\nm=email.message_from_string(sys.stdin.read())\nprint(json.dumps([[p.get_content_type(), p.get_filename(), p.get_payload(decode=True).decode()] for p in m.walk() if not p.is_multipart()]))"], { input: mime.stdout, encoding: "utf8" });
    expect(JSON.parse(python.stdout)).toEqual([
      ["text/cloud-config", "cfg.yaml", "#cloud-config\nruncmd: ['echo config >> /var/tmp/ran.log']\n"],
      ["text/x-shellscript", "s.sh", "#!/bin/sh\necho 'script é' >> /var/tmp/ran.log\n"],
    ]);
    writeSeed(root, { "meta-data": "instance-id: iid-mime\n", "user-data": mime.stdout });
    boot(root);
    expect(lines(root, "var/tmp/ran.log").sort()).toEqual(["config", "script é"]);
  });

  it("make-mime: --list-types, an unknown type refused unless --force, a bad FILE:TYPE", () => {
    const types = agent(root, ["devel", "make-mime", "--list-types"]).stdout.split("\n");
    for (const t of ["cloud-config", "cloud-boothook", "jinja2", "x-shellscript", "x-shellscript-per-boot", "x-include-url"]) expect(types).toContain(t);
    const file = put("f.txt", "hello\n");
    expect(agent(root, ["devel", "make-mime", "-a", `${file}:bogus`])).toMatchObject({ code: 1, stderr: "Error: content type 'bogus' for attachment /var/tmp/f.txt is not supported (see --list-types; --force uses it anyway)\n" });
    expect(agent(root, ["devel", "make-mime", "-f", "-a", `${file}:bogus`]).stdout).toContain('Content-Type: text/bogus; charset="us-ascii"');
    expect(agent(root, ["devel", "make-mime", "-a", file]).code).toBe(1);
    // a type is a header word: --force does not let a second header line in
    expect(agent(root, ["devel", "make-mime", "-f", "-a", `${file}:x\nX-Injected`])).toMatchObject({ code: 1, stderr: "Error: 'x\nX-Injected' is not a content type name\n" });
  });

  it("render: a jinja user-data with this instance's data; missing names warned; not a template refused", () => {
    writeSeed(root, { "meta-data": "instance-id: iid-render\nlocal-hostname: r1\n", "user-data": "#cloud-config\n{}\n" });
    boot(root);
    const template = put("t.yaml", "## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname }}-{{ v1.instance_id.split('-')[1] }} {{ nope }}\n");
    const r = agent(root, ["devel", "render", template]);
    expect(r).toMatchObject({ code: 0, stdout: "#cloud-config\nhostname: r1-render CI_MISSING_JINJA_VAR/nope\n" });
    expect(r.stderr).toBe("WARNING: Could not render jinja template variables in file '/var/tmp/t.yaml': 'nope'\n");
    expect(agent(root, ["devel", "render", put("plain.yaml", "#cloud-config\n")])).toMatchObject({ code: 1, stderr: "Error: /var/tmp/plain.yaml is not a jinja template: its first line must be '## template: jinja'\n" });
  });
});
