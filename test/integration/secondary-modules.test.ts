// The modules beyond users and SSH, with the real tools of a Debian root: locale-gen,
// update-ca-certificates, systemctl enable, mkswap, apt-get against a local repository,
// ssh-keygen for the fingerprints; phone_home posts to a listener on loopback.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent, bootAsync } from "./root";

const unsupported = bootUnsupported();
const USER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGr8T2uQDO7cVbGbbnPXhx4KylkOsN2Qn0r4Hr3w+dmF alice@laptop";

function certificate(dir: string): string {
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=cloud-agent test CA", "-days", "2", "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.crt")], { stdio: "ignore" });
  return readFileSync(join(dir, "ca.crt"), "utf8");
}

/** A one-package apt repository in the root, the only source apt knows. */
function localRepository(root: string): void {
  const build = mkdtempSync(join(tmpdir(), "pkg-"));
  mkdirSync(join(build, "DEBIAN"));
  mkdirSync(join(build, "usr/share/cloud-agent-test"), { recursive: true });
  writeFileSync(join(build, "usr/share/cloud-agent-test/installed"), "yes\n");
  writeFileSync(join(build, "DEBIAN/control"), "Package: cloud-agent-test\nVersion: 1.0\nArchitecture: all\nMaintainer: test <t@example.com>\nDescription: test package\n");
  mkdirSync(join(root, "srv/repo"), { recursive: true });
  execFileSync("dpkg-deb", ["--build", build, join(root, "srv/repo/cloud-agent-test_1.0_all.deb")], { stdio: "ignore" });
  rmSync(build, { recursive: true });
  const deb = readFileSync(join(root, "srv/repo/cloud-agent-test_1.0_all.deb"));
  const sha256 = createHash("sha256").update(deb).digest("hex");
  writeFileSync(
    join(root, "srv/repo/Packages"),
    `Package: cloud-agent-test\nVersion: 1.0\nArchitecture: all\nMaintainer: test <t@example.com>\nFilename: ./cloud-agent-test_1.0_all.deb\nSize: ${deb.length}\nSHA256: ${sha256}\nDescription: test package\n\n`,
  );
  writeFileSync(join(root, "etc/apt/sources.list"), "deb [trusted=yes] file:/srv/repo ./\n");
  rmSync(join(root, "etc/apt/sources.list.d"), { recursive: true, force: true });
}

