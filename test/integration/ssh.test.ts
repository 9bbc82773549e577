// The ssh module with the real ssh-keygen in a Debian root: fresh host keys (RSA finished in
// the background before the stage ends), given keys installed as they are, and the cloud's
// public keys for the default user and, fenced off, for root.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent } from "./root";

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

  it("disable_root: false gives root the keys as they are; allow_public_ssh_keys: false leaves the cloud's out", () => {
    bootWith(`#cloud-config\ndisable_root: false\nallow_public_ssh_keys: false\nssh_authorized_keys: ['${USER_KEY}']\n`);
    expect(m.read("root/.ssh/authorized_keys")).toBe(`${USER_KEY}\n`);
  });
});
