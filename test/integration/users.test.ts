// users_groups with the real shadow tools (useradd, chpasswd, passwd, visudo) in a real
// Debian root: the built agent runs them through chroot.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent } from "./root";

const unsupported = bootUnsupported();
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOrY9cloudagenttestkey0000000000000000000 ann@laptop";

const USER_DATA = `#cloud-config
groups:
  - devs: [root]
users:
  - default
  - name: ann
    gecos: Ann Example
    groups: devs, adm
    shell: /bin/bash
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    lock_passwd: false
    plain_text_passwd: "s3cret päss"
    ssh_authorized_keys: ['${KEY}']
  - name: "bad;name$(touch /tmp/pwned)"
  - name: eve
    sudo: "ALL=(ALL) ALL\\nALL ALL=(ALL) NOPASSWD:ALL"
  - name: svc
    system: true
    no_create_home: true
`;

describe.skipIf(unsupported)("users_groups in a Debian root", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  let status: { code: number; stdout: string };
  beforeAll(() => {
    m = prepareMachine("agent");
    m.writeSeed({ "meta-data": "instance-id: iid-users\n", "user-data": USER_DATA });
    for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]]) agent(m.root, args);
    status = agent(m.root, ["status", "--long"]);
  }, 120_000);
  afterAll(() => m?.dispose());

  const passwd = (name: string) => m.read("etc/passwd").split("\n").find((l: string) => l.startsWith(`${name}:`));
  const shadow = (name: string) => m.read("etc/shadow").split("\n").find((l: string) => l.startsWith(`${name}:`))?.split(":")[1];

  it("creates the default user with the distro's groups and a locked password", () => {
    expect(passwd("debian")).toMatch(/^debian:x:\d+:\d+:Debian:\/home\/debian:\/bin\/bash$/);
    expect(m.read("etc/group")).toMatch(/^sudo:x:\d+:debian$/m);
    expect(shadow("debian")).toMatch(/^!/);
  });

  it("creates ann with her groups, shell, home, and a password hashed by the system from stdin", () => {
    expect(passwd("ann")).toMatch(/^ann:x:\d+:\d+:Ann Example:\/home\/ann:\/bin\/bash$/);
    expect(m.read("etc/group")).toMatch(/^devs:x:\d+:root,ann$/m);
    const hash = shadow("ann");
    expect(hash).toMatch(/^\$(6|y)\$/);
    const again = execFileSync("chroot", [m.root, "perl", "-e", "print crypt($ARGV[0], $ARGV[1])", "s3cret päss", hash], { encoding: "utf8" });
    expect(again).toBe(hash);
    expect(m.read("var/log/cloud-init.log")).not.toContain("s3cret");
  });

  it("writes authorized_keys with cloud-init's ownership and modes", () => {
    const uid = Number(passwd("ann").split(":")[2]);
    const dir = statSync(m.path("home/ann/.ssh"));
    const file = statSync(m.path("home/ann/.ssh/authorized_keys"));
    expect([dir.mode & 0o777, dir.uid, file.mode & 0o777, file.uid]).toEqual([0o700, uid, 0o600, uid]);
    expect(m.read("home/ann/.ssh/authorized_keys")).toBe(`${KEY}\n`);
  });

  it("writes sudo rules to one 0440 file that visudo accepts", () => {
    const rules = m.read("etc/sudoers.d/90-cloud-init-users");
    expect(rules).toContain("\n# User rules for debian\ndebian ALL=(ALL) NOPASSWD:ALL\n");
    expect(rules).toContain("\n# User rules for ann\nann ALL=(ALL) NOPASSWD:ALL\n");
    expect(statSync(m.path("etc/sudoers.d/90-cloud-init-users")).mode & 0o777).toBe(0o440);
    // a rule with a line break would be two rules, the second one the user's own: none of eve's
    expect(rules).not.toContain("eve");
    expect(rules).not.toMatch(/^ALL ALL/m);
    expect(status.stdout).toContain("user eve: sudo: a rule spans more than one line; no rule of this user applied");
    execFileSync("chroot", [m.root, "visudo", "-c", "-q"]);
  });

  it("a hostile name is refused for that user alone, and no shell ran it", () => {
    expect(m.exists("tmp/pwned")).toBe(false);
    expect(passwd("svc")).toMatch(/^svc:x:\d+:/);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/module users_groups failed: user bad;name\$\(touch \/tmp\/pwned\): useradd exited with \d+/);
  });
});

describe.skipIf(unsupported)("key lines with options in a Debian root", () => {
  const fenced = (n: number) => `from="10.0.0.${n},10.1.0.0/16",command="/usr/local/bin/backup --to a,b",no-pty,no-port-forwarding ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFenced${n}000000000000000000000000000000 backup${n}@host`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  beforeAll(() => {
    m = prepareMachine("agent");
    const userData = `#cloud-config\nssh_authorized_keys: ['${fenced(3)}']\nusers:\n  - name: default\n    ssh_authorized_keys: '${fenced(1)}'\n  - name: bob\n    ssh_authorized_keys: '${fenced(2)}'\n`;
    m.writeSeed({ "meta-data": "instance-id: iid-fenced\n", "user-data": userData });
    for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]]) agent(m.root, args);
  }, 120_000);
  afterAll(() => m?.dispose());

  it("a user's key given as one string keeps its from= and command= restrictions on its line", () => {
    expect(m.read("home/bob/.ssh/authorized_keys")).toBe(`${fenced(2)}\n`);
  });

  it("the default user's keys, from its users entry and from ssh_authorized_keys, keep theirs too", () => {
    expect(m.read("home/debian/.ssh/authorized_keys")).toBe(`${fenced(1)}\n${fenced(3)}\n`);
  });
});