describe.skipIf(unsupported)("secondary modules in a Debian root", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  let status: { code: number; stdout: string };
  let posted = "";
  let cert = "";

  beforeAll(async () => {
    const listener = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        posted = `${req.method} ${req.url}\n${body}`;
        res.end("ok");
      });
    });
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    const port = (listener.address() as AddressInfo).port;
    m = prepareMachine("agent");
    cert = certificate(m.dir);
    localRepository(m.root);
    // power_state's last step, recorded instead of done: this machine must stay up
    writeFileSync(m.path("usr/local/sbin/shutdown"), '#!/bin/sh\necho "$@" > /var/tmp/shutdown-args\n', { mode: 0o755 });
    const userData = {
      users: ["default", { name: "alice", ssh_authorized_keys: [USER_KEY] }],
      random_seed: { file: "/var/tmp/seed", data: "c2VlZC1kYXRh", encoding: "b64", command: ["sh", "-c", 'cp "$RANDOM_SEED_FILE" /var/tmp/seed-seen'] },
      locale: "fr_FR.UTF-8",
      ntp: { servers: ["ntp1.example.com"], pools: ["pool.example.org"] },
      ca_certs: { trusted: [cert, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"] },
      mounts: [["vdz", "/data"], ["LABEL=scratch", "/scratch", "ext4", "defaults"], ["/dev/sdb", "/mnt x"], "not-a-list"],
      swap: { filename: "/swapfile", size: "8M" },
      packages: ["cloud-agent-test", "no-such-package-here"],
      phone_home: { url: `http://127.0.0.1:${port}/phone/$INSTANCE_ID`, post: ["instance_id", "hostname", "pub_key_ed25519"], tries: 2 },
      authkey_hash: "md5",
      power_state: { mode: "poweroff", delay: "+1", message: "bye now", timeout: 5 },
    };
    m.writeSeed({ "meta-data": "instance-id: iid-secondary\nlocal-hostname: side\n", "user-data": `#cloud-config\n${JSON.stringify(userData)}\n` });
    await bootAsync(m.root);
    listener.close();
    status = agent(m.root, ["status", "--long"]);
  }, 300_000);

  afterAll(() => m?.dispose());

  it("ends degraded, naming each bad input, with every module run", () => {
    expect(status.code).toBe(2);
    expect(status.stdout).toContain("extended_status: degraded done");
    expect(status.stdout).toMatch(/ca_certs\.trusted\[1\] is not a PEM certificate/);
    expect(status.stdout).toMatch(/mounts\.2: a field contains white space/);
    expect(status.stdout).toMatch(/mounts\.3: expected a list/);
    expect(status.stdout).toContain("packages apt does not know: no-such-package-here");
  });

  it("seed_random appends decoded data and runs the command with RANDOM_SEED_FILE", () => {
    expect(m.read("var/tmp/seed")).toBe("seed-data");
    expect(m.read("var/tmp/seed-seen")).toBe("seed-data");
    expect(m.mode("var/tmp/seed")).toBe("600");
  });

  it("locale enables, generates and sets the locale", () => {
    expect(m.read("etc/default/locale")).toMatch(/^LANG=fr_FR\.UTF-8$/m);
    expect(m.read("etc/locale.gen")).toMatch(/^fr_FR\.UTF-8 UTF-8$/m);
    expect(execFileSync("chroot", [m.root, "locale", "-a"], { encoding: "utf8" })).toMatch(/^fr_FR\.utf8$/m);
  });

  it("ntp configures systemd-timesyncd, the client this image has, and enables it", () => {
    expect(m.read("etc/systemd/timesyncd.conf.d/cloud-init.conf")).toMatch(/^NTP=ntp1\.example\.com pool\.example\.org$/m);
    expect(m.exists("etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service")).toBe(true);
  });

  it("ca_certs adds the good certificate to the system bundle", () => {
    expect(m.read("usr/local/share/ca-certificates/cloud-init-ca-cert-1.crt")).toBe(cert);
    expect(m.exists("usr/local/share/ca-certificates/cloud-init-ca-cert-2.crt")).toBe(false);
    const body = cert.split("\n").slice(1, 4).join("\n");
    expect(m.read("etc/ssl/certs/ca-certificates.crt")).toContain(body);
  });

  it("mounts writes managed fstab lines and a real swap file, keeping the image's lines", () => {
    const fstab: string[] = m.lines("etc/fstab");
    expect(fstab).toContain("/dev/vdz\t/data\tauto\tdefaults,nofail,x-systemd.after=cloud-agent-network.service,_netdev,comment=cloudconfig\t0\t2");
    expect(fstab).toContain("LABEL=scratch\t/scratch\text4\tdefaults,comment=cloudconfig\t0\t2");
    expect(fstab).toContain("/swapfile\tnone\tswap\tsw,comment=cloudconfig\t0\t0");
    expect(fstab.some((l) => l.includes("mnt x"))).toBe(false);
    expect(m.exists("data")).toBe(true);
    expect(statSync(m.path("swapfile")).size).toBe(8 * 2 ** 20);
    expect(m.mode("swapfile")).toBe("600");
    expect(readFileSync(m.path("swapfile")).subarray(4086, 4096).toString()).toBe("SWAPSPACE2");
  });

  it("package_update_upgrade_install installs what apt knows and reports the rest", () => {
    expect(m.read("usr/share/cloud-agent-test/installed")).toBe("yes\n");
    expect(execFileSync("chroot", [m.root, "dpkg-query", "-W", "-f=${Status}", "cloud-agent-test"], { encoding: "utf8" })).toBe("install ok installed");
  });

  it("phone_home posts the instance id, hostname and host key", () => {
    const key = m.read("etc/ssh/ssh_host_ed25519_key.pub").trim();
    expect(posted.split("\n")[0]).toBe("POST /phone/iid-secondary");
    const form = new URLSearchParams(posted.split("\n")[1]);
    expect(form.get("instance_id")).toBe("iid-secondary");
    expect(form.get("hostname")).toBe("side");
    expect(form.get("pub_key_ed25519")?.trim()).toBe(key);
  });

  it("keys_to_console shows every host key's fingerprint and public key", () => {
    const out = m.read("var/log/cloud-init-output.log");
    const block = /-----BEGIN SSH HOST KEY FINGERPRINTS-----\n([\s\S]*?)-----END SSH HOST KEY FINGERPRINTS-----/.exec(out)?.[1] ?? "";
    for (const type of ["rsa", "ecdsa", "ed25519"]) {
      const fp = execFileSync("chroot", [m.root, "ssh-keygen", "-l", "-f", `/etc/ssh/ssh_host_${type}_key.pub`], { encoding: "utf8" }).trim();
      expect(block).toContain(fp);
      expect(out).toContain(m.read(`etc/ssh/ssh_host_${type}_key.pub`).trim());
    }
  });

  it("ssh_authkey_fingerprints prints the md5 digest ssh-keygen computes for alice's key", () => {
    const out = m.read("var/log/cloud-init-output.log");
    writeFileSync(m.path("var/tmp/alice.pub"), `${USER_KEY}\n`);
    const md5 = execFileSync("chroot", [m.root, "ssh-keygen", "-l", "-E", "md5", "-f", "/var/tmp/alice.pub"], { encoding: "utf8" }).split(" ")[1].replace(/^MD5:/, "");
    expect(out).toMatch(/ci-info: \++Authorized keys from \/home\/alice\/\.ssh\/authorized_keys for user alice\++/);
    expect(out).toContain(`ci-info: | ssh-ed25519 | ${md5} |    -    | alice@laptop |`);
  });

  it("power_state_change runs shutdown after the agent exits, with the message as one argument", async () => {
    for (let i = 0; i < 40 && !m.exists("var/tmp/shutdown-args"); i++) await new Promise((r) => setTimeout(r, 250));
    expect(m.read("var/tmp/shutdown-args")).toBe("-P -- +1 bye now\n");
  });
});

