// parseYaml against Debian's python3-yaml: generated scalars (times, octal, sexagesimal,
// booleans, nulls, floats, MAC-like tokens, dates) in every place a scalar takes, plus a few
// documents, go through both; every answer must match yaml.safe_load's. One Python process
// reads the whole batch. The seed is fixed so a failure replays; FC_SEED tries others.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseYaml } from "../../src/config/yaml";

const PYTHON = "/usr/bin/python3";
const havePyyaml = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import yaml"]).status === 0;

// Values JSON cannot carry are tagged the same way on both sides. Dates: ours are ISO text
// (UTC, milliseconds), a deliberate difference of type, so Python's are written the same way.
const PY_LOAD = `
import base64, datetime, decimal, json, math, sys, yaml
def num(v):
    if math.isnan(v): return {"$float": "nan"}
    if math.isinf(v): return {"$float": "inf" if v > 0 else "-inf"}
    return v
def jsnum(f):
    # Number.prototype.toString: the shortest digits (as repr), placed by ECMA-262's rules
    if math.isnan(f) or math.isinf(f): return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(f)]
    if f == 0: return "0"
    sign, digits, exp = decimal.Decimal(repr(f)).normalize().as_tuple()
    d = "".join(map(str, digits)); k = len(d); n = k + exp; s = "-" if sign else ""
    if k <= n <= 21: return s + d + "0" * (n - k)
    if 0 < n <= 21: return s + d[:n] + "." + d[n:]
    if -6 < n <= 0: return s + "0." + "0" * -n + d
    return s + d[0] + ("." + d[1:] if k > 1 else "") + "e" + ("+" if n > 0 else "-") + str(abs(n - 1))
def key(k):
    # a JS object's keys are strings: String(true), String(1.5) as JS writes them; null as ""
    if k is None: return ""
    if isinstance(k, bool): return "true" if k else "false"
    if isinstance(k, float): return jsnum(k)
    if isinstance(k, (datetime.date, datetime.datetime)): return enc(k)
    return str(k)
def enc(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return v if abs(v) <= 2**53 else {"$bigint": str(v)}
    if isinstance(v, float): return num(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo: v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        text = v.replace(microsecond=v.microsecond // 1000 * 1000).isoformat(timespec="milliseconds") + "Z"
        return text[:-len("T00:00:00.000Z")] if text.endswith("T00:00:00.000Z") else text
    if isinstance(v, datetime.date): return v.isoformat()
    if isinstance(v, bytes): return {"$bytes": base64.b64encode(v).decode()}
    if isinstance(v, (list, tuple)): return [enc(x) for x in v]
    if isinstance(v, (set, frozenset)): return [enc(x) for x in sorted(v, key=str)]
    if isinstance(v, dict): return {key(k): enc(x) for k, x in v.items()}
    return {"$type": type(v).__name__}
out = []
for text in json.load(sys.stdin):
    try:
        out.append(enc(yaml.safe_load(text)))
    except Exception as e:
        out.append({"$error": True})
print(json.dumps(out))
`;

