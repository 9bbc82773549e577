// No secret from a hostile seed reaches anything an unprivileged user can read: status output,
// status.json, result.json, instance-data.json, logs (0640). The console is opened, never created.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agentCommand, boot, isRoot, makeRoot, read, writeSeed } from "./root";

const SECRETS = {
  adminPass: "AdminPass-9f3k",
  randomSeed: "UmFuZG9tU2VlZC1ieXRlcw==",
  metaPassword: "DbPass-77",
  digitsPassword: "987654321",
  chpasswdString: "Tr0ub4dor&3",
  privateKey: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE",
  mountPassword: "MountPass-1",
  urlPassword: "UrlPass-3",
};

const HOSTILE_USER_DATA = `#cloud-config
password: ${SECRETS.digitsPassword}
chpasswd:
  users:
    - "alice:${SECRETS.chpasswdString}"
    - {name: root, type: RANDOM}
ssh_keys: "-----BEGIN OPENSSH PRIVATE KEY-----\\n${SECRETS.privateKey}"
mounts:
  - ["//srv/share", "/mnt", "cifs", "username=u,password=${SECRETS.mountPassword} x"]
phone_home: {url: "ftp://user:${SECRETS.urlPassword}@example.com/"}
runcmd: ["echo ran > /var/tmp/rest-of-boot-ran"]
`;

