// rsyslog: settings, the files the configs make, and the remotes lines, held against
// cloud-init 22.4.2's own functions (run from the cached cloud-init rootfs, test/boot/rootfs.sh)
// and against rsyslogd -N1 (Debian's rsyslog), which parses the rendered block.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fileIn, parseRemote, planFiles, renderRemotes, rsyslogSettings } from "../../modules/rsyslog";

const CLOUD_INIT = "/var/cache/cloud-agent/rootfs-bookworm-v3-cloud-init/usr/lib/python3/dist-packages";
const RSYSLOGD = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"].find((p) => existsSync(p));

/** cloud-init's remotes_to_rsyslog_cfg for each list of [name, value] pairs. */
function cloudInitRemotes(cases: [string, string][][]): string[] {
  const python = `
import json, sys
sys.path.insert(0, ${JSON.stringify(CLOUD_INIT)})
from cloudinit.config import cc_rsyslog
print(json.dumps([cc_rsyslog.remotes_to_rsyslog_cfg(dict(c), header="# begin remotes", footer="# end remotes") for c in json.load(sys.stdin)]))
`;
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", python], { input: JSON.stringify(cases), encoding: "utf8", maxBuffer: 64 << 20 }));
}

function rsyslogdAccepts(text: string): { ok: boolean; said: string } {
  const dir = mkdtempSync(join(tmpdir(), "rsyslog-"));
  try {
    writeFileSync(join(dir, "remotes.conf"), text);
    const r = spawnSync(RSYSLOGD!, ["-N1", "-f", join(dir, "remotes.conf")], { encoding: "utf8" });
    return { ok: r.status === 0, said: r.stderr };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const FACILITIES = ["auth", "authpriv", "cron", "daemon", "kern", "lpr", "mail", "news", "syslog", "user", "uucp", "local0", "local7", "*"];
const PRIORITIES = ["debug", "info", "notice", "warning", "err", "crit", "alert", "emerg", "none", "*"];
const selector = fc
  .array(fc.tuple(fc.uniqueArray(fc.constantFrom(...FACILITIES), { minLength: 1, maxLength: 3 }), fc.constantFrom("", "!", "=", "!="), fc.constantFrom(...PRIORITIES)), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.map(([f, op, p]) => `${f.join(",")}.${op}${p}`).join(";"));
const host = fc.oneof(fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.domain());
/** Remote values cloud-init documents: [selector] [@|@@]host[:port]. */
const remoteValue = fc
  .tuple(fc.option(selector, { nil: undefined }), fc.constantFrom("", "@", "@@"), host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([sel, at, h, port]) => `${sel ? `${sel} ` : ""}${at}${h}${port ? `:${port}` : ""}`);
// a letter first: JavaScript objects put integer-like keys first, Python dicts keep their order
const remoteName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _.-]{0,15}$/);
const remotes = fc.uniqueArray(fc.tuple(remoteName, remoteValue), { minLength: 1, maxLength: 5, selector: ([n]) => n });

describe("rsyslog settings", () => {
  it("fills cloud-init's defaults", () => {
    expect(rsyslogSettings({ rsyslog: {} })).toEqual({ configs: [], configDir: "/etc/rsyslog.d", configFilename: "20-cloud-config.conf", reload: "auto", remotes: {} });
  });

  it("reads the deprecated list form with rsyslog_filename and rsyslog_dir", () => {
    const s = rsyslogSettings({ rsyslog: ["*.* @10.0.0.1"], rsyslog_filename: "50-old.conf", rsyslog_dir: "/etc/rsyslog.old/" });
    expect(s).toMatchObject({ configs: ["*.* @10.0.0.1"], configDir: "/etc/rsyslog.old", configFilename: "50-old.conf" });
    // the legacy keys mean nothing beside the mapping form, as in cloud-init
    expect(rsyslogSettings({ rsyslog: {}, rsyslog_dir: "/x" }).configDir).toBe("/etc/rsyslog.d");
  });

  it("refuses wrong types naming the key", () => {
    expect(() => rsyslogSettings({ rsyslog: { configs: "*.* @x" } })).toThrow("rsyslog.configs: expected a list");
    expect(() => rsyslogSettings({ rsyslog: { remotes: ["x"] } })).toThrow("rsyslog.remotes");
    expect(() => rsyslogSettings({ rsyslog: { config_filename: 3 } })).toThrow("rsyslog.config_filename");
    expect(() => rsyslogSettings({ rsyslog: "*.* @x" })).toThrow("rsyslog: expected a mapping");
  });

  it("takes config_dir only as an absolute path that does not climb", () => {
    for (const dir of ["etc/rsyslog.d", "/etc/../tmp", "/etc/rsyslog.d\n"]) expect(() => rsyslogSettings({ rsyslog: { config_dir: dir } })).toThrow("rsyslog.config_dir");
    expect(rsyslogSettings({ rsyslog: { config_dir: "/opt//etc/rsyslog.d/" } }).configDir).toBe("/opt/etc/rsyslog.d");
  });

  it("runs a reload list as argv and a string as one program, never through a shell", () => {
    expect(rsyslogSettings({ rsyslog: { service_reload_command: ["systemctl", "restart", "rsyslog"] } }).reload).toEqual(["systemctl", "restart", "rsyslog"]);
    expect(rsyslogSettings({ rsyslog: { service_reload_command: "/usr/local/sbin/reload-syslog" } }).reload).toEqual(["/usr/local/sbin/reload-syslog"]);
    for (const bad of ["systemctl restart rsyslog", "", [], [""], ["a", 1]]) expect(() => rsyslogSettings({ rsyslog: { service_reload_command: bad } })).toThrow("rsyslog.service_reload_command");
  });
});