function pyyaml(texts: string[]): unknown[] {
  const result = spawnSync(PYTHON, ["-c", PY_LOAD], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 256 << 20 });
  if (result.status !== 0) throw new Error(`python3: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown[];
}

function encode(value: unknown): unknown {
  if (typeof value === "number") return Number.isNaN(value) ? { $float: "nan" } : !Number.isFinite(value) ? { $float: value > 0 ? "inf" : "-inf" } : value === 0 ? 0 : value;
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
}

function ours(text: string): unknown {
  try {
    return encode(parseYaml(text));
  } catch {
    return { $error: true };
  }
}

const token = (pattern: RegExp) => fc.stringMatching(pattern);
const SCALAR = fc.oneof(
  // sexagesimal ints and floats, with and without a leading 0, groups up to 99
  token(/^[-+]?[0-9][0-9_]{0,2}(:[0-9]{1,2}){1,5}(\.[0-9_]{0,3})?$/),
  // MAC-like: hex, decimal, decimal groups under 60
  token(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/),
  token(/^[0-9]{2}(:[0-9]{2}){5}$/),
  token(/^[0-9][0-9](:[0-5][0-9]){5}$/),
  // octal, hex, binary, decimal, underscores, signs
  token(/^[-+]?0[obxOBX]?[0-9a-fA-F_]{0,6}$/),
  token(/^[-+]?[0-9_]{1,8}$/),
  // floats, exponents, infinities and NaNs in any case
  token(/^[-+]?[0-9_]{0,4}\.[0-9_]{0,4}([eE][-+]?[0-9]{1,3})?$/),
  token(/^[-+]?[0-9]{1,3}[eE][-+]?[0-9]{1,2}$/),
  token(/^[-+]?\.([iI][nN][fF]|[nN][aA][nN])$/),
  // booleans and nulls in any case, y/n
  token(/^([yY]([eE][sS])?|[nN][oO]?|[oO]([nN]|[fF][fF])|[tT][rR][uU][eE]|[fF][aA][lL][sS][eE])$/),
  token(/^(~|[nN][uU][lL][lL]|)$/),
  // dates and timestamps, possible and impossible
  token(/^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]| {1,2}|\t)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,8})?( ?(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?$/),
  token(/^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9])([Tt ](0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[-+](0[0-9]|1[0-2])(:[0-5][0-9])?)?)?$/),
  // strings made of the characters these forms use
  token(/^[0-9a-fA-F:._+~=<xoOyYnNtT-]{1,10}$/),
);

// where a scalar can stand: a value, a list item, a flow item, a key
const PLACES = [(s: string) => `k: ${s}\n`, (s: string) => `- ${s}\n`, (s: string) => `[${s}, x]\n`, (s: string) => `${s}: v\n`, (s: string) => `{k: ${s}}\n`];

const DOCUMENTS = [
  "a: 1\n---\nb: 2\n",
  "---\na: 1\n...\n",
  "a: 1\n---\n",
  "",
  "# only a comment\n",
  "k: =\n",
  "k: <<\n",
  "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
  "base: &b {x: 1}\nmore: &m {z: 2}\nd:\n  <<: [*b, *m]\n",
  "a: 1\na: 2\n",
  "k: !!binary aGVsbG8=\n",
  "k: !!str 0644\n",
  "k: !!int '0644'\n",
  "k: !!float '1'\n",
  "k: '0644'\nj: \"1:20\"\n",
  "k: |\n  text\n  more\n",
  "k: >-\n  folded\n  text\n",
  "? complex\n: value\n",
  "k: v # comment\n",
  "k:\tv\n",
  "runcmd:\n  - [ls, -l, /]\n  - echo 'a: b'\n",
  "write_files:\n- path: /etc/x\n  permissions: 0644\n  content: |\n    hi\n",
  // tabs: PyYAML separates tokens by spaces only
  "a: b\t\n",
  "a:\tb\n",
  "a: |\n  x\n  \ty\n",
  "a: |\n  x\n \ty\n",
  "a:\n  b: |\n    x\n  \ty\n",
  'a: "x\ty"\n',
  "a: b # c\td\n",
  "a: 1\n\t\nb: 2\n",
  // keys, and ":" starting a plain scalar
  ": v\n",
  "{? : v}\n",
  "[a: b]\n",
  "k: :o7\n",
  "[:o7]\n",
  "=: v\n",
  "<<: {a: 1}\n",
  // what a Python dict cannot hold or safe_load does not know; sets and ordered maps as lists
  "? [a, b]\n: v\n",
  "? {a: 1}\n: v\n",
  "k: !custom x\n",
  "k: !!python/name:os.system x\n",
  "k: !!set {a}\n",
  "k: !!omap [a: 1, b: 2]\n",
  '%YAML 1.1\n---\nk: yes\n',
  'k: "\\x41\\u00e9\\N\\_\\L\\P\\e\\0\\a\\b\\t\\v\\f\\r\\/"\n',
  "a: &x 1\n*x : 2\n",
  "k: v\r\nj: w\r\n",
  "\ufeffk: v\n",
  // explicit tags apply the constructor
  "k: !!int abc\n",
  "k: !!int 10:20\n",
  "k: !!int '0x1F'\n",
  "k: !!bool Yes\n",
  "k: !!bool y\n",
  "k: !!float .5\n",
  "k: !!float inf\n",
  "k: !!timestamp '2001-1-1'\n",
];

describe.skipIf(!havePyyaml)("parseYaml gives what PyYAML's safe_load gives", () => {
  it("on generated scalars in every place and on sample documents", () => {
    const seed = Number(process.env.FC_SEED ?? 11);
    const scalars = fc.sample(SCALAR, { numRuns: 3000, seed });
    const texts = [...scalars.flatMap((s) => PLACES.map((place) => place(s))), ...DOCUMENTS];
    const expected = pyyaml(texts);
    const diverging = texts.flatMap((text, i) => {
      const [a, b] = [JSON.stringify(canonical(ours(text))), JSON.stringify(canonical(expected[i]))];
      return a === b ? [] : [`${JSON.stringify(text)}: ours ${a}, PyYAML ${b}`];
    });
    // in the log when it fails: which inputs, and what each side read
    expect(diverging).toEqual([]);
  });

  it("except where a MAC address is wanted: a base-60 token stays the text written", () => {
    const texts = ["52:54:00:12:34:56", "10:20:30:40:50:59", "00:50:56:12:34:56", "00:01:02:03:04:05", "fa:16:3e:00:00:01"];
    const docs = texts.map((mac) => `network:\n  version: 1\n  config:\n  - type: physical\n    name: eth0\n    mac_address: ${mac}\n`);
    const v2 = texts.map((mac) => `ethernets:\n  id0:\n    match: {macaddress: ${mac}}\n    macaddress: ${mac}\n`);
    expect(docs.map((d) => (parseYaml(d) as { network: { config: { mac_address: unknown }[] } }).network.config[0].mac_address)).toEqual(texts);
    expect(v2.map((d) => (parseYaml(d) as { ethernets: { id0: unknown } }).ethernets.id0)).toEqual(texts.map((mac) => ({ match: { macaddress: mac }, macaddress: mac })));
    // what PyYAML does with the first two, and what it keeps as text
    expect(pyyaml(docs.slice(0, 3)).map((d) => (d as { network: { config: { mac_address: unknown }[] } }).network.config[0].mac_address)).toEqual([41135085296, 8041827059, "00:50:56:12:34:56"]);
    // elsewhere the number stays a number
    expect(parseYaml("other: 52:54:00:12:34:56\n")).toEqual({ other: 41135085296 });
  });
});

/** Mappings with their keys sorted: merge keys order them differently, and the order carries no meaning. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]): [string, unknown] => [k, canonical(v)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
