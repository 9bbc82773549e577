// set_passwords with the real chpasswd and passwd in a Debian root: text, hashed (yescrypt
// and sha512) and RANDOM passwords, expiry, ssh_pwauth; no password in a log or in argv.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent } from "./root";
import { randomPassword, setOption } from "../../modules/set-passwords";

const unsupported = bootUnsupported();
const SHA512 = "$6$rounds=5000$saltsalt$Vq8t6JPfGGEmq9w3k3bPZJpjo9F3eM5nIoS1U0mS0Jf2NEq2K3qWjA4UoE5e3q8GjXcK6L5h7r9Y0dFh0n1M4/";

describe("pure parts", () => {
  it("random passwords are 20 characters with every character class", () => {
    for (let i = 0; i < 20; i++) {
      const pw = randomPassword();
      expect(pw).toHaveLength(20);
      for (const re of [/\d/, /[a-z]/, /[A-Z]/, /[^A-Za-z0-9]/]) expect(pw).toMatch(re);
    }
  });
  it("sets an sshd option in place or appends it", () => {
    expect(setOption("Port 22\npasswordauthentication no\n", "PasswordAuthentication", "yes")).toBe("Port 22\nPasswordAuthentication yes\n");
    expect(setOption("", "PasswordAuthentication", "no")).toBe("PasswordAuthentication no\n");
  });
});

describe.skipIf(unsupported)("set_passwords in a Debian root", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  let yescrypt: string;
  beforeAll(() => {
    m = prepareMachine("agent");
    yescrypt = execFileSync("chroot", [m.root, "perl", "-e", "print crypt('hashed pw', '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$')"], { encoding: "utf8" });
    const userData = `#cloud-config
users: [default, {name: ann}, {name: bob}, {name: cy}, {name: dee}]
chpasswd:
  users:
    - {name: ann, password: "plain pw", type: text}
    - {name: bob, password: '${yescrypt}'}
    - {name: cy, password: '${SHA512}'}
    - {name: dee, type: RANDOM}
ssh_pwauth: true
`;
    m.writeSeed({ "meta-data": "instance-id: iid-pw\n", "user-data": userData });
    for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]]) agent(m.root, args);
  }, 120_000);
  afterAll(() => m?.dispose());

  const shadow = (name: string) => m.read("etc/shadow").split("\n").find((l: string) => l.startsWith(`${name}:`)).split(":");
  const verify = (pw: string, hash: string) => execFileSync("chroot", [m.root, "perl", "-e", "print crypt($ARGV[0], $ARGV[1])", pw, hash], { encoding: "utf8" }) === hash;

  it("sets a text password the system can verify, and expires it", () => {
    const [, hash, lastChange] = shadow("ann");
    expect(verify("plain pw", hash)).toBe(true);
    expect(lastChange).toBe("0");
  });

  it("installs yescrypt and sha512 hashes as hashes", () => {
    expect(yescrypt).toMatch(/^\$y\$j9T\$/);
    expect(shadow("bob")[1]).toBe(yescrypt);
    expect(verify("hashed pw", shadow("bob")[1])).toBe(true);
    expect(shadow("cy")[1]).toBe(SHA512);
  });

  it("gives RANDOM a real password and writes it to no log", () => {
    const hash = shadow("dee")[1];
    expect(hash).toMatch(/^\$/);
    const logs = m.read("var/log/cloud-init.log") + m.read("var/log/cloud-init-output.log");
    expect(logs).not.toMatch(/Set the following 'random' passwords/);
    expect(logs).not.toContain("plain pw");
  });

  it("turns on password authentication in the sshd drop-in", () => {
    expect(m.read("etc/ssh/sshd_config.d/50-cloud-init.conf")).toBe("PasswordAuthentication yes\n");
    expect(agent(m.root, ["status"]).stdout).toBe("status: done\n");
  });
});

describe.skipIf(unsupported)("set_passwords in a Debian root without a console", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  let status: { code: number; stdout: string };
  beforeAll(() => {
    m = prepareMachine("agent");
    rmSync(m.path("dev/console"));
    const userData = `#cloud-config
users: [default, {name: ann}, {name: dee}]
chpasswd:
  users:
    - {name: ann, password: "plain pw", type: text}
    - {name: dee, type: RANDOM}
`;
    m.writeSeed({ "meta-data": "instance-id: iid-pw-noconsole\n", "user-data": userData });
    for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]]) agent(m.root, args);
    status = agent(m.root, ["status", "--long"]);
  }, 120_000);
  afterAll(() => m?.dispose());

  const shadow = (name: string) => m.read("etc/shadow").split("\n").find((l: string) => l.startsWith(`${name}:`)).split(":");

  it("sets the other passwords, leaves the RANDOM one's account as it was, and says why without a password", () => {
    expect(shadow("ann")[1]).toMatch(/^\$/);
    expect(shadow("dee")[1]).not.toMatch(/^\$/);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain("chpasswd: there is no console to show the generated (RANDOM) passwords on; the passwords of dee were not changed");
    expect(m.exists("dev/console")).toBe(false);
    expect(m.read("var/log/cloud-init.log") + m.read("var/log/cloud-init-output.log")).not.toMatch(/dee:\S/);
  });
});
