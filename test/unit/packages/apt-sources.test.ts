// apt source lists: rendering, suites disabled and the line grammar. Where cloud-init 22.4.2
// defines the behaviour (disable_suites on one-line lists, its $name templater), its own code in
// the reference rootfs is run on the same generated input and must give the same text.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AptConfigError,
  checkOneLineEntry,
  checkSourceList,
  DEBIAN_DEB822_TEMPLATE,
  DEBIAN_LIST_TEMPLATE,
  disableSuites,
  isDeb822,
  keyStem,
  mirrorFor,
  renderSourcesTemplate,
  sourceFile,
  systemMirrors,
  templateVariables,
} from "../../../src/packages/apt/sources";

const REFERENCE = "/var/cache/cloud-agent/rootfs-bookworm-v3-cloud-init";

/** Runs a function of cloud-init 22.4.2 on JSON arguments (read-only: no bytecode written). */
function cloudInit(expression: string, args: unknown[]): unknown[] {
  const program = `import json, sys\nfrom cloudinit.config import cc_apt_configure as c\nfrom cloudinit import templater\ndef attempt(f):\n    try:\n        return f()\n    except Exception:\n        return "error"\nout = []\nfor a in json.load(sys.stdin):\n    out.append(${expression})\nprint(json.dumps(out))`;
  const r = spawnSync("chroot", [REFERENCE, "python3", "-c", program], { input: JSON.stringify(args), encoding: "utf8", env: { PYTHONDONTWRITEBYTECODE: "1", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
  if (r.status !== 0) throw new Error(`cloud-init's code failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout);
}

const vars = templateVariables({ PRIMARY: "http://mirror.example/debian", SECURITY: "http://sec.example/debian-security" }, "bookworm");

describe("apt source lists", () => {
  it("renders Debian's lists for the mirrors and release, one-line or deb822", () => {
    const list = renderSourcesTemplate(DEBIAN_LIST_TEMPLATE, vars);
    expect(list).toContain("deb http://mirror.example/debian bookworm main\n");
    expect(list).toContain("deb http://sec.example/debian-security bookworm-security main\n");
    expect(isDeb822(list)).toBe(false);
    checkSourceList(list, "t");
    const deb822 = renderSourcesTemplate(DEBIAN_DEB822_TEMPLATE, vars);
    expect(isDeb822(deb822)).toBe(true);
    expect(deb822).toContain("URIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates bookworm-backports\n");
    expect(deb822).toContain("URIs: http://sec.example/debian-security\nSuites: bookworm-security\n");
    checkSourceList(deb822, "t");
  });

  it("disables deb822 suites inside Suites:, and a stanza left with none whole", () => {
    const deb822 = renderSourcesTemplate(DEBIAN_DEB822_TEMPLATE, vars);
    const out = disableSuites(deb822, ["updates", "security"], "bookworm");
    expect(out).toContain("Suites: bookworm bookworm-backports\n");
    expect(out).toMatch(/^# suite disabled by cloud-init: Suites: bookworm-security$/m);
    expect(out).not.toMatch(/^URIs: http:\/\/sec/m);
    checkSourceList(out, "t");
  });

  it("picks the mirror entry for the architecture, else the default one", () => {
    const items = [{ arches: ["default"], uri: "http://d" }, { arches: ["arm64", "armhf"], uri: "http://arm" }];
    expect(mirrorFor(items, "arm64")?.uri).toBe("http://arm");
    expect(mirrorFor(items, "amd64")?.uri).toBe("http://d");
    expect(mirrorFor([{ arches: ["s390x"], uri: "x" }], "amd64")).toBeUndefined();
    expect(() => mirrorFor("http://x", "amd64")).toThrow(AptConfigError);
    expect(systemMirrors([{ arches: ["default"], failsafe: { primary: "https://deb.debian.org/debian", security: "https://deb.debian.org/debian-security" } }], "amd64")).toEqual({
      PRIMARY: "https://deb.debian.org/debian",
      SECURITY: "https://deb.debian.org/debian-security",
    });
  });

  it("accepts apt's one-line entries and refuses what would add another entry or option", () => {
    for (const ok of ["deb http://x/debian bookworm main", "deb-src [arch=amd64 signed-by=/etc/apt/k.gpg] https://x/ bookworm main contrib", "deb [trusted=yes] file:/srv/repo ./"]) checkOneLineEntry(ok, "t");
    for (const bad of ["deb http://x bookworm main\ndeb http://evil bookworm main", "deb http://x", "rm -rf /", "deb [arch=amd64 http://x bookworm main", 'deb "http://x" bookworm main', "deb http://x bookworm main\r"]) {
      expect(() => checkOneLineEntry(bad, "t"), bad).toThrow(AptConfigError);
    }
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const line = `deb http://x/${a} bookworm ${b}`;
        let accepted = true;
        try {
          checkOneLineEntry(line, "t");
        } catch {
          accepted = false;
        }
        // whatever is accepted is one line whose words apt splits as we did
        if (accepted) expect(/[\n\r\0"]/.test(line)).toBe(false);
      }),
    );
  });

  it("names files inside sources.list.d only", () => {
    expect(sourceFile("my-repo", "t")).toBe("/etc/apt/sources.list.d/my-repo.list");
    expect(sourceFile("x.list", "t")).toBe("/etc/apt/sources.list.d/x.list");
    expect(sourceFile("/etc/apt/sources.list.d/y", "t")).toBe("/etc/apt/sources.list.d/y.list");
    for (const bad of ["../../etc/shadow", "/etc/cron.d/x", "a/b", "", ".hidden", "x\ny"]) expect(() => sourceFile(bad, "t"), bad).toThrow(AptConfigError);
    expect(keyStem("/etc/apt/sources.list.d/my-repo.list")).toBe("my-repo");
    expect(keyStem("plain")).toBe("plain");
  });

  describe.skipIf(!existsSync(REFERENCE))("the same as cloud-init 22.4.2", () => {
    const word = fc.stringMatching(/^[a-z0-9$.-]{1,12}$/);
    const option = fc.constantFrom("", "[arch=amd64] ", "[ arch=amd64 trusted=yes ] ", "[signed-by=/k.gpg] ");
    const line = fc.oneof(
      fc.tuple(fc.constantFrom("deb ", "deb-src ", "# deb "), option, word, word, word).map(([t, o, u, s, c]) => `${t}${o}http://${u} ${s} ${c}`),
      fc.constantFrom("", "# a comment"),
    );
    const suites = fc.array(fc.constantFrom("updates", "security", "backports", "proposed", "release", "$RELEASE-updates", "bookworm", "other", "$RELEASE"), { maxLength: 3 });

    it("disable_suites comments out the same one-line entries", () => {
      const cases = fc.sample(fc.tuple(fc.array(line, { maxLength: 6 }), suites, fc.constantFrom("bookworm", "trixie")), 150);
      const texts = cases.map(([lines]) => lines.map((l) => `${l}\n`).join(""));
      const reference = cloudInit("c.disable_suites(a[1], a[0], a[2])", cases.map(([, s, r], i) => [texts[i], s, r]));
      cases.forEach(([, s, r], i) => expect(disableSuites(texts[i], s, r), JSON.stringify([texts[i], s, r])).toBe(reference[i]));
    });

    it("$name templates render the same", () => {
      const templates = fc.sample(fc.array(fc.oneof(word, fc.constantFrom("$MIRROR", "${RELEASE}", "$PRIMARY/x", "$SECURITY", "$KEY_FILE", "$UNKNOWN", "${codename}", " ", "\n")), { maxLength: 8 }).map((p) => p.join("")), 150);
      const params = { ...vars, KEY_FILE: "/etc/apt/cloud-init.gpg.d/k.gpg" };
      // cloud-init raises on a name it has no value for; so does cloud-agent
      const reference = cloudInit("attempt(lambda: templater.render_string(a[0], a[1]))", templates.map((t) => [t, params]));
      const ours = (t: string) => {
        try {
          return renderSourcesTemplate(t, params);
        } catch {
          return "error";
        }
      };
      templates.forEach((t, i) => expect(ours(t), JSON.stringify(t)).toBe(reference[i]));
      expect(reference).toContain("error");
    });
  });
});
