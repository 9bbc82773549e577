// resolv_conf with the built agent in a throwaway root whose os-release says RHEL (cloud-init
// runs the module on RHEL, Fedora, SUSE, Alpine, Photon and Mariner only): the file written
// from the built-in layout and from the image's template, a symlink left alone, and the
// module skipped, with its reason, on Debian.
import { copyFileSync, existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, makeRoot, read, writeSeed } from "./root";

const TEMPLATE = "/var/cache/cloud-agent/rootfs-bookworm-v3-cloud-init/etc/cloud/templates/resolv.conf.tmpl";

const RESOLV_CONF = {
  manage_resolv_conf: true,
  resolv_conf: {
    nameservers: ["192.0.2.53", "2001:db8::53", "192.0.2.54\nnameserver 203.0.113.66"],
    searchdomains: ["corp.example.com", "example.com"],
    domain: "corp.example.com",
    sortlist: ["192.0.2.0/255.255.255.0"],
    options: { rotate: true, timeout: 2, edns0: false, "ndots 9": 1 },
  },
};

describe.skipIf(!isRoot)("resolv_conf in a throwaway root", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    // the module list where cloud-init's generic cloud.cfg has it: our Debian cloud.cfg has none
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-resolv-conf.cfg"), "cloud_init_modules: [update_etc_hosts, resolv_conf, ca_certs]\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function bootAs(distro: "rhel" | "debian", cloudConfig: object = RESOLV_CONF) {
    if (distro === "rhel") writeFileSync(join(root, "etc/os-release"), 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.3"\n');
    writeSeed(root, { "meta-data": "instance-id: iid-resolv\n", "user-data": `#cloud-config\n${JSON.stringify(cloudConfig)}\n` });
    return boot(root);
  }

  it("writes /etc/resolv.conf from checked values on RHEL, leaving out and naming the rest", () => {
    expect(bootAs("rhel").map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const text = read(root, "etc/resolv.conf");
    expect(text.split("\n").filter((l) => !l.startsWith("#"))).toEqual([
      "nameserver 192.0.2.53",
      "nameserver 2001:db8::53",
      "",
      "search corp.example.com example.com",
      "domain corp.example.com",
      "",
      "sortlist 192.0.2.0/255.255.255.0",
      "options rotate timeout:2",
      "",
    ]);
    expect(text).not.toContain("203.0.113.66");
    expect(statSync(join(root, "etc/resolv.conf")).mode & 0o7777).toBe(0o644);
    const log = read(root, "var/log/cloud-init.log");
    expect(log).toContain("resolv_conf.nameservers[2] is not an IP address; left out");
    expect(log).toContain('resolv_conf.options."ndots 9": not an option name; left out');
  });

  it.skipIf(!existsSync(TEMPLATE))("renders the image's /etc/cloud/templates/resolv.conf.tmpl when there is one", () => {
    mkdirSync(join(root, "etc/cloud/templates"), { recursive: true });
    copyFileSync(TEMPLATE, join(root, "etc/cloud/templates/resolv.conf.tmpl"));
    bootAs("rhel");
    // cloud-init's own rendering of these values (its header, and its blank after each search and sortlist entry)
    expect(read(root, "etc/resolv.conf")).toBe(
      "# Your system has been configured with 'manage-resolv-conf' set to true.\n# As a result, cloud-init has written this file with configuration data\n# that it has been provided. Cloud-init, by default, will write this file\n# a single time (PER_ONCE).\n#\n" +
        "nameserver 192.0.2.53\nnameserver 2001:db8::53\n\nsearch corp.example.com example.com \ndomain corp.example.com\n\nsortlist 192.0.2.0/255.255.255.0 \noptions rotate timeout:2\n",
    );
  });

  it("never writes through a symlinked /etc/resolv.conf, and says so", () => {
    symlinkSync("../run/systemd/resolve/stub-resolv.conf", join(root, "etc/resolv.conf"));
    bootAs("rhel");
    expect(lstatSync(join(root, "etc/resolv.conf")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, "etc/resolv.conf"))).toBe("../run/systemd/resolve/stub-resolv.conf");
    expect(existsSync(join(root, "run/systemd/resolve/stub-resolv.conf"))).toBe(false);
    const status = agent(root, ["status", "--long"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("module resolv_conf failed: /etc/resolv.conf is a symlink to ../run/systemd/resolve/stub-resolv.conf, which another service manages: not written");
  });

  it("is skipped on Debian, with the reason", () => {
    writeFileSync(join(root, "etc/resolv.conf"), "nameserver 10.0.0.1\n");
    expect(bootAs("debian").map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "etc/resolv.conf")).toBe("nameserver 10.0.0.1\n");
    expect(read(root, "var/log/cloud-init.log")).toContain("skipping resolv_conf: not verified on distro debian");
  });
});
