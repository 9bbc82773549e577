import { describe, expect, it } from "vitest";
import { builtinHosts, withOwnLine } from "../../modules/update-etc-hosts";
import type { InstanceData } from "../../src/datasources/types";
import type { Distro } from "../../src/system/distro";
import fc from "fast-check";
import { nameToWrite, resolveNames, validHostname } from "../../src/system/hostname";

const instance = (localHostname?: string) => ({ localHostname }) as InstanceData;
const debian = { name: "debian", family: "debian", preferFqdnDefault: false, hostsAddress: "127.0.1.1", hostsTemplate: "debian" } as Distro;
const rhel = { name: "rhel", family: "rhel", preferFqdnDefault: true, hostsAddress: "127.0.0.1", hostsTemplate: "redhat" } as Distro;

describe("hostname and fqdn, as cloud-init resolves them", () => {
  it.each([
    [{ fqdn: "web.example.com" }, undefined, { hostname: "web", fqdn: "web.example.com" }],
    [{ fqdn: "web.example.com", hostname: "other" }, undefined, { hostname: "other", fqdn: "web.example.com" }],
    [{ hostname: "db.example.com" }, undefined, { hostname: "db", fqdn: "db.example.com" }],
    [{ hostname: "db" }, "node.cloud.internal", { hostname: "db", fqdn: "node.cloud.internal" }],
    [{}, "node.cloud.internal", { hostname: "node", fqdn: "node.cloud.internal" }],
    [{}, "10.1.2.3", { hostname: "ip-10-1-2-3", fqdn: "ip-10-1-2-3" }],
  ])("%j with local-hostname %s", (config, local, expected) => {
    expect(resolveNames(config, instance(local), "current")).toMatchObject({ ...expected, isDefault: false });
  });

  it("falls back to the current name, and marks a bare localhost as default", () => {
    expect(resolveNames({}, instance(), "box")).toMatchObject({ hostname: "box", isDefault: false });
    expect(resolveNames({}, instance(), "localhost")).toMatchObject({ hostname: "localhost", isDefault: true });
  });

  it("writes the short name on Debian and the FQDN on RHEL unless configured", () => {
    const names = { hostname: "web", fqdn: "web.example.com", isDefault: false };
    expect(nameToWrite(names, {}, debian)).toBe("web");
    expect(nameToWrite(names, {}, rhel)).toBe("web.example.com");
    expect(nameToWrite(names, { prefer_fqdn_over_hostname: true }, debian)).toBe("web.example.com");
  });
});

describe("host name validation (RFC 1123)", () => {
  it.each([
    ["web", "web"],
    ["Web-01.example.COM", "Web-01.example.COM"],
    ["host.example.com.", "host.example.com"],
    ["9lives", "9lives"],
    [`${"a".repeat(63)}.example`, `${"a".repeat(63)}.example`],
  ])("accepts %s", (name, expected) => expect(validHostname(name)).toBe(expected));

  it.each([
    ["", "empty"],
    [".", "only the root"],
    ["evil\n10.0.0.1 bank.example", "a newline"],
    ["a b", "a blank"],
    ["-lead", "a leading hyphen"],
    ["trail-", "a trailing hyphen"],
    ["under_score", "an underscore"],
    ["a..b", "an empty label"],
    ["host.example.com..", "two trailing dots"],
    ["a".repeat(64), "a 64-character label"],
    [Array(64).fill("abc").join("."), "255 characters in all"],
    ["bücher", "a non-ASCII letter"],
  ])("refuses %j (%s)", (name) => expect(validHostname(name)).toBeUndefined());

  it("a valid name is one line of host name characters, whatever the input (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (name) => {
        const valid = validHostname(name);
        if (valid !== undefined) expect(valid).toMatch(/^[A-Za-z0-9.-]{1,253}$/);
      }),
    );
  });

  it("an invalid name from meta-data or user-data throws naming the key, not the value", () => {
    expect(() => resolveNames({}, instance("evil\n10.0.0.1 bank"), "current")).toThrow(/^local-hostname \(meta-data\) is not a valid host name/);
    expect(() => resolveNames({ fqdn: "a_b.example" }, instance(), "current")).toThrow(/^fqdn is not a valid/);
    expect(() => resolveNames({ fqdn: "ok.example", hostname: "bad name" }, instance(), "current")).toThrow(/^hostname is not a valid/);
    expect(() => resolveNames({}, instance("evil\nline"), "current")).not.toThrow(/evil/);
    // meta-data's name is not used when user-data names the machine
    expect(resolveNames({ fqdn: "ok.example" }, instance("bad name"), "current").fqdn).toBe("ok.example");
  });
});

describe("/etc/hosts", () => {
  const names = { hostname: "web", fqdn: "web.example.com", isDefault: false };

  it("has the distro family's entries", () => {
    expect(builtinHosts(debian, names)).toContain("\n127.0.1.1 web.example.com web\n127.0.0.1 localhost\n");
    expect(builtinHosts(rhel, names)).toContain("\n::1 web.example.com web\n");
  });

  it("localhost mode keeps the rest of the file and fixes this machine's line", () => {
    const before = "# mine\n127.0.0.1 localhost\n127.0.1.1 old-name\n10.0.0.9 db\n";
    expect(withOwnLine(before, "127.0.1.1", names)).toBe("# mine\n127.0.0.1 localhost\n10.0.0.9 db\n127.0.1.1\tweb.example.com\tweb\told-name\n");
    const settled = withOwnLine(before, "127.0.1.1", names);
    expect(withOwnLine(settled, "127.0.1.1", names)).toBe(settled);
  });
});
