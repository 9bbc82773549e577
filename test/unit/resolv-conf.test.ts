// resolv_conf: the settings checked against resolv.conf's grammar, and the files rendered,
// held against cloud-init 22.4.2's own generate_resolv_conf and templates (from the cached
// cloud-init rootfs, test/boot/rootfs.sh), both with our built-in layout and with the image's
// template rendered by our Jinja engine.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderResolvConf, renderResolvedConf, resolvParams } from "../../modules/resolv-conf";
import { renderJinja } from "../../src/userdata/jinja";

const ROOTFS = "/var/cache/cloud-agent/rootfs-bookworm-v3-cloud-init";
const CLOUD_INIT = `${ROOTFS}/usr/lib/python3/dist-packages`;
const TEMPLATES = `${ROOTFS}/etc/cloud/templates`;

/** cloud-init's generate_resolv_conf, with each template, for each resolv_conf mapping. */
function cloudInit(cases: Record<string, unknown>[], template: string): string[] {
  const python = `
import json, os, sys, tempfile
sys.path.insert(0, ${JSON.stringify(CLOUD_INIT)})
from cloudinit.config import cc_resolv_conf
out = []
with tempfile.TemporaryDirectory() as d:
    for params in json.load(sys.stdin):
        cc_resolv_conf.generate_resolv_conf(${JSON.stringify(`${TEMPLATES}/`)} + ${JSON.stringify(template)}, params, os.path.join(d, "out"))
        out.append(open(os.path.join(d, "out")).read())
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", python], { input: JSON.stringify(cases), encoding: "utf8", maxBuffer: 64 << 20 }));
}

/** Comment lines out, blanks at line ends dropped: our header and our tidier lines aside, the same text. */
function body(text: string): string {
  return text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.trimEnd())
    .join("\n");
}

const EXAMPLE = {
  nameservers: ["8.8.8.8", "8.8.4.4"],
  searchdomains: ["foo.example.com", "bar.example.com"],
  domain: "example.com",
  sortlist: ["10.0.0.1/255", "10.0.0.2"],
  options: { rotate: true, timeout: 1 },
};

const OPTION_NAMES = ["rotate", "timeout", "ndots", "attempts", "edns0", "no-aaaa", "trust-ad", "single-request", "debug", "use-vc"];
/** resolv_conf mappings every key of which is valid. */
const settings = fc.record(
  {
    nameservers: fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 3 }),
    searchdomains: fc.array(fc.domain(), { maxLength: 4 }),
    domain: fc.domain(),
    sortlist: fc.array(fc.tuple(fc.ipV4(), fc.option(fc.oneof(fc.ipV4(), fc.integer({ min: 0, max: 32 }).map(String)), { nil: undefined })).map(([a, m]) => (m ? `${a}/${m}` : a)), { maxLength: 3 }),
    options: fc.dictionary(fc.constantFrom(...OPTION_NAMES), fc.oneof(fc.boolean(), fc.integer({ min: 0, max: 30 })), { maxKeys: 5 }),
  },
  { requiredKeys: [] },
);
/** As cloud-init takes them: our params leave an empty list out, cloud-init writes an empty line for it. */
const withoutEmptyLists = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([, v]) => !(Array.isArray(v) && !v.length)));

describe("resolv_conf settings", () => {
  it("takes cloud-init's example as it is", () => {
    expect(resolvParams(EXAMPLE)).toEqual({
      params: { nameservers: ["8.8.8.8", "8.8.4.4"], searchdomains: ["foo.example.com", "bar.example.com"], domain: "example.com", sortlist: ["10.0.0.1/255", "10.0.0.2"], options: { timeout: "1" }, flags: ["rotate"] },
      problems: [],
    });
  });

  it("leaves out what is not in resolv.conf's grammar, naming the key, and keeps the rest", () => {
    const { params, problems } = resolvParams({
      nameservers: ["10.0.0.1", "8.8.8.8\nnameserver 6.6.6.6", "dns.example.com", 53],
      searchdomains: ["ok.example", "a b", "evil.example\noptions debug", "under_score.example"],
      domain: "example.com\nnameserver 6.6.6.6",
      sortlist: ["10.0.0.0/255.0.0.0", "10.1.0.0/16", "fd00::/8", "10.0.0.1/x", "10.0.0.1 10.0.0.2"],
      options: { rotate: true, edns0: false, "bad option": true, "ndots\nnameserver": 2, timeout: "1 debug", attempts: null, "made-up": 3 },
    });
    expect(params).toEqual({ nameservers: ["10.0.0.1"], searchdomains: ["ok.example"], sortlist: ["10.0.0.0/255.0.0.0", "10.1.0.0/16"], options: { "made-up": "3" }, flags: ["rotate"] });
    expect(problems).toEqual([
      "resolv_conf.nameservers[1] is not an IP address; left out",
      "resolv_conf.nameservers[2] is not an IP address; left out",
      "resolv_conf.nameservers[3] is not an IP address; left out",
      "resolv_conf.searchdomains[1] is not a domain name; left out",
      "resolv_conf.searchdomains[2] is not a domain name; left out",
      "resolv_conf.searchdomains[3] is not a domain name; left out",
      "resolv_conf.sortlist[2] is not an IPv4 address[/netmask]; left out",
      "resolv_conf.sortlist[3] is not an IPv4 address[/netmask]; left out",
      "resolv_conf.sortlist[4] is not an IPv4 address[/netmask]; left out",
      "resolv_conf.domain is not a domain name; left out",
      'resolv_conf.options."bad option": not an option name; left out',
      'resolv_conf.options."ndots\\nnameserver": not an option name; left out',
      "resolv_conf.options.timeout: the value is not a word or a number; left out",
      "resolv_conf.options.attempts: the value is not a word or a number; left out",
      "resolv_conf.options.made-up: not an option resolv.conf(5) knows; written anyway",
    ]);
  });

  it("refuses lists and mappings of the wrong shape, and notes a fourth name server", () => {
    expect(resolvParams({ nameservers: "8.8.8.8", options: ["rotate"] }).problems).toEqual(["resolv_conf.nameservers: expected a list; left out", "resolv_conf.options: expected a mapping; left out"]);
    expect(resolvParams({ nameservers: ["1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4"] }).problems).toEqual(["resolv_conf.nameservers: the resolver reads only the first 3"]);
  });

  it("renders only lines of resolv.conf's grammar, whatever the settings", () => {
    const word = "[^\\s#;]+";
    const line = new RegExp(`^(|#.*|nameserver ${word}|search ${word}( ${word})*|domain ${word}|sortlist ${word}( ${word})*|options ${word}( ${word})*)$`);
    const anything = fc.oneof(fc.string(), fc.boolean(), fc.integer(), fc.constant(null));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("nameservers", "searchdomains", "domain", "sortlist", "options"), fc.oneof(anything, fc.array(anything), fc.dictionary(fc.string(), anything))), (given) => {
        const text = renderResolvConf(resolvParams(given).params);
        for (const l of text.split("\n")) expect(l).toMatch(line);
        expect(text.split("\n").filter((l) => l.startsWith("#"))).toHaveLength(2);
      }),
      { numRuns: 3000 },
    );
  });
});

