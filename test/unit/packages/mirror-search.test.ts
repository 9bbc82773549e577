// Mirror search: the first candidate whose host resolves, not fooled by a resolver that
// answers every name.
import { describe, expect, it } from "vitest";
import { dnsCandidates, firstResolvable, type Resolve } from "../../../src/packages/apt/mirror-search";

const zone = (names: Record<string, string>, wildcard?: string): Resolve => async (name) => {
  const hit = names[name.replace(/\.$/, "")];
  return hit ? [hit] : wildcard ? [wildcard] : [];
};

describe("apt mirror search", () => {
  it("takes the first candidate that resolves, an address literal at once", async () => {
    const dns = zone({ "mirror.b.example": "192.0.2.2" });
    expect(await firstResolvable(["http://mirror.a.example/debian", "http://mirror.b.example/debian", "http://192.0.2.9/debian"], dns)).toBe("http://mirror.b.example/debian");
    expect(await firstResolvable(["http://nowhere.example/debian", "http://[2001:db8::1]/debian"], dns)).toBe("http://[2001:db8::1]/debian");
    expect(await firstResolvable(["not a url", "http://nowhere.example/"], dns)).toBeUndefined();
  });

  it("does not take a redirecting resolver's answer for a mirror", async () => {
    const hijacked = zone({ "mirror.b.example": "192.0.2.2" }, "198.51.100.1");
    expect(await firstResolvable(["http://mirror.a.example/debian", "http://mirror.b.example/debian"], hijacked)).toBe("http://mirror.b.example/debian");
    expect(await firstResolvable(["http://mirror.a.example/debian"], hijacked)).toBeUndefined();
  });

  it("names cloud-init's search_dns candidates", () => {
    expect(dnsCandidates("debian", "primary", "vm1.lab.example.org")).toEqual(["http://debian-mirror.lab.example.org/debian", "http://debian-mirror.localdomain/debian", "http://debian-mirror/debian"]);
    expect(dnsCandidates("debian", "security", "vm1")).toEqual(["http://debian-security-mirror.localdomain/debian", "http://debian-security-mirror/debian"]);
  });
});
