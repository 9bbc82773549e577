// Every renderer's output for every corpus case, read by the program that reads it on a real
// machine (consumers.ts): netplan's generator, systemd-networkd, NetworkManager, ifupdown's
// ifquery, the shell for ifcfg files. A file refused or read with a warning fails its pair, and
// where the program reports what it read, the addresses and routes must be the config's. Each consumer
// runs once over the whole corpus; the figures per renderer are printed at the end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticSubnets } from "../../../src/network/model";
import type { NetworkModel } from "../../../src/network/model";
import { RENDERERS } from "../../../src/network/render";
import { routesFor } from "../../../src/network/render/common";
import type { RenderedFile } from "../../../src/network/render";
import { caseModel } from "./case-model";
import { CASES } from "./cases";
import { haveIfquery, haveNetplan, haveNetworkd, haveNetworkManager, ifqueryVerdicts, netplanVerdicts, networkdVerdicts, networkManagerVerdicts, routeText, shellStructures, type Verdict } from "./consumers";

const models = CASES.map(caseModel);
const outputs = models.map((model) => Object.fromEntries(Object.keys(RENDERERS).map((r) => [r, RENDERERS[r](model)])) as Record<string, RenderedFile[]>);
const ofRenderer = (renderer: string) => outputs.map((o) => o[renderer]);
const withoutUdev = (files: RenderedFile[]) => files.filter((f) => !f.path.startsWith("/etc/udev/"));

/** The consumer of each renderer's files, when this machine has it. */
const CONSUMERS: Record<string, { name: string; available: boolean; run: () => Verdict[] }> = {
  netplan: { name: "netplan generate 0.106", available: haveNetplan, run: () => netplanVerdicts(ofRenderer("netplan")) },
  networkd: { name: "systemd-networkd", available: haveNetworkd, run: () => networkdVerdicts(ofRenderer("networkd")) },
  "network-manager": { name: "NetworkManager 1.42", available: haveNetworkManager, run: () => networkManagerVerdicts(ofRenderer("network-manager")) },
  eni: { name: "ifquery", available: haveIfquery, run: () => ifqueryVerdicts(ofRenderer("eni").map((files) => withoutUdev(files).map((f) => f.content).join("\n"))) },
  sysconfig: {
    name: "sh",
    available: true,
    run: () =>
      shellStructures(ofRenderer("sysconfig").map((files) => withoutUdev(files).map((f) => f.content))).map((seen, i) => {
        const files = withoutUdev(outputs[i].sysconfig).length;
        const problems = [...(seen.includes("SH -N REFUSED") ? ["sh -n refused a file"] : []), ...(seen.endsWith(` / ${files} files`) ? [] : [`sourcing left ${seen.split(" / ").pop()} for ${files}`])];
        return { problems };
      }),
  },
};

/** What the model says each interface has: static addresses, and routes (its static
 * gateways as default routes, its own routes and the global ones it carries). */
function meant(model: NetworkModel): NonNullable<Verdict["read"]> {
  const out: NonNullable<Verdict["read"]> = {};
  for (const iface of model.interfaces) {
    const addresses = staticSubnets(iface).map((s) => `${s.address}/${s.prefix}`).sort();
    const gateways = staticSubnets(iface).flatMap((s) => (s.gateway ? [routeText(undefined, s.gateway)] : []));
    const routes = routesFor(model, iface).map((r) => routeText(r.to, r.via));
    const all = [...new Set([...gateways, ...routes])].sort();
    if (addresses.length || all.length) out[iface.name] = { addresses, routes: all };
  }
  return out;
}


const verdicts: Record<string, Verdict[]> = {};
const seconds: Record<string, number> = {};

beforeAll(() => {
  for (const [renderer, consumer] of Object.entries(CONSUMERS)) {
    if (!consumer.available) continue;
    const start = performance.now();
    verdicts[renderer] = consumer.run();
    seconds[renderer] = (performance.now() - start) / 1000;
  }
}, 180_000);

