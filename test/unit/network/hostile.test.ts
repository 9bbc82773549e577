// Arbitrary strings (newlines, quotes, $(), backslashes, #, ;, NUL, unicode) in every string
// field of the network model, and in every value and key of v1 and v2 documents: the config
// is refused with an error, or every renderer's files have the structure they have for a
// plain value (same files, stanzas, sections and keys, no extra line), as the files' own
// readers see them (consumers.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NetworkModel } from "../../../src/network/model";
import { parseNetworkConfig } from "../../../src/network/parse";
import { RENDERERS } from "../../../src/network/render";
import type { RenderedFile } from "../../../src/network/render";
import { checkModel } from "../../../src/network/validate";
import { haveIfquery, ifqueryStructures, shellStructures, structure, yamlStructures } from "./consumers";

const V2 = {
  version: 2,
  ethernets: {
    eth0: {
      match: { macaddress: "52:54:00:00:00:01" },
      "set-name": "lan0",
      mtu: 1500,
      addresses: ["192.168.1.10/24", { "2001:db8::10/64": { label: "lan0:v6", lifetime: "forever" } }],
      gateway4: "192.168.1.1",
      gateway6: "2001:db8::1",
      routes: [{ to: "10.10.0.0/16", via: "192.168.1.254", metric: 50, table: 7, mtu: 1400, "on-link": true }],
      "ipv6-address-token": "::42",
      "dhcp-identifier": "mac",
      macaddress: "02:00:00:00:00:99",
      nameservers: { addresses: ["192.168.1.1", "2001:db8::53"], search: ["example.com"] },
    },
    eth1: { match: { macaddress: "52:54:00:00:00:02" }, "set-name": "eth1" },
    eth2: { match: { macaddress: "52:54:00:00:00:03" }, "set-name": "eth2" },
    eth3: { match: { name: "en*" }, dhcp4: true, "dhcp4-overrides": { "route-metric": 200, hostname: "node1", "use-dns": "no" }, dhcp6: true },
    eth4: {},
  },
  bonds: {
    bond0: {
      interfaces: ["eth1", "eth2"],
      macaddress: "52:54:00:00:00:10",
      parameters: { mode: "active-backup", "mii-monitor-interval": 100, "transmit-hash-policy": "layer3+4", "lacp-rate": "fast", primary: "eth1", "arp-ip-targets": ["10.0.0.1"] },
    },
  },
  vlans: { "bond0.100": { id: 100, link: "bond0", addresses: ["10.100.0.5/24"], routes: [{ to: "10.200.0.0/16", via: "10.100.0.1" }] } },
  bridges: { br0: { interfaces: ["eth4"], dhcp4: true, parameters: { stp: true, "forward-delay": 4, priority: 100 } } },
};

const V1 = {
  version: 1,
  config: [
    { type: "physical", name: "eth0", mac_address: "52:54:00:00:00:01", mtu: 1500, subnets: [{ type: "static", address: "192.168.1.10/24", gateway: "192.168.1.1", dns_nameservers: ["192.168.1.1"], dns_search: ["example.com"], routes: [{ network: "10.10.0.0", netmask: "255.255.0.0", gateway: "192.168.1.254", metric: 50 }] }, { type: "ipv6_slaac" }] },
    { type: "physical", name: "eth1", mac_address: "52:54:00:00:00:02" },
    { type: "physical", name: "eth2", mac_address: "52:54:00:00:00:03" },
    { type: "bond", name: "bond0", bond_interfaces: ["eth1", "eth2"], params: { "bond-mode": "802.3ad", "bond-miimon": 100, "bond-xmit-hash-policy": "layer2+3", "bond-lacp-rate": "slow" } },
    { type: "vlan", name: "bond0.100", vlan_link: "bond0", vlan_id: 100, subnets: [{ type: "dhcp6" }] },
    { type: "physical", name: "eth3", mac_address: "52:54:00:00:00:04" },
    { type: "bridge", name: "br0", bridge_interfaces: ["eth3"], params: { bridge_stp: "on", bridge_fd: 15, bridge_bridgeprio: 100 }, subnets: [{ type: "dhcp" }] },
    { type: "nameserver", address: ["1.1.1.1"], search: ["corp.example"] },
    { type: "route", destination: "172.16.0.0/12", gateway: "192.168.1.2", metric: 10 },
  ],
};

/** What the findings used, and what each file's grammar treats as syntax. */
const INJECTIONS = [
  "\n",
  "\npost-up touch pwned",
  '" ; touch pwned ; "',
  "' ; touch pwned ; '",
  "$(touch pwned)",
  "`touch pwned`",
  "\\",
  "x\\",
  "\\\n[Match]",
  "\n[Network]\nDNS=6.6.6.6",
  "#",
  ";",
  " ",
  "\t",
  "\r",
  "\0",
  "\u2028",
  "é",
  "%k",
  ": x",
  "- x",
  "{a: b}",
  "*",
];

const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  // plain words too: what the checks let through must render alike
  fc.stringMatching(/^[a-z0-9]{1,8}$/),
  fc.constantFrom(...INJECTIONS),
  fc.tuple(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 8 })).map(([a, b]) => a + b),
);

