// The four stages run for real (the built binary, real chroot, real /bin/sh) against a
// throwaway root: state layout, reboots, clones, and status as cloud-init reports it.
import { existsSync, lstatSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, lines, makeRoot, read, writeSeed } from "./root";

const USER_DATA = `#cloud-config
bootcmd:
  - echo "boot $INSTANCE_ID" >> /var/tmp/bootcmd.log
runcmd:
  - echo run >> /var/tmp/runcmd.log
  - [sh, -c, 'echo "$0" > /var/tmp/quoted', "it's; quoted"]
write_files:
  - path: /etc/agent-test.txt
    content: hello
    permissions: '0600'
  - path: /etc/deferred.txt
    content: later
    defer: true
final_message: "done $version"
`;

const mode = (root: string, p: string) => (statSync(join(root, p)).mode & 0o7777).toString(8);

describe.skipIf(!isRoot)("boot stages in a throwaway root", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    writeSeed(root, { "meta-data": "instance-id: iid-one\nlocal-hostname: node1.example.com\n", "user-data": USER_DATA });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("first boot: every stage exits 0 and leaves cloud-init's layout", () => {
    const results = boot(root);
    expect(results.map((r) => r.code), results.map((r) => r.stderr).join("\n")).toEqual([0, 0, 0, 0]);
    expect(readlinkSync(join(root, "var/lib/cloud/instance"))).toBe("/var/lib/cloud/instances/iid-one");
    expect(read(root, "var/lib/cloud/data/instance-id")).toBe("iid-one\n");
    expect(read(root, "var/lib/cloud/data/previous-instance-id")).toBe("iid-one\n");
    expect(read(root, "var/lib/cloud/instances/iid-one/datasource")).toBe("DataSourceNoCloud: DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]\n");
    for (const sem of ["config_runcmd", "config_write_files", "config_write_files_deferred", "config_scripts_user"]) {
      expect(existsSync(join(root, "var/lib/cloud/instances/iid-one/sem", sem)), sem).toBe(true);
    }
    expect(read(root, "var/lib/cloud/instances/iid-one/sem/config_runcmd")).toMatch(/^\d+: \d+(\.\d+)?\n$/);
    expect(existsSync(join(root, "var/lib/cloud/instances/iid-one/sem/config_bootcmd"))).toBe(false);
    expect(mode(root, "var/lib/cloud/instances/iid-one/user-data.txt")).toBe("600");
    expect(mode(root, "var/lib/cloud/instances/iid-one/cloud-config.txt")).toBe("600");
    expect(mode(root, "var/lib/cloud/instances/iid-one/user-data.txt.i")).toBe("600");
    expect(read(root, "var/lib/cloud/instances/iid-one/user-data.txt.i")).toContain("Content-Type: text/cloud-config");
    expect(mode(root, "var/lib/cloud/instances/iid-one/scripts/runcmd")).toBe("700");
    expect(mode(root, "run/cloud-init/instance-data.json")).toBe("644");
    expect(mode(root, "run/cloud-init/instance-data-sensitive.json")).toBe("600");
    expect(readlinkSync(join(root, "run/cloud-init/status.json"))).toBe("../../var/lib/cloud/data/status.json");
    expect(read(root, "var/lib/cloud/instances/iid-one/boot-finished")).toMatch(/^\d+\.\d+ - \w{3}, \d\d \w{3} \d{4} [\d:]{8} \+0000 - v\. .+\n$/);

    expect(lines(root, "var/tmp/bootcmd.log")).toEqual(["boot iid-one"]);
    expect(lines(root, "var/tmp/runcmd.log")).toEqual(["run"]);
    expect(read(root, "var/tmp/quoted")).toBe("it's; quoted\n");
    expect(read(root, "etc/agent-test.txt")).toBe("hello");
    expect(mode(root, "etc/agent-test.txt")).toBe("600");
    expect(read(root, "etc/deferred.txt")).toBe("later");
    expect(read(root, "var/log/cloud-init-output.log")).toMatch(/^done \d/m);

    const status = JSON.parse(read(root, "var/lib/cloud/data/status.json"));
    expect(status.v1.stage).toBeNull();
    for (const stage of ["init-local", "init", "modules-config", "modules-final"]) {
      expect(status.v1[stage].errors).toEqual([]);
      expect(status.v1[stage].finished).toBeGreaterThanOrEqual(status.v1[stage].start);
    }
    expect(JSON.parse(read(root, "var/lib/cloud/data/result.json"))).toEqual({
      v1: { datasource: "DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]", errors: [] },
    });
    const s = agent(root, ["status", "--long"]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^status: done\nextended_status: done\n/);
    expect(s.stdout).toContain("detail: DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]\nerrors: []\nrecoverable_errors: {}\n");
  });

  it("reboot of the same instance repeats per-boot work only", () => {
    boot(root);
    const results = boot(root);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/bootcmd.log")).toEqual(["boot iid-one", "boot iid-one"]);
    expect(lines(root, "var/tmp/runcmd.log")).toEqual(["run"]);
    expect(read(root, "var/lib/cloud/data/previous-instance-id")).toBe("iid-one\n");
  });

  it("a clone (new instance-id) repeats per-instance work", () => {
    boot(root);
    writeSeed(root, { "meta-data": "instance-id: iid-two\n" });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(readlinkSync(join(root, "var/lib/cloud/instance"))).toBe("/var/lib/cloud/instances/iid-two");
    expect(lines(root, "var/tmp/runcmd.log")).toEqual(["run", "run"]);
    expect(lines(root, "var/tmp/bootcmd.log")).toEqual(["boot iid-one", "boot iid-two"]);
    // as cloud-init 22.4 leaves it: the network stage rewrites it with the current id
    expect(read(root, "var/lib/cloud/data/previous-instance-id")).toBe("iid-two\n");
    expect(existsSync(join(root, "var/lib/cloud/instances/iid-one/sem/config_runcmd"))).toBe(true);
  });

  it("a failing module is an error naming it; later modules still run", () => {
    writeSeed(root, { "meta-data": "instance-id: iid-f\n", "user-data": "#cloud-config\nbootcmd: [exit 3]\nruncmd: [echo after >> /var/tmp/after.log]\n" });
    const results = boot(root);
    expect(results.map((r) => r.code)).toEqual([0, 1, 0, 0]);
    expect(lines(root, "var/tmp/after.log")).toEqual(["after"]);
    const s = agent(root, ["status", "--long"]);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/^status: error\nextended_status: error - done\n/);
    expect(s.stdout).toContain("\t- module bootcmd failed: bootcmd exited with 3");
    expect(JSON.parse(read(root, "var/lib/cloud/data/result.json")).v1.errors).toEqual(["module bootcmd failed: bootcmd exited with 3"]);
  });

  it("broken user-data YAML is reported with its line; system modules still run", () => {
    writeSeed(root, { "meta-data": "instance-id: iid-y\n", "user-data": "#cloud-config\nruncmd:\n  - echo a\n bad: [\n" });
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/50-test.cfg"), "bootcmd: [echo sys >> /var/tmp/sys.log]\n");
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/sys.log")).toEqual(["sys"]);
    const s = agent(root, ["status", "--long"]);
    expect(s.code).toBe(2);
    expect(s.stdout).toContain("extended_status: degraded done");
    expect(s.stdout).toMatch(/user-data: invalid cloud-config YAML: .*line \d+/);
  });

  it("a broken file in cloud.cfg.d is skipped with a warning (degraded, as any warning), the rest applies", () => {
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/10-broken.cfg"), "datasource_list: [NoCloud\n");
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/runcmd.log")).toEqual(["run"]);
    const s = agent(root, ["status", "--long"]);
    expect(s.code).toBe(2);
    expect(s.stdout).toMatch(/^status: done\nextended_status: degraded done\n/);
    expect(s.stdout).toMatch(/WARNING:\n\t- \/etc\/cloud\/cloud.cfg.d\/10-broken.cfg: invalid YAML, ignored/);
  });

  it("write_files: an unknown owner fails that entry only", () => {
    writeSeed(root, {
      "meta-data": "instance-id: iid-w\n",
      "user-data": "#cloud-config\nwrite_files:\n  - {path: /etc/a.txt, content: a, owner: 'nobody-here:root'}\n  - {path: /etc/b.txt, content: b, owner: 'daemon:adm', permissions: 0640}\n",
    });
    boot(root);
    expect(existsSync(join(root, "etc/a.txt"))).toBe(false);
    expect(read(root, "etc/b.txt")).toBe("b");
    const st = lstatSync(join(root, "etc/b.txt"));
    expect([st.uid, st.gid, (st.mode & 0o777).toString(8)]).toEqual([1, 4, "640"]);
    expect(agent(root, ["status", "--long"]).stdout).toContain("module write_files failed: could not write /etc/a.txt: unknown user nobody-here");
  });

  it("no datasource: the network stage reports it and status is error", () => {
    rmSync(join(root, "var/lib/cloud/seed"), { recursive: true });
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-ds.cfg"), "datasource_list: [NoCloud]\n");
    const results = boot(root);
    expect(results.map((r) => r.code)).toEqual([0, 1, 1, 1]);
    expect(agent(root, ["status", "--long"]).stdout).toContain("\t- No instance datasource found.");
  });

  it("falls back to DataSourceNone when the list ends with None", () => {
    rmSync(join(root, "var/lib/cloud/seed"), { recursive: true });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "var/lib/cloud/data/instance-id")).toBe("iid-datasource-none\n");
    expect(agent(root, ["status", "--long"]).stdout).toContain("Used fallback datasource");
  });
});
