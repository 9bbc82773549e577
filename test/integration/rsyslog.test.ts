// rsyslog with the built agent in a throwaway root: the files the configs and remotes make,
// their modes, the entries refused, and the reload (a user command run as argv; "auto" only
// reported, since no systemd runs a root being prepared). rsyslogd -N1 (Debian's rsyslog)
// parses what was written.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, makeRoot, read, writeSeed } from "./root";

const RSYSLOGD = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"].find((p) => existsSync(p));

describe.skipIf(!isRoot)("rsyslog in a throwaway root", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function bootWith(cloudConfig: object, instanceId = "iid-rsyslog") {
    writeSeed(root, { "meta-data": `instance-id: ${instanceId}\n`, "user-data": `#cloud-config\n${JSON.stringify(cloudConfig)}\n` });
    return boot(root);
  }
  const mode = (p: string) => statSync(join(root, p)).mode & 0o7777;

  it("writes configs and remotes, refuses what escapes or does not parse, and reports the reload", () => {
    const results = bootWith({
      rsyslog: {
        configs: ["*.* @@192.0.2.1", { filename: "01-example.conf", content: "*.*   @@192.0.2.1:10514" }, { filename: "01-example.conf", content: "mail.* @@syslogd.example.com\n" }, { filename: "../../etc/cron.d/evil", content: "* * * * * root id\n" }],
        remotes: { maas: "192.168.1.1", juju: "*.info @@[fd00::1]:10514", broken: "*.* @fd00::1", injected: "10.0.0.1\n*.* @evil.example" },
      },
    });
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "etc/rsyslog.d/20-cloud-config.conf")).toBe("*.* @@192.0.2.1\n# begin remotes\n*.info @@[fd00::1]:10514 # juju\n*.* @192.168.1.1 # maas\n# end remotes\n");
    expect(read(root, "etc/rsyslog.d/01-example.conf")).toBe("*.*   @@192.0.2.1:10514\nmail.* @@syslogd.example.com\n");
    expect([mode("etc/rsyslog.d/20-cloud-config.conf"), mode("etc/rsyslog.d/01-example.conf")]).toEqual([0o644, 0o644]);
    expect(existsSync(join(root, "etc/cron.d/evil"))).toBe(false);
    const log = read(root, "var/log/cloud-init.log");
    expect(log).toContain("rsyslog.configs[3]: filename must name a file inside /etc/rsyslog.d; skipped");
    expect(log).toContain("rsyslog.remotes.broken: not [selector] [@|@@]host[:port]; skipped");
    expect(log).toContain("rsyslog.remotes.injected: holds control characters; skipped");
    expect(log).toContain("rsyslog not reloaded: systemd is not running this root");
    expect(log).not.toContain("evil.example");
    if (RSYSLOGD) {
      for (const f of ["20-cloud-config.conf", "01-example.conf"]) {
        const r = spawnSync(RSYSLOGD, ["-N1", "-f", join(root, "etc/rsyslog.d", f)], { encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
      }
    }
  });

  it("runs a reload command given as a list, as argv in the root, once per instance", () => {
    const config = { rsyslog: { config_dir: "/etc/rsyslog.custom", configs: ["*.* @10.0.0.1"], service_reload_command: ["sh", "-c", 'echo "$0 $1" >> /var/tmp/reloaded', "one", "two words"] } };
    expect(bootWith(config).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "etc/rsyslog.custom/20-cloud-config.conf")).toBe("*.* @10.0.0.1\n");
    expect(read(root, "var/tmp/reloaded")).toBe("one two words\n");
    boot(root);
    expect(read(root, "var/tmp/reloaded")).toBe("one two words\n");
  });

  it("takes the deprecated list form with rsyslog_dir and rsyslog_filename; a failed reload is a warning", () => {
    const results = bootWith({ rsyslog: ["*.* @10.0.0.2", "*.* @10.0.0.3"], rsyslog_dir: "/etc/rsyslog.old", rsyslog_filename: "50-old.conf" });
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "etc/rsyslog.old/50-old.conf")).toBe("*.* @10.0.0.2\n*.* @10.0.0.3\n");
    const failing = bootWith({ rsyslog: { configs: ["*.* @10.0.0.4"], service_reload_command: ["/bin/false"] } }, "iid-rsyslog-2");
    expect(failing.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "var/log/cloud-init.log")).toContain("rsyslog not reloaded: rsyslog.service_reload_command exited with 1");
    // a warning, not an error: the files are written, the boot is degraded
    const status = agent(root, ["status", "--long"]);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain("extended_status: degraded done");
    expect(status.stdout).toContain("rsyslog not reloaded: rsyslog.service_reload_command exited with 1");
  });
});