afterAll(() => {
  const rows = Object.entries(CONSUMERS).map(([renderer, consumer]) => {
    const v = verdicts[renderer];
    if (!v) return `  ${renderer.padEnd(16)} ${consumer.name.padEnd(24)} not on this machine`;
    const rejected = v.filter((x) => x.problems.length).length;
    const differing = v.filter((x, i) => x.read && !x.problems.length && JSON.stringify(x.read) !== JSON.stringify(meant(models[i]))).length;
    return `  ${renderer.padEnd(16)} ${consumer.name.padEnd(24)} ${v.length - rejected} accepted / ${rejected} rejected${v[0]?.read ? `, ${differing} read with other addresses or routes` : ""} (${seconds[renderer].toFixed(1)} s)`;
  });
  const checked = Object.values(verdicts).flat();
  const rejected = checked.filter((v) => v.problems.length).length;
  console.log(`consumers over ${CASES.length} cases: ${checked.length} case x renderer pairs checked, ${checked.length - rejected} accepted, ${rejected} rejected\n${rows.join("\n")}`);
});

describe.each(Object.keys(CONSUMERS))("%s files, read by their consumer", (renderer) => {
  it.skipIf(!CONSUMERS[renderer].available).each(CASES.map((c, i) => [c.name, i] as const))("%s", (_, i) => {
    const verdict = verdicts[renderer][i];
    expect(verdict.problems).toEqual([]);
    if (verdict.read) expect(verdict.read).toEqual(meant(models[i]));
  });
});

// A checker that cannot fail proves nothing: each consumer is shown a file it refuses.
describe("each consumer reports a file it refuses", () => {
  const file = (path: string, content: string): RenderedFile => ({ path, content, mode: 0o600 });
  it.skipIf(!haveNetplan)("netplan generate: an unknown key", () => {
    expect(netplanVerdicts([[file("/etc/netplan/50-cloud-init.yaml", "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: maybe\n")]])[0].problems).not.toEqual([]);
  });
  it.skipIf(!haveNetworkd)("networkd: an unknown key, a value it cannot parse, a file it cannot read (0600: networkd reads as its own user)", () => {
    const problems = networkdVerdicts([[{ ...file("/etc/systemd/network/10-x.network", "[Match]\nName=eth0\n\n[Network]\nFoo=bar\nDHCP=maybe\n"), mode: 0o644 }], [file("/etc/systemd/network/10-y.network", "[Match]\nName=eth0\n")]]).flatMap((v) => v.problems);
    expect(problems).toEqual([expect.stringMatching(/10-x\.network:5: Unknown key/), expect.stringMatching(/10-x\.network:6: Failed to parse DHCP/), expect.stringMatching(/10-y\.network.: Permission denied/)]);
  });
  it.skipIf(!haveNetworkManager)("NetworkManager: a profile it refuses, and a key that is no property", () => {
    const refused = "[connection]\nid=x\nuuid=6d3d8f4e-4b33-4f1b-8a5e-0f9c3b1e2a01\ntype=ethernet\ninterface-name=eth0\n\n[ipv6]\nmethod=disabled\ndns=2001:db8::1;\n";
    const typo = "[connection]\nid=y\nuuid=6d3d8f4e-4b33-4f1b-8a5e-0f9c3b1e2a02\ntype=ethernet\ninterface-name=eth1\n\n[ipv4]\nmethod=auto\nmay-fial=false\n";
    const [a, b] = networkManagerVerdicts([[file("/etc/NetworkManager/system-connections/a.nmconnection", refused)], [file("/etc/NetworkManager/system-connections/b.nmconnection", typo)]]);
    expect(a.problems).toEqual([expect.stringMatching(/failed to load connection: invalid connection: ipv6.dns/), expect.stringMatching(/a.nmconnection: not loaded/)]);
    expect(b.problems).toEqual(["/etc/NetworkManager/system-connections/b.nmconnection: NM has no property for [ipv4] may-fial"]);
  });
  it.skipIf(!haveIfquery)("ifquery: a method ifupdown does not have", () => {
    expect(ifqueryVerdicts(["auto eth0\niface eth0 inet bogus\n"])[0].problems).toEqual([expect.stringMatching(/unknown or no method/)]);
  });
  it("sh: an ifcfg file that runs a command", () => {
    expect(shellStructures([["DEVICE=eth0\nNAME=$(touch pwned)\n"]])[0]).toMatch(/2 files$/);
  });
});
