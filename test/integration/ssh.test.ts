// The ssh module with the real ssh-keygen in a Debian root: fresh host keys (RSA finished in
// the background before the stage ends), given keys installed as they are, and the cloud's
// public keys for the default user and, fenced off, for root. A home that outlived its instance
// may hold links its user planted: root's key writes and reads refuse them, and say so.
import { execFileSync } from "node:child_process";
import { appendFileSync, linkSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { tempName } from "../../src/host/replace-file";
import { agent, agentAsync, bootAsync, finished, shim, STAGES } from "./root";

const unsupported = bootUnsupported();
const CLOUD_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMetaDataKey000000000000000000000000000 cloud";
const USER_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQUserDataKey00000000000 user";

describe.skipIf(unsupported)("ssh in a Debian root", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  afterEach(() => m?.dispose());

  function bootWith(userData: string) {
    m = prepareMachine("agent");
    m.writeSeed({ "meta-data": `instance-id: iid-ssh\npublic-keys:\n  - ${CLOUD_KEY}\n`, "user-data": userData });
    const before = m.read("etc/ssh/ssh_host_ed25519_key.pub");
    const codes = [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]].map((args) => agent(m.root, args).code);
    return { before, codes };
  }

  it("replaces the image's host keys with fresh ones of every default type", () => {
    const { before, codes } = bootWith("#cloud-config\n{}\n");
    expect(codes).toEqual([0, 0, 0, 0]);
    for (const type of ["rsa", "ecdsa", "ed25519"]) {
      expect(statSync(m.path(`etc/ssh/ssh_host_${type}_key`)).mode & 0o777).toBe(0o600);
      expect(statSync(m.path(`etc/ssh/ssh_host_${type}_key.pub`)).mode & 0o777).toBe(0o644);
      execFileSync("chroot", [m.root, "ssh-keygen", "-l", "-f", `/etc/ssh/ssh_host_${type}_key`]);
    }
    expect(m.read("etc/ssh/ssh_host_ed25519_key.pub")).not.toBe(before);
    expect(m.read("etc/ssh/ssh_host_rsa_key.pub")).toMatch(/^ssh-rsa /);
    expect(m.read("var/log/cloud-init-output.log")).toMatch(/Generated ed25519 host key: 256 SHA256:/);
  });

  it("gives the cloud's and the user-data's keys to the default user, and to root behind a refusal", () => {
    const { codes } = bootWith(`#cloud-config\nssh_authorized_keys: ['${USER_KEY}']\n`);
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(m.read("home/debian/.ssh/authorized_keys")).toBe(`${CLOUD_KEY}\n${USER_KEY}\n`);
    const root = m.read("root/.ssh/authorized_keys");
    expect(root).toContain(`command="echo 'Please login as the user \\"debian\\" rather than the user \\"root\\".';echo;sleep 10;exit 142" ${CLOUD_KEY}`);
  });

  it("installs ssh_keys as given and generates nothing", () => {
    const { codes } = bootWith("#cloud-config\nssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    given\n  ed25519_public: ssh-ed25519 AAAAgiven host\n");
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(m.read("etc/ssh/ssh_host_ed25519_key.pub")).toBe("ssh-ed25519 AAAAgiven host");
    expect(m.exists("etc/ssh/ssh_host_rsa_key")).toBe(false);
  });

  // finding: a power cut after the keys were made left them empty, the next boot kept them, and sshd failed
  it("a host key a power cut emptied is made again on the next boot, with a warning; the others stay", async () => {
    bootWith("#cloud-config\n{}\n");
    const ecdsa = m.read("etc/ssh/ssh_host_ecdsa_key");
    writeFileSync(m.path("etc/ssh/ssh_host_ed25519_key"), "");
    writeFileSync(m.path("etc/ssh/ssh_host_rsa_key.pub"), "ssh-rsa AAAAB3Nza");
    // what an interrupted generation leaves: its hidden working directory
    const stale = m.path(`etc/ssh/${tempName("ssh_host_rsa_key")}`);
    mkdirSync(stale);
    writeFileSync(`${stale}/key`, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    const runs = await bootAsync(m.root);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    for (const type of ["rsa", "ecdsa", "ed25519"]) execFileSync("chroot", [m.root, "ssh-keygen", "-l", "-f", `/etc/ssh/ssh_host_${type}_key`]);
    const derived = execFileSync("chroot", [m.root, "ssh-keygen", "-y", "-f", "/etc/ssh/ssh_host_rsa_key"], { encoding: "utf8" });
    expect(m.read("etc/ssh/ssh_host_rsa_key.pub").split(" ").slice(0, 2)).toEqual(derived.trim().split(" ").slice(0, 2));
    expect(m.read("etc/ssh/ssh_host_ecdsa_key")).toBe(ecdsa);
    expect(readdirSync(m.path("etc/ssh")).filter((n) => n.startsWith("."))).toEqual([]);
    const log = m.read("var/log/cloud-init.log");
    expect(log).toContain("ed25519 host key unusable (/etc/ssh/ssh_host_ed25519_key is empty); made again");
    expect(log).toContain("rsa host key unusable (/etc/ssh/ssh_host_rsa_key.pub does not match it); made again");
  }, 60_000);

  // finding: with dsmode local the RSA key is still being made in the background when the
  // init stage starts in the same boot process; that stage's sweep took its working directory
  it("dsmode local under the boot process: the RSA key made in the background survives the later stages", async () => {
    m = prepareMachine("agent");
    m.writeSeed({ "meta-data": "instance-id: iid-ssh-local\ndsmode: local\n", "user-data": "#cloud-config\n{}\n" });
    const main = agentAsync(m.root, ["boot"]);
    const exited = finished(main);
    expect(STAGES.map(([stage, args]) => [stage, shim(m.root, stage, args).code])).toEqual(STAGES.map(([stage]) => [stage, 0]));
    expect((await exited).code).toBe(0);
    for (const type of ["rsa", "ecdsa", "ed25519"]) execFileSync("chroot", [m.root, "ssh-keygen", "-l", "-f", `/etc/ssh/ssh_host_${type}_key`]);
    expect(agent(m.root, ["status"]).stdout).toBe("status: done\n");
  }, 60_000);

  /** The four stages in one boot process under their shims, as systemd runs them. */
  async function bootProcess(userData: string): Promise<string> {
    m = prepareMachine("agent");
    m.writeSeed({ "meta-data": "instance-id: iid-ssh-ahead\nlocal-hostname: ahead-host\n", "user-data": userData });
    const main = agentAsync(m.root, ["boot"]);
    const exited = finished(main);
    expect(STAGES.map(([stage, args]) => [stage, shim(m.root, stage, args).code])).toEqual(STAGES.map(([stage]) => [stage, 0]));
    expect((await exited).code).toBe(0);
    expect(readdirSync(m.path("etc/ssh")).filter((n) => n.startsWith("."))).toEqual([]);
    return m.read("var/log/cloud-init.log");
  }

  it("a new instance's RSA key is started in the local stage and placed by the ssh module, with its comment then", async () => {
    const log = await bootProcess("#cloud-config\n{}\n");
    const local = log.slice(log.indexOf("running 'init-local'"), log.indexOf("running 'init' "));
    expect(local).toContain("module ssh: started its work ahead");
    const derived = execFileSync("chroot", [m.root, "ssh-keygen", "-y", "-f", "/etc/ssh/ssh_host_rsa_key"], { encoding: "utf8" });
    const pub = m.read("etc/ssh/ssh_host_rsa_key.pub");
    expect(pub.split(" ").slice(0, 2)).toEqual(derived.trim().split(" ").slice(0, 2));
    // the hostname when the module ran (here the test machine's: set_hostname cannot change it
    // from a chroot), not the one the key was made under; in the private key too
    expect(pub.trim().split(" ")[2]).toBe(`root@${hostname()}`);
    expect(execFileSync("chroot", [m.root, "ssh-keygen", "-l", "-f", "/etc/ssh/ssh_host_rsa_key"], { encoding: "utf8" })).toContain(`root@${hostname()}`);
    expect(statSync(m.path("etc/ssh/ssh_host_rsa_key")).mode & 0o777).toBe(0o600);
  }, 60_000);

  it("the RSA key made ahead is discarded when the user-data wants none, or gives its own keys", async () => {
    await bootProcess("#cloud-config\nssh_genkeytypes: [ed25519]\n");
    expect(m.exists("etc/ssh/ssh_host_rsa_key")).toBe(false);
    expect(m.exists("etc/ssh/ssh_host_ed25519_key")).toBe(true);
    m.dispose();
    await bootProcess("#cloud-config\nssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    given\n  ed25519_public: ssh-ed25519 AAAAgiven host\n");
    expect(m.exists("etc/ssh/ssh_host_rsa_key")).toBe(false);
    expect(m.read("etc/ssh/ssh_host_ed25519_key.pub")).toBe("ssh-ed25519 AAAAgiven host");
  }, 60_000);

  it("disable_root: false gives root the keys as they are; allow_public_ssh_keys: false leaves the cloud's out", () => {
    bootWith(`#cloud-config\ndisable_root: false\nallow_public_ssh_keys: false\nssh_authorized_keys: ['${USER_KEY}']\n`);
    expect(m.read("root/.ssh/authorized_keys")).toBe(`${USER_KEY}\n`);
  });
});