/**
 * A plain stand-in with the same characters that steer the renderers (":" for a family, "/" for
 * a prefix, and in a name pattern its glob characters: "*" there is a pattern, not a name).
 */
const plain = (text: string, field: Field): string => {
  const last = field.path.slice(-2).join(".");
  const pattern = !field.key && (last === "match.name" || field.path[field.path.length - 1] === "matchName");
  return text.replace(pattern ? /[^A-Za-z0-9:./*?[\]-]/g : /[^A-Za-z0-9:./-]/g, "x");
};

type Path = Array<string | number>;
interface Field {
  path: Path;
  /** The mapping key at `path` itself, rather than its value. */
  key: boolean;
}

/** Mappings whose keys are data (device ids, option names) rather than the format's own words. */
const KEYED = new Set(["ethernets", "bonds", "bridges", "vlans", "params", "parameters"]);

/** Every string (and, in documents, number) in a tree, and every key of the mappings in KEYED. */
function fields(tree: unknown, options: { numbers: boolean }, path: Path = []): Field[] {
  if (Array.isArray(tree)) return tree.flatMap((item, i) => fields(item, options, [...path, i]));
  if (tree && typeof tree === "object") {
    return Object.entries(tree).flatMap(([k, v]) => {
      if (k === "type" || k === "version" || k === "rename") return [];
      const own = KEYED.has(String(path[path.length - 1])) ? [{ path: [...path, k], key: true }] : [];
      return [...own, ...fields(v, options, [...path, k])];
    });
  }
  return typeof tree === "string" || (options.numbers && typeof tree === "number") ? [{ path, key: false }] : [];
}

/** A copy of `tree` with the field at `path` (or its key) replaced by `text`, or removed. */
function replaced<T>(tree: T, field: Field, text: string | undefined): T {
  const copy = structuredClone(tree);
  const parent = field.path.slice(0, -1).reduce<Record<string | number, unknown>>((node, k) => node[k] as Record<string | number, unknown>, copy as Record<string, unknown>);
  const last = field.path[field.path.length - 1];
  if (text === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (field.key) {
    const entries = Object.entries(parent).map(([k, v]) => [k === last ? text : k, v]);
    for (const k of Object.keys(parent)) delete parent[k];
    Object.assign(parent, Object.fromEntries(entries));
  } else parent[last] = text;
  return copy;
}

type Rendered = Record<string, RenderedFile[] | Error>;

function renderAll(model: NetworkModel): Rendered {
  return Object.fromEntries(
    Object.entries(RENDERERS).map(([name, render]) => {
      try {
        return [name, render(model)];
      } catch (err) {
        return [name, err as Error];
      }
    }),
  );
}

/** Pairs for the consumers that run once over a batch (ifquery, PyYAML). */
/** Per case: the hostile output, the plain ones it may match, and what it was. */
type Case<T> = [hostile: T, plains: T[], label: string];

interface Batch {
  eni: Array<Case<string>>;
  netplan: Array<Case<string>>;
  sysconfig: Array<Case<string[]>>;
}

const newBatch = (): Batch => ({ eni: [], netplan: [], sysconfig: [] });

/** The hostile output is refused, or has the structure of one of the plain outputs; the batch
 * consumers check it later. */
function compare(hostile: Rendered, plains: Rendered[], label: string, batch: Batch): void {
  for (const name of Object.keys(RENDERERS)) {
    const h = hostile[name];
    if (h instanceof Error) continue;
    const candidates = plains.map((p) => p[name]).filter((p): p is RenderedFile[] => !(p instanceof Error));
    if (!candidates.length) throw new Error(`${name} refused the plain value but took ${label}`);
    const alike = candidates.filter((c) => JSON.stringify(structure(name, c)) === JSON.stringify(structure(name, h)));
    expect(structure(name, h), `${name} with ${label}`).toEqual(structure(name, alike[0] ?? candidates[0]));
    const main = (files: RenderedFile[]) => files[0].content;
    if (name === "eni") batch.eni.push([main(h), alike.map(main), label]);
    if (name === "netplan") batch.netplan.push([main(h), alike.map(main), label]);
    const shell = (files: RenderedFile[]) => files.filter((f) => /\/(ifcfg|route)-/.test(f.path)).map((f) => f.content);
    if (name === "sysconfig") batch.sysconfig.push([shell(h), alike.map(shell), label]);
  }
}

/** Each hostile output read by a real consumer has the structure of one of its plain outputs. */
function checkBatch(batch: Batch): void {
  consume("netplan (PyYAML)", batch.netplan, yamlStructures);
  // the shell and ifquery cost processes: the cases whose files differ from a plain one's, up to a bound
  // cases with characters the formats give meaning to first
  const meaningful = (label: string) => (/[$`"'\\;&|<>()#\s]/.test(label.slice(label.indexOf(" = ") + 4, -1)) ? 0 : 1);
  const differing = <T>(cases: Array<Case<T>>) =>
    cases
      .filter(([h, plains]) => plains.every((p) => JSON.stringify(p) !== JSON.stringify(h)))
      .sort((a, b) => meaningful(a[2]) - meaningful(b[2]))
      .slice(0, 20);
  consume("sysconfig (sh)", differing(batch.sysconfig), shellStructures);
  if (haveIfquery) consume("ENI (ifquery)", differing(batch.eni), ifqueryStructures);
}

function consume<T>(reader: string, cases: Array<Case<T>>, read: (inputs: T[]) => string[]): void {
  const read1 = read(cases.flatMap(([h, plains]) => [h, ...plains]));
  let at = 0;
  for (const [, plains, label] of cases) {
    const [hostile, ...alike] = read1.slice(at, at + 1 + plains.length);
    at += 1 + plains.length;
    expect(alike, `${reader} with ${label}`).toContain(hostile);
  }
}

const label = (field: Field, text: string) => `${field.key ? "key" : "value"} at ${field.path.join(".")} = ${JSON.stringify(text)}`;

describe("hostile strings in the network model", () => {
  const base = parseNetworkConfig(V2);
  const modelFields = fields(base, { numbers: false });

  it("covers every string field of every interface type", () => {
    const paths = modelFields.map((f) => f.path.join("."));
    for (const expected of ["interfaces.0.name", "interfaces.0.mac", "interfaces.5.params.mode", "interfaces.5.params.arp_ip_target.0", "interfaces.7.link", "interfaces.3.matchName", "interfaces.0.subnets.0.address", "interfaces.0.routes.0.via", "interfaces.0.nameservers.search.0", "interfaces.0.subnets.1.label", "interfaces.0.ipv6AddressToken", "interfaces.0.setMac", "interfaces.3.subnets.0.overrides.hostname"]) {
      expect(paths).toContain(expected);
    }
  });

  it("straight into the renderers: each refuses it or keeps its file's structure", () => {
    const batch = newBatch();
    fc.assert(
      fc.property(fc.constantFrom(...modelFields), hostileText, (field, text) => {
        const hostile = replaced(base, field, text);
        const benign = replaced(base, field, plain(text, field));
        compare(renderAll(hostile), [renderAll(benign)], label(field, text), batch);
      }),
      { numRuns: 200 },
    );
    expect(batch.netplan.length, "rendered cases to check").toBeGreaterThan(0);
    checkBatch(batch);
  });

  it("through the model's checks: refused naming where, never quoting the value, or rendered alike", () => {
    const batch = newBatch();
    fc.assert(
      fc.property(fc.constantFrom(...modelFields), hostileText, (field, text) => {
        const hostile = replaced(base, field, text);
        try {
          checkModel(hostile);
        } catch (err) {
          const message = (err as Error).message;
          expect(message).not.toMatch(/[\x00-\x1f\x7f]/);
          // a key is named (quoted as JSON); a value never
          if (!field.key && text.length > 2 && !/^[A-Za-z0-9_.-]*$/.test(text)) expect(message).not.toContain(text);
          return;
        }
        compare(renderAll(hostile), [renderAll(replaced(base, field, plain(text, field)))], label(field, text), batch);
      }),
      { numRuns: 200 },
    );
    checkBatch(batch);
  });
});

describe.each([
  ["v1", V1],
  ["v2", V2],
])("hostile strings in a %s document", (_, doc) => {
  const docFields = fields(doc, { numbers: true });
  const rendered = (changed: typeof doc): Rendered[] => {
    try {
      return [renderAll(parseNetworkConfig(changed))];
    } catch {
      return [];
    }
  };

  it("are refused with an error on one line, or rendered with the document's own structure", () => {
    const batch = newBatch();
    fc.assert(
      fc.property(fc.constantFrom(...docFields), hostileText, (field, text) => {
        let model: NetworkModel;
        try {
          model = parseNetworkConfig(replaced(doc, field, text));
        } catch (err) {
          const message = (err as Error).message;
          expect(message).not.toMatch(/[\x00-\x1f\x7f]/);
          // a key is named (quoted as JSON); a value only when it is a plain word
          if (!field.key && text.length > 2 && !/^[A-Za-z0-9_.:/+@-]*$/.test(text)) expect(message).not.toContain(text);
          return;
        }
        const output = renderAll(model);
        // what the checks let through, every renderer can write
        for (const [name, out] of Object.entries(output)) expect(out instanceof Error ? `${name}: ${out.message}` : name).toBe(name);
        // as the plain stand-in renders, or as the document without the field (a key the parser ignores)
        const plains = [...rendered(replaced(doc, field, plain(text, field))), ...rendered(replaced(doc, field, undefined))];
        compare(output, plains, label(field, text), batch);
      }),
      // a name pattern made only of glob characters is still a pattern (found once at random)
      { numRuns: 200, examples: docFields.filter((f) => !f.key && f.path.slice(-2).join(".") === "match.name").flatMap((f) => [[f, "*"] as [Field, string], [f, "e?h[0-9]*"] as [Field, string]]) },
    );
    checkBatch(batch);
  });
});
