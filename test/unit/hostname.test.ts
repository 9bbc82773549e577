import { describe, expect, it } from "vitest";
import { builtinHosts, withOwnLine } from "../../modules/update-etc-hosts";
import type { InstanceData } from "../../src/datasources/types";
import type { Distro } from "../../src/distro";
import { nameToWrite, resolveNames } from "../../src/hostname";

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