describe("rsyslog config files", () => {
  it("starts a file with its first entry and adds later ones after it, each ending with a newline", () => {
    const plan = planFiles(["a", { content: "b\n", filename: "01-x.conf" }, { content: "c", filename: " 01-x.conf " }, "d\n"], "/etc/rsyslog.d", "20-cloud-config.conf");
    expect([...plan.files]).toEqual([
      ["/etc/rsyslog.d/20-cloud-config.conf", "a\nd\n"],
      ["/etc/rsyslog.d/01-x.conf", "b\nc\n"],
    ]);
    expect(plan.problems).toEqual([]);
  });

  it("skips entries it cannot write, naming them, and keeps the others", () => {
    const plan = planFiles([{ filename: "x.conf" }, { content: 3 }, { content: "a", filename: "   " }, { content: "a", filename: "../../etc/cron.d/evil" }, { content: "a", filename: "/etc/cron.d/evil" }, { content: "a\u0000b" }, "kept"], "/etc/rsyslog.d", "20.conf");
    expect([...plan.files]).toEqual([["/etc/rsyslog.d/20.conf", "kept\n"]]);
    expect(plan.problems).toEqual([
      "rsyslog.configs[0] has no content; skipped",
      "rsyslog.configs[1]: content is not a string; skipped",
      "rsyslog.configs[2]: filename must name a file inside /etc/rsyslog.d; skipped",
      "rsyslog.configs[3]: filename must name a file inside /etc/rsyslog.d; skipped",
      "rsyslog.configs[4]: filename must name a file inside /etc/rsyslog.d; skipped",
      "rsyslog.configs[5]: content holds control characters; skipped",
    ]);
  });

  it("takes an absolute filename inside config_dir (cloud-init's os.path.join would take it anywhere)", () => {
    expect(fileIn("/etc/rsyslog.d", "/etc/rsyslog.d/30-x.conf")).toBe("/etc/rsyslog.d/30-x.conf");
    expect(fileIn("/etc/rsyslog.d", "/etc/rsyslog.d.evil/30-x.conf")).toBeUndefined();
    expect(fileIn("/etc/rsyslog.d", "/etc/rsyslog.d")).toBeUndefined();
    expect(fileIn("/etc/rsyslog.d", "sub/30-x.conf")).toBe("/etc/rsyslog.d/sub/30-x.conf");
  });

  it("never names a file outside config_dir, whatever the filename", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.constantFrom("..", ".", "", "a", "/", "etc", "rsyslog.d", "\n")).map((p) => p.join("/"))), (name) => {
        const file = fileIn("/etc/rsyslog.d", name);
        if (file === undefined) return;
        expect(file.startsWith("/etc/rsyslog.d/")).toBe(true);
        expect(file.split("/")).not.toContain("..");
        expect(file).not.toMatch(/[\x00-\x1f\x7f]/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("rsyslog remotes", () => {
  it("parses cloud-init's documented forms", () => {
    expect(parseRemote("192.168.1.1", "maas")).toEqual({ selector: "*.*", protocol: "udp", host: "192.168.1.1", name: "maas" });
    expect(parseRemote("*.info @@[fd00::1]:0514")).toEqual({ selector: "*.info", protocol: "tcp", host: "fd00::1", port: 514 });
    expect(parseRemote("kern.* @syslog.example.com # from the comment")).toEqual({ selector: "kern.*", protocol: "udp", host: "syslog.example.com", name: "from the comment" });
  });

  it("refuses what is not [selector] [@|@@]host[:port], saying why", () => {
    expect(parseRemote("*.* @fd00::1")).toBe("not [selector] [@|@@]host[:port]");
    expect(parseRemote("a b c")).toBe("not [selector] [@|@@]host[:port]");
    expect(parseRemote("foo.bar @10.0.0.1")).toBe("the selector is not facility.priority");
    expect(parseRemote("*.* @host_name.example")).toBe("the host is not an IPv4 address, a [bracketed] IPv6 address or a host name");
    expect(parseRemote("*.* @[not an address]")).toBe("the host is not an IPv4 address, a [bracketed] IPv6 address or a host name");
    // cloud-init takes port 0 and then leaves it out of the line
    expect(parseRemote("10.0.0.1:0")).toBe("the port is not 1-65535");
    expect(parseRemote("10.0.0.1:65536")).toBe("the port is not 1-65535");
    expect(parseRemote("10.0.0.1\n*.* @evil.example")).toBe("holds control characters");
    expect(parseRemote("10.0.0.1", "a\nb")).toBe("the name holds control characters");
    expect(parseRemote("10.0.0.1 # a # b")).toBe("more than one '#'");
  });

  it("renders the block, skipping refused or empty entries with a warning naming them", () => {
    expect(renderRemotes({ maas: "192.168.1.1", off: "", "bad\nname": "10.0.0.1", juju: "*.* @@10.0.4.1:10514", num: 5 })).toEqual({
      text: "# begin remotes\n*.* @@10.0.4.1:10514 # juju\n*.* @192.168.1.1 # maas\n# end remotes\n",
      problems: ['rsyslog.remotes."bad\\nname": the name holds control characters; skipped', "rsyslog.remotes.num: not a string; skipped"],
    });
    expect(renderRemotes({}).text).toBeUndefined();
  });

  it("renders only lines of the remote grammar, whatever the names and values", () => {
    const line = /^[A-Za-z0-9*,.;!=]+ @{1,2}(\[[0-9a-fA-F:.%]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?( # [^\x00-\x1f\x7f]*)?$/;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), remoteValue, fc.tuple(remoteValue, fc.string()).map(([v, s]) => v + s))), (given) => {
        const { text } = renderRemotes(given);
        if (text === undefined) return;
        const lines = text.split("\n");
        expect(lines.shift()).toBe("# begin remotes");
        expect(lines.pop()).toBe("");
        expect(lines.pop()).toBe("# end remotes");
        for (const l of lines) expect(l).toMatch(line);
      }),
      { numRuns: 2000 },
    );
  });

  it.skipIf(!existsSync(CLOUD_INIT))("renders as cloud-init 22.4.2 does", () => {
    const corpus: [string, string][][] = [
      [
        ["maas", "192.168.1.1"],
        ["juju", "10.0.4.1"],
      ],
      [["v6", "*.info @@[fd00::1]:0514"]],
      [["h", "kern.*;mail.!=err host.example.com:10514 # dropped: the key names it"]],
      [["", "@@x.org # named by its comment"]],
      [["dropped", "*.* @[10.0.0.1]"]],
    ];
    const generated = fc.sample(remotes, 300);
    // cloud-init is handed them by name: it reads its cloud-config.txt back, written with sorted keys
    const byName = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);
    const cases = [...corpus, ...generated].map((c) => [...c].sort(byName));
    const expected = cloudInitRemotes(cases);
    cases.forEach((c, i) => expect(renderRemotes(Object.fromEntries(c)).text, JSON.stringify(c)).toBe(expected[i]));
  });

  it.skipIf(!RSYSLOGD)("renders blocks rsyslogd parses", () => {
    const blocks = fc.sample(remotes, 40).map((c) => renderRemotes(Object.fromEntries(c)).text!);
    const text = blocks.join("");
    const verdict = rsyslogdAccepts(text);
    expect(verdict.ok, verdict.said).toBe(true);
    // and the oracle does say no
    expect(rsyslogdAccepts("foo.bar @10.0.0.1\n").ok).toBe(false);
  });
});
