// apt.conf.d snippets: proxies and pipelining, with apt.conf's unescapable strings guarded.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pipeliningSnippet, proxySnippet } from "../../../src/packages/apt/apt-conf";
import { lookupUrl } from "../../../src/packages/apt/keyserver";
import { AptConfigError } from "../../../src/packages/apt/sources";

describe("apt.conf snippets", () => {
  it("writes the proxies in cloud-init's order, each under its own option", () => {
    expect(proxySnippet({ https_proxy: "http://p:3128", proxy: "http://a:3128", ftp_proxy: "ftp://f", http_proxy: "http://h:8080" })).toBe(
      'Acquire::http::Proxy "http://a:3128";\nAcquire::http::Proxy "http://h:8080";\nAcquire::ftp::Proxy "ftp://f";\nAcquire::https::Proxy "http://p:3128";\n',
    );
    expect(proxySnippet({})).toBeUndefined();
    expect(proxySnippet({ proxy: "" })).toBeUndefined();
    expect(proxySnippet({ proxy: "DIRECT" })).toBe('Acquire::http::Proxy "DIRECT";\n');
  });

  it("refuses a proxy that could end apt's string or statement, whatever it holds", () => {
    for (const bad of ['http://x";\nAPT::Update::Pre-Invoke {"touch /tmp/pwned";};//', "http://x y", "javascript:x", "http://x\n", 3128]) {
      expect(() => proxySnippet({ proxy: bad }), String(bad)).toThrow(AptConfigError);
    }
    fc.assert(
      fc.property(fc.string(), (tail) => {
        let text: string | undefined;
        try {
          text = proxySnippet({ proxy: `http://${tail}` });
        } catch (err) {
          expect(err).toBeInstanceOf(AptConfigError);
          return;
        }
        // one statement, one string
        expect(text?.split("\n").filter(Boolean)).toHaveLength(1);
        expect(text?.match(/"/g)).toHaveLength(2);
        expect(text?.match(/;/g)).toHaveLength(1);
      }),
    );
  });

  it("pipelining: false is depth 0, 0-5 that depth, none/unchanged/os nothing, anything else an error", () => {
    expect(pipeliningSnippet(false)).toContain('Acquire::http::Pipeline-Depth "0";');
    expect(pipeliningSnippet(3)).toContain('"3"');
    expect(pipeliningSnippet("5")).toContain('"5"');
    for (const keep of ["none", "unchanged", "OS"]) expect(pipeliningSnippet(keep)).toBeUndefined();
    for (const bad of [true, 6, "-1", "3;", "fast"]) expect(() => pipeliningSnippet(bad)).toThrow(AptConfigError);
  });

  it("asks HKP keyservers where gpg would", () => {
    const id = "03683F77";
    expect(lookupUrl("keyserver.ubuntu.com", id)).toBe("http://keyserver.ubuntu.com:11371/pks/lookup?op=get&options=mr&search=0x03683F77");
    expect(lookupUrl("hkp://127.0.0.1:8080", id)).toBe("http://127.0.0.1:8080/pks/lookup?op=get&options=mr&search=0x03683F77");
    expect(lookupUrl("hkps://keys.openpgp.org", id)).toBe("https://keys.openpgp.org/pks/lookup?op=get&options=mr&search=0x03683F77");
    expect(lookupUrl("[::1]:11371", id)).toBe("http://[::1]:11371/pks/lookup?op=get&options=mr&search=0x03683F77");
    for (const bad of ["http://x/path?q=1", "x y", "file:///etc/shadow", "user@host"]) expect(() => lookupUrl(bad, id), bad).toThrow();
  });
});