const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** Runs argv as the unprivileged user nobody. */
function asNobody(argv: string[]): { code: number; stdout: string } {
  const r = spawnSync(NOBODY[0], [...NOBODY.slice(1), ...argv], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  return { code: r.status ?? -1, stdout: r.stdout };
}

describe.skipIf(!isRoot)("secrets from a hostile seed, as an unprivileged user sees the root", () => {
  let root: string;
  beforeAll(() => {
    root = makeRoot();
    chmodSync(root, 0o755);
    const drive = join(root, "var/lib/cloud/seed/config_drive/openstack/latest");
    mkdirSync(drive, { recursive: true });
    const meta = { uuid: "iid-hostile", hostname: "vm.example", admin_pass: SECRETS.adminPass, random_seed: SECRETS.randomSeed, meta: { db_password: SECRETS.metaPassword, role: "web" } };
    writeFileSync(join(drive, "meta_data.json"), JSON.stringify(meta), { mode: 0o600 });
    writeFileSync(join(drive, "user_data"), HOSTILE_USER_DATA, { mode: 0o600 });
    boot(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const expectNoSecret = (text: string) => {
    for (const [name, secret] of Object.entries(SECRETS)) expect(text.includes(secret), `${name} is readable`).toBe(false);
  };

  it("status --long and --format json name the keys and show no value", () => {
    const [cmd, ...pre] = agentCommand();
    const long = asNobody([cmd, ...pre, "--root", root, "status", "--long"]);
    expect(long.stdout).toContain("set_passwords: password: expected a string, got an integer");
    expect(long.stdout).toContain("set_passwords: chpasswd.users.0: expected a mapping, got a string");
    expect(long.stdout).toContain("ssh: ssh_keys: expected a mapping, got a string");
    expect(long.stdout).toContain("mounts.0: a field contains white space");
    expect(long.stdout).toContain("phone_home.url: expected an http(s) URL");
    expectNoSecret(long.stdout);
    const json = asNobody([cmd, ...pre, "--root", root, "status", "--format", "json"]);
    expect(JSON.parse(json.stdout).status).toBe("error");
    expectNoSecret(json.stdout);
  });

  it("no file the user can read holds a secret; what it cannot read is root's", () => {
    const readable = asNobody(["find", root, "-type", "f", "-readable"]).stdout.split("\n").filter(Boolean);
    for (const file of ["var/lib/cloud/data/status.json", "var/lib/cloud/data/result.json", "run/cloud-init/instance-data.json"]) {
      expect(readable).toContain(join(root, file));
    }
    expectNoSecret(asNobody(["find", root, "-type", "f", "-readable", "-exec", "cat", "{}", "+"]).stdout);
    for (const log of ["var/log/cloud-init.log", "var/log/cloud-init-output.log"]) expect(statSync(join(root, log)).mode & 0o777).toBe(0o640);
    const publicData = JSON.parse(read(root, "run/cloud-init/instance-data.json"));
    expect(publicData.sensitive_keys).toEqual(expect.arrayContaining(["ds/meta_data/admin_pass", "ds/meta_data/random_seed", "ds/meta_data/meta/db_password"]));
    expect(publicData.ds.meta_data.meta.role).toBe("web");
    expect(JSON.parse(read(root, "run/cloud-init/instance-data-sensitive.json")).ds.meta_data.admin_pass).toBe(SECRETS.adminPass);
  });

  it("with no console, the RANDOM password is not set and the log says so without a password; the boot goes on", () => {
    expect(existsSync(join(root, "dev/console"))).toBe(false);
    const log = read(root, "var/log/cloud-init.log");
    expect(log).toContain("there is no console to show the generated (RANDOM) passwords on; the passwords of root were not changed");
    expect(log).not.toMatch(/root:[^\s]{20}/);
    expect(existsSync(join(root, "var/tmp/rest-of-boot-ran"))).toBe(true);
  });

  it("with no /dev/urandom device, the meta-data's random_seed is not written into a file of that name", () => {
    expect(existsSync(join(root, "dev/urandom"))).toBe(false);
    expect(read(root, "var/log/cloud-init.log")).toContain("random_seed.file: /dev/urandom is not a character device here; the seed was not written");
  });
});

describe.skipIf(!isRoot)("logs and the console in a throwaway root", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    mkdirSync(join(root, "var/log"), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("a log that existed 0644 becomes 0640 and keeps its lines", () => {
    for (const log of ["cloud-init.log", "cloud-init-output.log"]) writeFileSync(join(root, "var/log", log), "older line\n", { mode: 0o644 });
    writeSeed(root, { "meta-data": "instance-id: i-logs\n", "user-data": "#cloud-config\nruncmd: [echo hello]\n" });
    boot(root);
    for (const log of ["cloud-init.log", "cloud-init-output.log"]) {
      const file = join(root, "var/log", log);
      expect(statSync(file).mode & 0o777).toBe(0o640);
      expect(readFileSync(file, "utf8")).toMatch(/^older line\n./);
    }
  });

  it("a symlink in a log's place is not followed: the target is neither written nor made readable", () => {
    writeFileSync(join(root, "etc/target"), "untouched\n", { mode: 0o600 });
    symlinkSync("/etc/target", join(root, "var/log/cloud-init.log"));
    writeSeed(root, { "meta-data": "instance-id: i-link\n" });
    const results = boot(root);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(results[0].stderr).toContain("/var/log/cloud-init.log is a symlink or not a plain file; refusing to write to it");
    expect(readFileSync(join(root, "etc/target"), "utf8")).toBe("untouched\n");
    expect(statSync(join(root, "etc/target")).mode & 0o777).toBe(0o600);
  });

  it("a regular file or a FIFO at /dev/console is no console: nothing is written to it, nothing blocks", () => {
    mkdirSync(join(root, "dev"));
    writeFileSync(join(root, "dev/console"), "");
    writeSeed(root, { "meta-data": "instance-id: i-console\n", "user-data": "#cloud-config\nchpasswd: {users: [{name: root, type: RANDOM}]}\n" });
    boot(root);
    expect(readFileSync(join(root, "dev/console"), "utf8")).toBe("");
    expect(read(root, "var/log/cloud-init.log")).toContain("no console to show the generated (RANDOM) passwords on");

    rmSync(join(root, "dev/console"));
    expect(spawnSync("mkfifo", [join(root, "dev/console")]).status).toBe(0);
    writeSeed(root, { "meta-data": "instance-id: i-console-fifo\n", "user-data": "#cloud-config\nchpasswd: {users: [{name: root, type: RANDOM}]}\n" });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "var/log/cloud-init.log").match(/no console to show/g)).toHaveLength(2);
  });
});
