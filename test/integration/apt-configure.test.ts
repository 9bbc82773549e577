// apt_configure end to end in a Debian root with the real tools: user-data points apt at a
// private signed mirror through a proxy, adds a signed repository whose key comes by id from
// an HKP keyserver, and installs a package from each; every fetch must go through the proxy.
// A second root gets hostile and broken apt settings: each is refused by name, the good entry
// still goes in, nothing hostile reaches a file.
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { AptWorld, type Key } from "./apt-archive";
import { agent, bootAsync } from "./root";

const unsupported = bootUnsupported();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Machine = any;

describe.skipIf(unsupported)("apt_configure in a Debian root", () => {
  const world = new AptWorld();
  let mirrorKey: Key;
  let repoKey: Key;
  let good: Machine;
  let bad: Machine;
  let deb822: Machine;
  let goodStatus: { code: number; stdout: string };
  let badStatus: { code: number; stdout: string };

  beforeAll(async () => {
    mirrorKey = world.makeKey("mirror");
    repoKey = world.makeKey("private-repo");
    const stranger = world.makeKey("stranger");
    world.mirror("debian", ["bookworm"], "from-the-mirror", mirrorKey);
    world.flat("private", "from-the-private-repo", repoKey);
    world.keyserverKeys.set(repoKey.fingerprint, repoKey.armored);
    // a keyserver that answers a lookup with some other key
    world.keyserverKeys.set("0123456789ABCDEF0123456789ABCDEF01234567", stranger.armored);
    await world.start();
    const keyserver = world.keyserverUrl;

    good = prepareMachine("agent");
    const userData = {
      apt: {
        preserve_sources_list: false,
        // the first candidate whose host resolves (cloud-init's search); a name that cannot exist is passed over
        primary: [{ arches: ["default"], search: ["http://no-such-mirror.invalid/debian", world.url("debian")], key: mirrorKey.armored }],
        disable_suites: ["updates", "backports", "security"],
        proxy: world.proxyUrl,
        conf: 'APT::Acquire::Retries "2";\n',
        debconf_selections: { answer: "from-the-mirror from-the-mirror/answer string forty-two" },
        sources: { "private.list": { source: `deb [signed-by=$KEY_FILE] ${world.url("private")} ./`, keyid: repoKey.fingerprint, keyserver } },
      },
      apt_pipelining: false,
      packages: ["from-the-mirror", "from-the-private-repo"],
    };
    good.writeSeed({ "meta-data": "instance-id: iid-apt\n", "user-data": `#cloud-config\n${JSON.stringify(userData)}\n` });
    await bootAsync(good.root);
    goodStatus = agent(good.root, ["status", "--long"]);

    bad = prepareMachine("agent");
    const secret = execFileSync("gpg", ["--homedir", `${world.dir}/gnupg`, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--armor", "--export-secret-keys", "stranger@example.org"], { encoding: "utf8" });
    const hostile = {
      apt: {
        proxy: 'http://127.0.0.1:1";\nAPT::Update::Pre-Invoke {"touch /pwned";};//',
        conf: "APT::Get { broken",
        sources: {
          injected: { source: "deb http://x/debian bookworm main\ndeb http://evil.example/debian bookworm main" },
          escape: { source: "deb http://x/debian bookworm main", filename: "../../cron.d/evil" },
          secret: { source: `deb [signed-by=$KEY_FILE] ${world.url("private")} ./`, key: secret },
          wrongkey: { source: `deb [signed-by=$KEY_FILE] ${world.url("private")} ./`, keyid: "0123456789ABCDEF0123456789ABCDEF01234567", keyserver },
          typo: { source: "deb $MIRORR $RELEASE main" },
          fine: { source: `deb [signed-by=$KEY_FILE] ${world.url("private")} ./`, key: repoKey.armored },
        },
      },
    };
    bad.writeSeed({ "meta-data": "instance-id: iid-apt-bad\n", "user-data": `#cloud-config\n${JSON.stringify(hostile)}\n` });
    await bootAsync(bad.root);
    badStatus = agent(bad.root, ["status", "--long"]);

    // Debian 12's own cloud images keep their sources as deb822 stanzas in debian.sources
    deb822 = prepareMachine("agent");
    writeFileSync(deb822.path("etc/apt/sources.list"), "# Debian sources have moved to /etc/apt/sources.list.d/debian.sources\n");
    writeFileSync(deb822.path("etc/apt/sources.list.d/debian.sources"), "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n");
    const mirrorOnly = { apt: { preserve_sources_list: false, primary: [{ arches: ["default"], uri: "http://mirror.example/debian" }], disable_suites: ["backports"] } };
    deb822.writeSeed({ "meta-data": "instance-id: iid-apt-deb822\n", "user-data": `#cloud-config\n${JSON.stringify(mirrorOnly)}\n` });
    await bootAsync(deb822.root);
  }, 300_000);

  afterAll(() => {
    good?.dispose();
    bad?.dispose();
    deb822?.dispose();
    world.stop();
  });

  it("ends done, with both packages installed from their repositories", () => {
    expect(goodStatus.stdout).toMatch(/^status: done$/m);
    expect(goodStatus.code).toBe(0);
    expect(good.read("usr/share/from-the-mirror/installed")).toBe("from-the-mirror\n");
    expect(good.read("usr/share/from-the-private-repo/installed")).toBe("from-the-private-repo\n");
    const policy = execFileSync("chroot", [good.root, "apt-cache", "policy", "from-the-mirror"], { encoding: "utf8" });
    expect(policy).toContain(`${world.url("debian")} bookworm/main amd64 Packages`);
  });

  it("every fetch went through the proxy; the index was refreshed once for both modules", () => {
    expect(world.proxied).toContain(`${world.url("debian")}/dists/bookworm/InRelease`);
    expect(world.proxied).toContain(`${world.url("debian")}/pool/main/from-the-mirror_1.0_all.deb`);
    expect(world.proxied).toContain(`${world.url("private")}/./from-the-private-repo_1.0_all.deb`);
    expect(world.proxied.filter((u) => u === `${world.url("private")}/./InRelease`)).toHaveLength(1);
    expect(good.read("etc/apt/apt.conf.d/90cloud-init-aptproxy")).toBe(`Acquire::http::Proxy "${world.proxyUrl}";\n`);
  });

  it("renders sources.list for the mirror with the disabled suites commented out", () => {
    const list: string = good.read("etc/apt/sources.list");
    expect(list).toMatch(new RegExp(`^deb ${world.url("debian")} bookworm main$`, "m"));
    expect(list).toMatch(new RegExp(`^# suite disabled by cloud-init: deb ${world.url("debian")} bookworm-updates main$`, "m"));
    expect(list).toMatch(new RegExp(`^# suite disabled by cloud-init: deb ${world.url("debian")} bookworm-security main$`, "m"));
    expect(list).not.toContain("deb.debian.org");
  });

  it("keys: the mirror's as given, the repository's fetched by id, each in its place as a binary keyring", () => {
    const dearmored = (k: Key) => execFileSync("gpg", ["--dearmor"], { input: k.armored });
    expect(execFileSync("cat", [good.path("etc/apt/trusted.gpg.d/primary.gpg")]).equals(dearmored(mirrorKey))).toBe(true);
    expect(execFileSync("cat", [good.path("etc/apt/cloud-init.gpg.d/private.gpg")]).equals(dearmored(repoKey))).toBe(true);
    expect(good.mode("etc/apt/cloud-init.gpg.d/private.gpg")).toBe("644");
    expect(world.keyLookups).toContain(`/pks/lookup get ${repoKey.fingerprint}`);
    expect(good.read("etc/apt/sources.list.d/private.list")).toBe(`deb [signed-by=/etc/apt/cloud-init.gpg.d/private.gpg] ${world.url("private")} ./\n`);
  });

  it("conf, pipelining and debconf selections are in place", () => {
    expect(good.read("etc/apt/apt.conf.d/94cloud-init-config")).toBe('APT::Acquire::Retries "2";\n');
    expect(good.read("etc/apt/apt.conf.d/90cloud-init-pipelining")).toContain('Acquire::http::Pipeline-Depth "0";');
    expect(good.read("var/cache/debconf/config.dat")).toMatch(/Name: from-the-mirror\/answer\n(.+\n)*?Value: forty-two\n/);
  });

  it("hostile settings: each refused by name, the rest still applied, nothing injected anywhere", () => {
    expect(badStatus.code).toBe(2);
    expect(badStatus.stdout).toContain("extended_status: degraded done");
    const out = badStatus.stdout;
    expect(out).toMatch(/apt proxy: apt\.proxy is not a proxy URL/);
    expect(out).toMatch(/apt\.conf: apt-config refuses it/);
    expect(out).toMatch(/apt\.sources\.injected\.source is not one apt source line/);
    expect(out).toMatch(/apt\.sources\.escape\.filename must be a file name in \/etc\/apt\/sources\.list\.d/);
    expect(out).toMatch(/apt\.sources\.secret key is a secret key/);
    expect(out).toMatch(/apt\.sources\.wrongkey key keyserver .* sent no key 0123456789ABCDEF0123456789ABCDEF01234567/);
    expect(out).toMatch(/apt\.sources\.typo: names \$MIRORR/);
    expect(bad.read("etc/apt/sources.list.d/fine.list")).toContain("signed-by=/etc/apt/cloud-init.gpg.d/fine.gpg");
    for (const p of ["etc/apt/apt.conf.d/90cloud-init-aptproxy", "etc/apt/apt.conf.d/94cloud-init-config", "etc/apt/apt.conf.d/94cloud-init-config.cloud-agent-check", "pwned", "etc/cron.d/evil.list", "etc/apt/sources.list.d/injected.list", "etc/apt/sources.list.d/typo.list", "etc/apt/cloud-init.gpg.d/secret.gpg", "etc/apt/cloud-init.gpg.d/wrongkey.gpg"]) {
      expect(bad.exists(p), p).toBe(false);
    }
    // preserve_sources_list (Debian's default) left the image's list as it was
    expect(bad.read("etc/apt/sources.list")).toContain("deb.debian.org");
    // the secret key's text is named, never written: not in the log, not in status
    const leaks = spawnSync("grep", ["-rl", "PRIVATE KEY", bad.path("var/log"), bad.path("run/cloud-init"), bad.path("etc/apt")], { encoding: "utf8" });
    expect(leaks.stdout).toBe("");
  });

  it("an image with deb822 sources gets its mirror there, and no second list next to it", () => {
    const sources: string = deb822.read("etc/apt/sources.list.d/debian.sources");
    expect(sources).toContain("Types: deb deb-src\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n");
    expect(sources).toContain("URIs: http://mirror.example/debian\nSuites: bookworm-security\n");
    expect(deb822.exists("etc/apt/sources.list")).toBe(false);
    // apt reads it: the mirror is a source it knows (nothing fetched: the index is not refreshed without sources:)
    expect(execFileSync("chroot", [deb822.root, "apt-get", "indextargets", "--no-release-info", "--format", "$(URI)"], { encoding: "utf8" })).toContain("http://mirror.example/debian/dists/bookworm/");
    expect(agent(deb822.root, ["status"]).stdout).toMatch(/^status: done$/m);
  });
});
