// yum_add_repo: the built agent in a throwaway root that says it is Rocky Linux (and one that is
// Debian), and a differential test against cloud-init 22.4.2's own module, run by python3 in an
// overlay of the cached cloud-init rootfs (never written).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { canonicalRepoId, planRepos, renderRepo } from "../../modules/yum-add-repo";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent, boot, isRoot, makeRoot, read, writeSeed } from "./root";

const REPOS = {
  "epel testing": { name: "EPEL testing", baseurl: "http://mirror.example/epel/testing/$releasever/$basearch/", enabled: false, gpgcheck: true, gpgkey: "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-EPEL" },
  "cloud-init-daily": { baseurl: "https://copr.example/results/epel-8-$basearch/", type: "rpm-md", skip_if_unavailable: true, enabled_metadata: 1 },
};

describe.skipIf(!isRoot)("yum_add_repo in a throwaway root", () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function bootAs(osRelease: string, userData: Record<string, unknown>) {
    root = makeRoot();
    writeFileSync(join(root, "etc/os-release"), osRelease);
    // a RHEL-family image's cloud.cfg lists the module; Debian's does not
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-yum.cfg"), "cloud_config_modules: [yum_add_repo]\n");
    mkdirSync(join(root, "etc/yum.repos.d"), { recursive: true });
    writeFileSync(join(root, "etc/yum.repos.d/appstream.repo"), "[appstream]\nbaseurl=http://image/\n");
    writeSeed(root, { "meta-data": "instance-id: iid-yum\n", "user-data": `#cloud-config\n${JSON.stringify(userData)}\n` });
    boot(root);
    return agent(root, ["status", "--long"]);
  }

  const ROCKY = 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n';

  it("writes one .repo file per repo on a RHEL-family distro, leaving an existing file alone", () => {
    const status = bootAs(ROCKY, { yum_repos: { ...REPOS, appstream: { baseurl: "http://user/" } } });
    expect(status.code).toBe(0);
    expect(read(root, "etc/yum.repos.d/epel-testing.repo")).toMatch(
      /^# Created by cloud-agent v\. \S+ on .+\n\[epel-testing\]\nname = EPEL testing\nbaseurl = http:\/\/mirror\.example\/epel\/testing\/\$releasever\/\$basearch\/\nenabled = 0\ngpgcheck = 1\ngpgkey = file:\/\/\/etc\/pki\/rpm-gpg\/RPM-GPG-KEY-EPEL\n\n$/,
    );
    expect(read(root, "etc/yum.repos.d/cloud-init-daily.repo")).toContain("[cloud-init-daily]\nbaseurl = https://copr.example/results/epel-8-$basearch/\ntype = rpm-md\nskip_if_unavailable = 1\nenabled_metadata = 1\n");
    expect(read(root, "etc/yum.repos.d/appstream.repo")).toBe("[appstream]\nbaseurl=http://image/\n");
    expect(read(root, "var/log/cloud-init.log")).toContain("skipping repo appstream: file /etc/yum.repos.d/appstream.repo already exists");
  });

  it("a bad repo is an error naming it; the others are still written, in yum_repo_dir", () => {
    const status = bootAs(ROCKY, { yum_repo_dir: "/etc/dnf/repos/", yum_repos: { "../../etc/cron.d/x": { baseurl: "http://x/" }, good: { baseurl: "http://g/", "x]y": 1 }, fine: { metalink: "https://m/" } } });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("repo id '../../etc/cron.d/x' may hold only");
    expect(status.stdout).toContain("yum_repos.good: option 'x]y' may hold only");
    expect(existsSync(join(root, "etc/cron.d/x.repo"))).toBe(false);
    expect(existsSync(join(root, "etc/dnf/repos/good.repo"))).toBe(false);
    expect(read(root, "etc/dnf/repos/fine.repo")).toContain("[fine]\nmetalink = https://m/\n");
  });

  it("is skipped on Debian", () => {
    expect(bootAs('ID=debian\nVERSION_ID="12"\n', { yum_repos: REPOS }).code).toBe(0);
    expect(existsSync(join(root, "etc/yum.repos.d/epel-testing.repo"))).toBe(false);
    expect(read(root, "var/log/cloud-init.log")).toContain("skipping yum_add_repo: not verified on distro debian");
  });
});

// cloud-init's handle() on the same input, in a temp dir: the files it wrote and whether it raised
const RENDER_PY = `
import json, logging, os, sys, tempfile
from cloudinit.config import cc_yum_add_repo
cfg = json.load(sys.stdin)
cfg["yum_repo_dir"] = tempfile.mkdtemp()
try:
    cc_yum_add_repo.handle("yum_add_repo", cfg, None, logging.getLogger(), [])
    error = None
except Exception as e:
    error = type(e).__name__
d = cfg["yum_repo_dir"]
print(json.dumps({"error": error, "files": {n: open(os.path.join(d, n)).read() for n in sorted(os.listdir(d))}}))
`;

const CASES: Record<string, Record<string, unknown>> = {
  "the documented examples": REPOS,
  "lists, numbers, booleans and key spellings": {
    "my package stream": { BaseURL: ["http://a/x/", "http://b/x/"], mirrorlist: "http://l/", "repo-gpgcheck": 1, enable_gpgcheck: true, cost: 2.5, priority: 10, " Name ": "stream", "": "dropped" },
  },
  "a key given twice after normalising keeps its first place and last value": { r: { "skip-if-unavailable": false, baseurl: "http://x/", skip_if_unavailable: true } },
  "two ids for one file, and a repo without baseurl": { "a b": { baseurl: "http://1/" }, "a-b": { baseurl: "http://2/" }, nourl: { name: "n" }, empty: null },
};

describe.skipIf(bootUnsupported())("yum_add_repo against cloud-init 22.4.2", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  beforeAll(() => {
    m = prepareMachine("cloud-init");
    writeFileSync(m.path("tmp/render.py"), RENDER_PY);
  }, 120_000);
  afterAll(() => m?.dispose());

  function theirs(repos: Record<string, unknown>): { error: string | null; files: Record<string, string> } {
    return JSON.parse(execFileSync("chroot", [m.root, "python3", "/tmp/render.py"], { input: JSON.stringify({ yum_repos: repos }), encoding: "utf8" }));
  }

  function ours(repos: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const plan of planRepos(repos, "/d", () => false)) if ("file" in plan) out[plan.file.slice(3)] = renderRepo(canonicalRepoId(plan.id), plan.options, "header");
    return out;
  }

  /** Without the first line, a date either way. */
  const body = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([n, t]) => [n, t.slice(t.indexOf("\n") + 1)]));

  for (const [title, repos] of Object.entries(CASES)) {
    it(`writes what cloud-init writes: ${title}`, () => {
      const reference = theirs(repos);
      expect(reference.error).toBeNull();
      expect(Object.keys(reference.files).length).toBeGreaterThan(0);
      expect(body(ours(repos))).toEqual(body(reference.files));
    });
  }

  it("differs where README says: a metalink alone is enough, and '%' is kept", () => {
    const repos = { meta: { metalink: "https://m/?repo=x" }, pct: { baseurl: "http://x/a%20b/" } };
    const reference = theirs(repos);
    // 22.4.2 skips the first and its ConfigParser raises on the second
    expect(reference).toEqual({ error: "ValueError", files: {} });
    expect(Object.keys(ours(repos))).toEqual(["meta.repo", "pct.repo"]);
  });
});
