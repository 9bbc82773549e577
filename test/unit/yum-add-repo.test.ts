import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalRepoId, normalOptions, planRepos, renderRepo, repoValue, type RepoPlan } from "../../modules/yum-add-repo";

const DIR = "/etc/yum.repos.d";
const none = () => false;

function written(plans: RepoPlan[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of plans) if ("file" in p) out[p.file] = renderRepo(canonicalRepoId(p.id), p.options, "HEADER");
  return out;
}

describe("yum_add_repo rendering", () => {
  it("writes the section as cloud-init 22.4.2 does: key = value in the user's order, lists as continuation lines", () => {
    const plans = planRepos(
      {
        "epel testing": {
          name: "Extra Packages",
          baseurl: ["http://a.example/x/$basearch/", "http://b.example/x/"],
          enabled: false,
          "GPG-Check": true,
          priority: 10,
          gpgkey: "file:///etc/pki/rpm-gpg/KEY",
        },
      },
      DIR,
      none,
    );
    expect(written(plans)).toEqual({
      "/etc/yum.repos.d/epel-testing.repo":
        "# HEADER\n[epel-testing]\nname = Extra Packages\nbaseurl = http://a.example/x/$basearch/\n\thttp://b.example/x/\nenabled = 0\ngpg_check = 1\npriority = 10\ngpgkey = file:///etc/pki/rpm-gpg/KEY\n\n",
    });
  });

  it("normalises keys as cloud-init: lower case, trimmed, '-' as '_', the last value of a key kept at its first place", () => {
    expect([...normalOptions({ " Skip-If-Unavailable ": 1, baseurl: "u", skip_if_unavailable: 0, "": 3 })]).toEqual([
      ["skip_if_unavailable", 0],
      ["baseurl", "u"],
    ]);
  });

  it("renders booleans as 1/0, numbers as text and nested lists flat", () => {
    expect(repoValue(true)).toBe("1");
    expect(repoValue(false)).toBe("0");
    expect(repoValue(2.5)).toBe("2.5");
    expect(repoValue(["a", ["b", true]])).toBe("a\nb\n1");
    expect(repoValue("")).toBe("");
  });

  it("keeps '%' as it is (yum does no % interpolation; 22.4.2's ConfigParser refused it)", () => {
    const [plan] = planRepos({ r: { baseurl: "http://x/a%20b" } }, DIR, none);
    expect(written([plan])["/etc/yum.repos.d/r.repo"]).toContain("baseurl = http://x/a%20b\n");
  });
});

describe("yum_add_repo decisions", () => {
  it("skips a repo whose file exists, and a second id that names the same file", () => {
    const plans = planRepos({ old: { baseurl: "u" }, "a b": { baseurl: "u" }, "a-b": { baseurl: "v" } }, DIR, (p) => p === `${DIR}/old.repo`);
    expect(plans.map((p) => ("skip" in p ? `skip ${p.id}` : "file" in p ? p.file : p.error))).toEqual([
      "skip old",
      "/etc/yum.repos.d/a-b.repo",
      "skip a-b",
    ]);
  });

  it("needs baseurl, metalink or mirrorlist, and warns otherwise", () => {
    const plans = planRepos({ meta: { metalink: "https://m/" }, mirror: { mirrorlist: "https://l/" }, bare: { name: "x" }, empty: null }, DIR, none);
    expect(plans.map((p) => ("file" in p ? "write" : "skip" in p ? `warn=${p.warn}` : "error"))).toEqual(["write", "write", "warn=true", "warn=true"]);
  });

  it("refuses ids that could leave the directory or break the section header, naming the repo; the others are written", () => {
    const plans = planRepos({ "../etc/passwd": { baseurl: "u" }, "a]b": { baseurl: "u" }, "x\ny": { baseurl: "u" }, good: { baseurl: "u" } }, DIR, none);
    const errors = plans.filter((p) => "error" in p).map((p) => (p as { error: string }).error);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain("repo id '../etc/passwd'");
    expect(errors[2]).toContain("repo id 'x?y'");
    expect(Object.keys(written(plans))).toEqual(["/etc/yum.repos.d/good.repo"]);
  });

  it("refuses bad keys and values, naming the repo and key but not the value", () => {
    const plans = planRepos({ r: { baseurl: "u", "x=y": "1", name: "line\nbreak secret", gpgkey: { a: 1 }, cost: null } }, DIR, none);
    const plan = plans[0] as { error: string };
    expect(plan.error).toContain("yum_repos.r: option 'x=y'");
    expect(plan.error).toContain("yum_repos.r.name: contains a line break");
    expect(plan.error).toContain("yum_repos.r.gpgkey: expected a string");
    expect(plan.error).toContain("yum_repos.r.cost: expected a string, number, boolean or list, got null");
    expect(plan.error).not.toContain("secret");
  });

  it("a repo that is not a mapping is an error", () => {
    expect(planRepos({ r: "http://x" }, DIR, none)[0]).toEqual({ id: "r", error: "yum_repos.r: expected a mapping of repo options" });
  });
});

describe("yum_add_repo grammar (property)", () => {
  it("every written file parses back to one section with the given keys, whatever the input", () => {
    const value = fc.oneof(fc.string(), fc.boolean(), fc.integer(), fc.array(fc.string(), { maxLength: 3 }));
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.dictionary(fc.string(), value), (id, raw) => {
        for (const plan of planRepos({ [id]: { ...raw, baseurl: "http://x/" } }, DIR, none)) {
          if (!("file" in plan)) continue;
          const text = renderRepo(canonicalRepoId(plan.id), plan.options, "h");
          expect(plan.file.slice(DIR.length + 1)).toMatch(/^[A-Za-z0-9_.:-]+\.repo$/);
          const lines = text.split("\n");
          expect(lines[1]).toBe(`[${canonicalRepoId(id)}]`);
          // outside the header, every line is key = value, a tab continuation or the closing blank
          const keys = lines.slice(2, -2).filter((l) => !l.startsWith("\t")).map((l) => l.split(" = ")[0]);
          expect(keys).toEqual([...plan.options.keys()]);
          for (const key of keys) expect(key).toMatch(/^[a-z0-9_]+$/);
          expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        }
      }),
    );
  });
});
