// collect-logs on a root booted by the built agent: cloud-init's tarball layout, and no
// password, token or user-data in a default tarball (only with -u).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lchownSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agent, agentCommand, boot, isRoot, makeRoot, writeSeed } from "./root";

const PASSWORD = "Tarball-Pa55word-never";
const SECRET = "user-data-secret-token-77";

describe.skipIf(!isRoot)("collect-logs", () => {
  let root: string;
  beforeAll(() => {
    root = makeRoot();
    writeSeed(root, {
      "meta-data": "instance-id: iid-logs\n",
      "user-data": `#cloud-config\nchpasswd: {expire: false, users: [{name: root, password: ${PASSWORD}, type: text}]}\nwrite_files: [{path: /var/tmp/token, content: ${SECRET}, permissions: '0600'}]\n`,
    });
    boot(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** The tarball's files (path under its one directory → content). */
  function unpack(tarball: string): Record<string, string> {
    const out = mkdtempSync(join(tmpdir(), "logs-"));
    execFileSync("tar", ["xzf", join(root, tarball), "-C", out]);
    const [top] = execFileSync("ls", [out], { encoding: "utf8" }).trim().split("\n");
    expect(top).toMatch(/^cloud-init-logs-\d{4}-\d\d-\d\d$/);
    const files = execFileSync("find", [join(out, top), "-type", "f"], { encoding: "utf8" }).trim().split("\n");
    const read = Object.fromEntries(files.map((f) => [f.slice(join(out, top).length + 1), readFileSync(f, "utf8")]));
    rmSync(out, { recursive: true, force: true });
    return read;
  }

  it("a default tarball: logs, /run/cloud-init, versions, status --long; no password, no user-data, 0600", () => {
    expect(agent(root, ["collect-logs", "-t", "/var/tmp/logs.tgz"])).toMatchObject({ code: 0, stdout: "Wrote /var/tmp/logs.tgz\n" });
    expect((statSync(join(root, "var/tmp/logs.tgz")).mode & 0o777).toString(8)).toBe("600");
    const files = unpack("var/tmp/logs.tgz");
    for (const f of ["cloud-init.log", "cloud-init-output.log", "version", "dpkg-version", "status.txt", "journal.txt", "dmesg.txt", "run/cloud-init/instance-data.json", "run/cloud-init/status.json"]) expect(Object.keys(files)).toContain(f);
    expect(files["status.txt"]).toBe(agent(root, ["status", "--long"]).stdout);
    expect(files.version).toMatch(/^cloud-agent \d/);
    expect(Object.keys(files)).not.toContain("run/cloud-init/instance-data-sensitive.json");
    expect(Object.keys(files)).not.toContain("user-data.txt");
    for (const [name, text] of Object.entries(files)) {
      expect(text.includes(PASSWORD), `${name} holds the password`).toBe(false);
      expect(text.includes(SECRET), `${name} holds the user-data secret`).toBe(false);
    }
    // -r, cloud-init's opt-in to redaction, is accepted: the same tarball
    expect(agent(root, ["collect-logs", "-r", "-t", "/var/tmp/logs-r.tgz"]).code).toBe(0);
    expect(Object.keys(unpack("var/tmp/logs-r.tgz")).sort()).toEqual(Object.keys(files).sort());
  });

  it("-u adds user-data and the sensitive instance data", () => {
    expect(agent(root, ["collect-logs", "-u", "-t", "/var/tmp/logs-u.tgz"]).code).toBe(0);
    const files = unpack("var/tmp/logs-u.tgz");
    expect(files["user-data.txt"]).toContain(PASSWORD);
    expect(Object.keys(files)).toContain("run/cloud-init/instance-data-sensitive.json");
  });

  it("a link a user planted where the tarball goes is refused, and its target is untouched", () => {
    writeFileSync(join(root, "etc/victim"), "precious\n");
    // /var/tmp as it is on a machine: anyone's; the link is nobody's
    chmodSync(join(root, "var/tmp"), 0o1777);
    symlinkSync("/etc/victim", join(root, "var/tmp/planted.tgz"));
    lchownSync(join(root, "var/tmp/planted.tgz"), 65534, 65534);
    const r = agent(root, ["collect-logs", "-t", "/var/tmp/planted.tgz"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^collect-logs: could not write \/var\/tmp\/planted\.tgz: /);
    expect(readFileSync(join(root, "etc/victim"), "utf8")).toBe("precious\n");
  });

  it("refuses to run as another user than root", () => {
    const [cmd, ...pre] = agentCommand();
    const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", cmd, ...pre, "--root", root, "collect-logs", "-t", "/tmp/x.tgz"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("run cloud-init collect-logs as root");
    expect(existsSync(join(root, "tmp/x.tgz"))).toBe(false);
  });
});