describe.skipIf(unsupported)("secondary modules given bad input", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  let status: { code: number; stdout: string };

  beforeAll(async () => {
    m = prepareMachine("agent");
    const userData = {
      locale: "xx_XX.UTF-8",
      ntp: { servers: ["ntp.example.com\nallow all"] },
      random_seed: { command: ["no-such-seeder"], command_required: true },
      phone_home: { url: "ftp://example.com/$INSTANCE_ID" },
      authkey_hash: "crc32",
      power_state: { mode: "explode" },
      ca_certs: { trusted: ["not a certificate"] },
      swap: { filename: "/swap file", size: "1M" },
      runcmd: ["touch /var/tmp/still-ran"],
    };
    m.writeSeed({ "meta-data": "instance-id: iid-bad\n", "user-data": `#cloud-config\n${JSON.stringify(userData)}\n` });
    await bootAsync(m.root);
    status = agent(m.root, ["status", "--long"]);
  }, 300_000);

  afterAll(() => m?.dispose());

  it("each module fails alone with a message naming the bad key", () => {
    expect(status.code).toBe(1);
    for (const message of [
      "module locale failed: locale xx_XX.UTF-8 is not one glibc supports",
      "module ntp failed: ntp: an entry of servers, pools, peers or allow is not a host name, address or network",
      "module seed_random failed: random_seed command no-such-seeder is not in this image",
      "module phone_home failed: phone_home.url: expected an http(s) URL",
      "module ssh_authkey_fingerprints failed: authkey_hash must be one of",
      "power_state.mode",
      "ca_certs.trusted[0] is not a PEM certificate",
      "swap.filename: expected an absolute path without white space",
    ]) expect(status.stdout).toContain(message);
  });

  it("the rest of the boot ran and nothing was changed by the bad values", () => {
    expect(m.exists("var/tmp/still-ran")).toBe(true);
    expect(m.exists("etc/default/locale") ? m.read("etc/default/locale") : "").not.toContain("xx_XX");
    expect(m.exists("etc/systemd/timesyncd.conf.d/cloud-init.conf")).toBe(false);
    expect(m.exists("var/lib/cloud/instances/iid-bad/boot-finished")).toBe(true);
  });
});
