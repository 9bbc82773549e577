// dhclient's lease file read back, and the ip steps that put a lease on a NIC. The lease
// comes from whoever answered DHCP, so hostile files are fed in as well.
import { isIPv4 } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { leaseSteps, parseClasslessRoutes, parseDhclientLease, type DhcpLease } from "../../../src/network/dhcp-lease";

// as dhclient 4.4.3 wrote it for dnsmasq in the integration test's cloud namespace
const LEASE = `lease {
  interface "eth0";
  fixed-address 169.254.0.48;
  option subnet-mask 255.255.0.0;
  option routers 169.254.169.254;
  option dhcp-lease-time 3600;
  option dhcp-message-type 5;
  option dhcp-server-identifier 169.254.169.254;
  option broadcast-address 169.254.255.255;
  renew 4 2026/12/03 03:22:05;
  expire 4 2026/12/03 03:55:41;
}
`;

describe("parseDhclientLease", () => {
  it("reads address, prefix, broadcast and routers", () => {
    expect(parseDhclientLease(LEASE)).toEqual({ address: "169.254.0.48", prefix: 16, broadcast: "169.254.255.255", routers: ["169.254.169.254"], staticRoutes: [] });
  });

  it("takes the last lease of the file (dhclient appends renewals)", () => {
    const older = LEASE.replace("169.254.0.48", "169.254.0.12");
    expect(parseDhclientLease(older + LEASE).address).toBe("169.254.0.48");
  });

  it("keeps quoted strings whole: a ';' or '}' in a server's domain name is no statement", () => {
    const hostile = LEASE.replace("  option dhcp-lease-time", '  option domain-name "x; fixed-address 6.6.6.6; } lease { fixed-address 7.7.7.7";\n  option dhcp-lease-time');
    expect(parseDhclientLease(hostile).address).toBe("169.254.0.48");
  });

  it("refuses a lease without an address, or with values that are not IPv4 addresses", () => {
    expect(() => parseDhclientLease("")).toThrow("the lease file holds no lease");
    expect(() => parseDhclientLease(LEASE.replace("  fixed-address 169.254.0.48;\n", ""))).toThrow("the lease's fixed-address is not an IPv4 address");
    expect(() => parseDhclientLease(LEASE.replace("169.254.169.254;", "169.254.169.254 -n;"))).toThrow("the lease's routers is not an IPv4 address");
    expect(() => parseDhclientLease(LEASE.replace("255.255.0.0", "255.0.255.0"))).toThrow("is not a netmask");
  });

  it("reads RFC 3442 classless routes as dhclient writes them", () => {
    expect(parseClasslessRoutes("24,10,0,1,10,0,0,1,0,10,0,0,254")).toEqual([
      { to: "10.0.1.0/24", via: "10.0.0.1" },
      { to: "0.0.0.0/0", via: "10.0.0.254" },
    ]);
    // an on-link route (gateway 0.0.0.0), as GCE and Azure hand out for the metadata address
    expect(parseClasslessRoutes("32,169,254,169,254,0,0,0,0")).toEqual([{ to: "169.254.169.254/32", via: undefined }]);
    expect(() => parseClasslessRoutes("24,10,0,1,10,0")).toThrow("ends in the middle of a route");
    expect(() => parseClasslessRoutes("33,1,2,3,4,5,1,2,3,4")).toThrow("ends in the middle of a route");
    expect(() => parseClasslessRoutes("24,10,0,256,1,2,3,4")).toThrow("not a list of bytes");
  });

  it("property: any file is either refused or read into IPv4 addresses only", () => {
    const statement = fc.oneof(
      fc.constantFrom("fixed-address 10.0.0.5", "option subnet-mask 255.255.255.0", "option routers 10.0.0.1", "option rfc3442-classless-static-routes 0,10,0,0,1"),
      fc.string().map((s) => `option ${s}`),
      fc.string().map((s) => `option domain-name "${s}"`),
    );
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 8 }), fc.string(), (statements, tail) => {
        const text = `lease {\n${statements.map((s) => `  ${s};\n`).join("")}}\n${tail}`;
        let lease: DhcpLease;
        try {
          lease = parseDhclientLease(text);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          return;
        }
        for (const a of [lease.address, ...lease.routers, ...lease.staticRoutes.flatMap((r) => (r.via ? [r.via] : []))]) expect(isIPv4(a)).toBe(true);
      }),
    );
  });
});

describe("leaseSteps", () => {
  const lease = parseDhclientLease(LEASE);

  it("address, then the default route through the router; each with its undo", () => {
    expect(leaseSteps(lease, "eth0", false)).toEqual([
      { up: ["ip", "-4", "addr", "add", "169.254.0.48/16", "broadcast", "169.254.255.255", "dev", "eth0"], down: ["ip", "-4", "addr", "del", "169.254.0.48/16", "dev", "eth0"] },
      { up: ["ip", "-4", "route", "add", "default", "via", "169.254.169.254", "dev", "eth0"], down: ["ip", "-4", "route", "del", "default", "via", "169.254.169.254", "dev", "eth0"] },
    ]);
  });

  it("leaves a default route that is already there alone", () => {
    expect(leaseSteps(lease, "eth0", true).map((s) => s.up[3])).toEqual(["add"]);
  });

  it("a /32 lease reaches its router through a host route first", () => {
    const steps = leaseSteps({ address: "10.128.0.7", prefix: 32, routers: ["10.128.0.1"], staticRoutes: [] }, "ens4", false);
    expect(steps.map((s) => s.up.slice(3).join(" "))).toEqual(["add 10.128.0.7/32 dev ens4", "add 10.128.0.1/32 dev ens4 src 10.128.0.7", "add default via 10.128.0.1 dev ens4"]);
  });

  it("classless routes replace the router (RFC 3442)", () => {
    const steps = leaseSteps({ ...lease, staticRoutes: [{ to: "169.254.169.254/32" }, { to: "0.0.0.0/0", via: "169.254.0.1" }] }, "eth0", false);
    expect(steps.slice(1).map((s) => s.up.slice(3).join(" "))).toEqual(["append 169.254.169.254/32 dev eth0", "append 0.0.0.0/0 via 169.254.0.1 dev eth0"]);
  });
});
