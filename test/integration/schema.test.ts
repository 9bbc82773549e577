// `schema`: cloud-config and network-config linted with the schemas the engine uses, problems
// named by key path and line and never by value; --system on a booted root; and, against
// Debian's cloud-init 22.4.2, the same verdict on every documented example of the modules
// both have (read from the installed cloud-init at test time) and on broken documents.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { MODULES } from "../../modules/index";
import { agent, boot, isRoot, makeRoot, writeSeed } from "./root";

describe.skipIf(!isRoot)("schema", () => {
  let root: string;
  const file = (name: string, text: string) => {
    writeFileSync(join(root, "var/tmp", name), text);
    return `/var/tmp/${name}`;
  };
  beforeEach(() => {
    root = makeRoot();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("a valid cloud-config: exit 0", () => {
    expect(agent(root, ["schema", "-c", file("ok.yaml", "#cloud-config\nruncmd: [ls]\nwrite_files: [{path: /x, content: y}]\n")])).toMatchObject({ code: 0, stdout: "Valid cloud-config: /var/tmp/ok.yaml\n", stderr: "" });
  });

  it("errors: key path and line of each, exit 1, and never the value (a password stays out)", () => {
    const r = agent(root, ["schema", "-c", file("bad.yaml", "#cloud-config\nruncmd: 'echo s3cr3t-value'\nwrite_files:\n  - content: x\nchpasswd: {users: [{password: s3cr3t-value}]}\n")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "Invalid cloud-config /var/tmp/bad.yaml\nError:\nCloud config schema errors: runcmd: expected a list, got a string (line 2), write_files.0: 'path' is a required property (line 4), chpasswd.users.0: 'name' is a required property (line 5)\n",
    );
    expect(r.stdout + r.stderr).not.toContain("s3cr3t");
  });

  it("a file without #cloud-config, and one that is not YAML: cloud-init's format-lL.cC errors", () => {
    expect(agent(root, ["schema", "-c", file("plain.yaml", "runcmd: [ls]\n")]).stderr).toContain('Cloud config schema errors: format-l1.c1: File /var/tmp/plain.yaml needs to begin with "#cloud-config"');
    const r = agent(root, ["schema", "-c", file("broken.yaml", "#cloud-config\nruncmd: [ls\n")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cloud config schema errors: format-l3\.c1: File \/var\/tmp\/broken\.yaml is not valid YAML: .* at line 3, column 1\n/);
  });

  it("deprecated keys are warnings: still valid, exit 0", () => {
    const r = agent(root, ["schema", "-c", file("old.yaml", "#cloud-config\napt_update: true\n")]);
    expect(r).toMatchObject({ code: 0, stdout: "Valid cloud-config: /var/tmp/old.yaml\n" });
    expect(r.stderr).toBe("Cloud config schema deprecations: apt_update: apt_update is deprecated: use package_update (line 2)\n");
  });

  it("--annotate marks each line and lists the problems under the document", () => {
    const r = agent(root, ["schema", "--annotate", "-c", file("bad.yaml", "#cloud-config\nruncmd: ls\napt_update: true\n")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("#cloud-config\nruncmd: ls\t\t# E1\napt_update: true\t\t# D1\n\n# Errors: -------------\n# E1: runcmd: expected a list, got a string\n\n# Deprecations: -------------\n# D1: apt_update: apt_update is deprecated: use package_update\n\n");
  });

  it("-t network-config: v1 and v2 read as the renderers read them; an unknown version is named", () => {
    expect(agent(root, ["schema", "-t", "network-config", "-c", file("v2.yaml", "network:\n  version: 2\n  ethernets: {eth0: {dhcp4: true}}\n")]).code).toBe(0);
    const v3 = agent(root, ["schema", "-t", "network-config", "-c", file("v3.yaml", "version: 3\n")]);
    expect(v3.code).toBe(1);
    expect(v3.stderr).toContain("Cloud config schema errors: network-config: unknown network config version 3 (1 or 2 expected)");
    const bad = agent(root, ["schema", "-t", "network-config", "-c", file("v1.yaml", "version: 1\nconfig:\n  - {type: physical, name: eth0, subnets: [{type: static, address: 10.0.0.300/24}]}\n")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("is not an IP address");
  });

  it("a jinja template is rendered with the instance data given (-i) before it is checked", () => {
    const data = file("data.json", JSON.stringify({ v1: { instance_id: "iid-x" } }));
    const template = file("t.yaml", "## template: jinja\n#cloud-config\nruncmd: {% if v1.instance_id.startswith('iid-') %}[ls]{% else %}ls{% endif %}\n");
    expect(agent(root, ["schema", "-c", template, "-i", data])).toMatchObject({ code: 0 });
    writeFileSync(join(root, data), JSON.stringify({ v1: { instance_id: "i-0abc" } }));
    expect(agent(root, ["schema", "-c", template, "-i", data]).stderr).toContain("runcmd: expected a list, got a string");
  });

  it("--system: this instance's user-data and the image's cloud.cfg and cloud.cfg.d, each named", () => {
    writeSeed(root, { "meta-data": "instance-id: iid-schema\n", "user-data": "#cloud-config\nruncmd: [ls]\n" });
    boot(root);
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-bad.cfg"), "ntp: {servers: ntp.example.org}\n");
    const r = agent(root, ["schema", "--system"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Valid cloud-config: system userdata\n");
    expect(r.stdout).toContain("Valid cloud-config: /etc/cloud/cloud.cfg\n");
    expect(r.stderr).toContain("Invalid cloud-config /etc/cloud/cloud.cfg.d/90-bad.cfg\nError:\nCloud config schema errors: ntp.servers: expected a list, got a string (line 1)\n");
  });

  it("usage: exactly one of -c and --system", () => {
    expect(agent(root, ["schema"])).toMatchObject({ code: 1, stderr: "Error:\nExpected one of --config-file or --system arguments\n" });
    expect(agent(root, ["schema", "-c", "/var/tmp/none.yaml"])).toMatchObject({ code: 1, stderr: "Error:\nConfigfile /var/tmp/none.yaml does not exist\n" });
  });
});

// cloud-init's own documented examples, read from the package installed in the cloud-init rootfs
const unsupported = bootUnsupported();
describe.skipIf(unsupported)("schema agrees with cloud-init 22.4.2", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  let root: string;
  beforeAll(() => {
    m = prepareMachine("cloud-init");
    root = makeRoot();
    mkdirSync(join(m.root, "var/tmp/schema"), { recursive: true });
  }, 300_000);
  afterAll(() => {
    m?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  /** Both verdicts (exit codes) on one document, and the key paths each names. */
  function both(name: string, text: string) {
    writeFileSync(join(m.root, "var/tmp/schema", name), text);
    writeFileSync(join(root, "var/tmp", name), text);
    const theirs = spawnSync("chroot", [m.root, "cloud-init", "schema", "-c", `/var/tmp/schema/${name}`], { encoding: "utf8" });
    const ours = agent(root, ["schema", "-c", `/var/tmp/${name}`]);
    const paths = (stderr: string) => [...(/Cloud config schema errors: (.*)/.exec(stderr)?.[1] ?? "").matchAll(/(?:^|, )([\w.-]+): /g)].map((x) => x[1]).sort();
    return { theirs: { code: theirs.status, paths: paths(theirs.stderr) }, ours: { code: ours.code, paths: paths(ours.stderr) } };
  }

  it("every documented example of the modules cloud-agent has is valid to both", async () => {
    const ids = MODULES.map((mod) => `cc_${mod.name}`);
    const examples = JSON.parse(
      execFileSync("chroot", [m.root, "python3", "-c", `import importlib, json, sys\nout = {}\nfor i in sys.argv[1:]:\n  try: out[i] = importlib.import_module('cloudinit.config.' + i).meta.get('examples', [])\n  except Exception: pass\nprint(json.dumps(out))`, ...ids], { encoding: "utf8" }),
    ) as Record<string, string[]>;
    let count = 0;
    for (const [id, list] of Object.entries(examples)) {
      for (const [i, example] of list.entries()) {
        const text = example.startsWith("#cloud-config") ? example : `#cloud-config\n${example}`;
        const verdict = both(`${id}-${i}.yaml`, text);
        expect({ example: `${id} #${i}`, ...verdict.ours }).toEqual({ example: `${id} #${i}`, ...verdict.theirs });
        count++;
        // the programs run synchronously: vitest's worker must get a turn within its 60 s RPC timeout
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    expect(count).toBeGreaterThan(40);
    // two programs per example (cloud-init's schema starts Python each time): about 40 s here
  }, 180_000);

  it("broken documents: the same exit code and the same key paths", () => {
    const cases: Record<string, string> = {
      "runcmd-string.yaml": "#cloud-config\nruncmd: ls\n",
      "write-files-no-path.yaml": "#cloud-config\nwrite_files:\n  - content: x\n",
      "bootcmd-mapping.yaml": "#cloud-config\nbootcmd: {a: b}\n",
      "no-header.yaml": "runcmd: [ls]\n",
    };
    for (const [name, text] of Object.entries(cases)) {
      const verdict = both(name, text);
      expect({ name, ...verdict.ours }).toEqual({ name, ...verdict.theirs });
    }
    // not YAML: both refuse it; the position each parser names differs (PyYAML: where the flow began)
    const broken = both("not-yaml.yaml", "#cloud-config\nruncmd: [ls\n");
    expect([broken.ours.code, broken.theirs.code]).toEqual([1, 1]);
  });
});