describe.skipIf(!existsSync(CLOUD_INIT))("resolv_conf against cloud-init 22.4.2", () => {
  const cases = [EXAMPLE, {}, { nameservers: ["10.0.0.1"] }, { options: { rotate: true, debug: false } }, { options: { timeout: 1 } }, { domain: "x.org" }, { nameservers: ["1.1.1.1"], sortlist: ["1.2.3.4"] }, ...fc.sample(settings, 300).map(withoutEmptyLists)];
  const template = (name: string) => readFileSync(`${TEMPLATES}/${name}`, "utf8");

  it("lays resolv.conf out as the template does, with the image's template rendering the same bytes", () => {
    const expected = cloudInit(structuredClone(cases), "resolv.conf.tmpl");
    cases.forEach((c, i) => {
      const { params } = resolvParams(c);
      expect(body(renderResolvConf(params)), JSON.stringify(c)).toBe(body(expected[i]));
      expect(renderJinja(template("resolv.conf.tmpl"), { ...params }, { plain: true }).text, JSON.stringify(c)).toBe(expected[i]);
    });
  });

  it("lays resolved.conf out as the template does (Photon, Mariner)", () => {
    const expected = cloudInit(structuredClone(cases), "systemd.resolved.conf.tmpl");
    cases.forEach((c, i) => {
      const { params } = resolvParams(c);
      expect(body(renderResolvedConf(params)), JSON.stringify(c)).toBe(body(expected[i]));
      expect(renderJinja(template("systemd.resolved.conf.tmpl"), { ...params }, { plain: true }).text, JSON.stringify(c)).toBe(expected[i]);
    });
  });
});