const SHADOW_MARKER = "leakcheck:$6$ShadowMarkerNotForUsers$0123456789abcdef:19000:0:99999:7:::";

describe.skipIf(unsupported)("ssh keys into a home holding links its user planted", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  let uid: number;
  afterEach(() => m?.dispose());

  /** debian's home exists from an earlier instance, with whatever `plant` leaves in it (as debian). */
  // awaited stage by stage (bootAsync: /run starts empty as on a real boot), so the test worker
  // answers vitest between stages: these boots together run longer than its RPC timeout
  async function bootWithPlanted(plant: (ssh: string) => void) {
    m = prepareMachine("agent");
    execFileSync("chroot", [m.root, "useradd", "-m", "-s", "/bin/bash", "debian"]);
    appendFileSync(m.path("etc/shadow"), `${SHADOW_MARKER}\n`);
    uid = Number(execFileSync("chroot", [m.root, "id", "-u", "debian"], { encoding: "utf8" }));
    plant(m.path("home/debian/.ssh"));
    const before = { shadow: readFileSync(m.path("etc/shadow"), "utf8"), passwd: readFileSync(m.path("etc/passwd"), "utf8") };
    m.writeSeed({ "meta-data": `instance-id: iid-planted\npublic-keys:\n  - ${CLOUD_KEY}\n`, "user-data": "#cloud-config\nruncmd: [touch /var/tmp/runcmd-ran]\n" });
    const runs = await bootAsync(m.root);
    const status = agent(m.root, ["status", "--long"]).stdout;
    return { before, runs, status };
  }

  const asDebian = (p: string) => lchownSync(p, uid, uid);
  function userDir(ssh: string) {
    mkdirSync(ssh);
    asDebian(ssh);
  }

  /** Every file the boot wrote that debian, or anyone, can read: none holds the shadow line. */
  function expectNoShadowLeak(runs: { stdout: string; stderr: string }[]) {
    const marker = "ShadowMarkerNotForUsers";
    for (const r of runs) expect(r.stdout + r.stderr).not.toContain(marker);
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
    const readable = walk(join(m.dir, "upper")).filter((f) => {
      const st = lstatSync(f);
      return (st.mode & 0o004) !== 0 || st.uid === uid;
    });
    expect(readable.length).toBeGreaterThan(10);
    for (const f of readable) expect(readFileSync(f, "latin1").includes(marker), f).toBe(false);
  }

  function expectOthersRan() {
    expect(m.read("root/.ssh/authorized_keys")).toContain(CLOUD_KEY);
    expect(m.exists("var/tmp/runcmd-ran")).toBe(true);
  }

  it("authorized_keys -> ../../../etc/shadow: refused, shadow untouched and unread", async () => {
    const { before, runs, status } = await bootWithPlanted((ssh) => {
      userDir(ssh);
      symlinkSync("../../../etc/shadow", `${ssh}/authorized_keys`);
      asDebian(`${ssh}/authorized_keys`);
    });
    expect(readFileSync(m.path("etc/shadow"), "utf8")).toBe(before.shadow);
    expect(statSync(m.path("etc/shadow")).uid).toBe(0);
    expect(lstatSync(m.path("home/debian/.ssh/authorized_keys")).isSymbolicLink()).toBe(true);
    expect(status).toContain("authorized_keys of user debian: /home/debian/.ssh/authorized_keys is a symlink; refused");
    expect(status).toContain("user debian: /home/debian/.ssh/authorized_keys is a symlink; refused");
    expectNoShadowLeak(runs);
    expectOthersRan();
  });

  it("~/.ssh -> /etc/cron.daily: refused, nothing lands in /etc/cron.daily", async () => {
    let cronBefore: string[] = [];
    const { status } = await bootWithPlanted((ssh) => {
      cronBefore = readdirSync(m.path("etc/cron.daily"));
      symlinkSync("../../etc/cron.daily", ssh);
      asDebian(ssh);
    });
    expect(readdirSync(m.path("etc/cron.daily"))).toEqual(cronBefore);
    expect(status).toContain("authorized_keys of user debian: /home/debian/.ssh is a symlink in a directory a user controls; refused");
    expectOthersRan();
  });

  it("authorized_keys.tmp-<pid> -> /etc/passwd for every pid: passwd untouched, keys written under a random name", async () => {
    const pidMax = Math.min(Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")), 65536);
    const { before, status } = await bootWithPlanted((ssh) => {
      userDir(ssh);
      for (let pid = 1; pid <= pidMax; pid++) symlinkSync("../../../etc/passwd", `${ssh}/authorized_keys.tmp-${pid}`);
    });
    expect(readFileSync(m.path("etc/passwd"), "utf8")).toBe(before.passwd);
    expect(statSync(m.path("etc/passwd")).uid).toBe(0);
    expect(m.read("home/debian/.ssh/authorized_keys")).toBe(`${CLOUD_KEY}\n`);
    const file = statSync(m.path("home/debian/.ssh/authorized_keys"));
    expect([file.uid, file.mode & 0o777]).toEqual([uid, 0o600]);
    expect(readdirSync(m.path("home/debian/.ssh")).filter((n) => n.includes(".tmp-")).length).toBe(pidMax);
    expect(status).not.toContain("authorized_keys of user");
  });

  // users_groups locks debian's password first, and passwd rewrites /etc/shadow: the planted
  // link is then the only name of the old shadow file, still root's 0640. gshadow stays linked.
  it.each([
    ["etc/shadow", /authorized_keys of user debian: \/home\/debian\/.ssh\/authorized_keys belongs to uid 0, not to uid \d+, and is not world-readable; refused/],
    ["etc/gshadow", /authorized_keys of user debian: \/home\/debian\/.ssh\/authorized_keys has 2 hard links; refused/],
  ])("authorized_keys hard-linked to /%s: refused, not read, not printed", async (target, refusal) => {
    const { before, runs, status } = await bootWithPlanted((ssh) => {
      appendFileSync(m.path("etc/gshadow"), "leakgroup:!ShadowMarkerNotForUsers::\n");
      userDir(ssh);
      linkSync(m.path(target), `${ssh}/authorized_keys`);
    });
    expect(readFileSync(m.path("etc/shadow"), "utf8")).toBe(before.shadow);
    expect(statSync(m.path(target)).uid).toBe(0);
    expect(status).toMatch(refusal);
    expect(status).toMatch(new RegExp(`ssh_authkey_fingerprints.*user debian: ${refusal.source.replace(/^authorized_keys of user debian: /, "")}`));
    expectNoShadowLeak(runs);
    expectOthersRan();
  });
});
