// cloud-config is YAML 1.1 as PyYAML's safe_load reads it: yes/no/on/off are booleans,
// 0644 is octal, 1:20 is sexagesimal, an unquoted date becomes its ISO text. Every YAML and JSON
// document is bounded in nesting depth before anything walks it recursively.
import { Composer, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, Parser, Scalar, visit, YAMLParseError, type CST, type Document, type Tags, type DocumentOptions, type ParseOptions, type ScalarTag, type SchemaOptions, type ToJSOptions } from "yaml";

export class YamlError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

// PyYAML's implicit resolvers (yaml/resolver.py) and constructors (yaml/constructor.py),
// exactly: the `yaml` package's 1.1 schema is wider (y/n booleans, "09" and "00:50:56" as
// numbers, "-.5" and "1e3" as floats, "2001-1-1" as a date, impossible dates accepted).
const BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP = /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;
const TIMESTAMP_PARTS = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/** A sign and the rest, underscores gone, as PyYAML's int and float constructors start. */
function signed(text: string): [number, string] {
  const value = text.replace(/_/g, "");
  return [value[0] === "-" ? -1 : 1, /^[-+]/.test(value) ? value.slice(1) : value];
}

/** Base-60 digits, summed from the last as PyYAML does (the same float rounding). */
function sexagesimal(parts: number[]): number {
  let value = 0;
  let base = 1;
  for (const digit of parts.reverse()) {
    value += digit * base;
    base *= 60;
  }
  return value;
}

function constructInt(text: string, onError: (message: string) => void): number {
  const [sign, value] = signed(text);
  const radix = (digits: string, base: number) => {
    // "0b_" and "0x_" match the resolver but have no digits: int() fails in PyYAML too
    if (!digits) onError(`invalid integer ${JSON.stringify(text)}`);
    return sign * Number.parseInt(digits, base);
  };
  if (value === "0") return 0;
  if (value.startsWith("0b")) return radix(value.slice(2), 2);
  if (value.startsWith("0x")) return radix(value.slice(2), 16);
  if (value.startsWith("0")) return radix(value, 8);
  if (value.includes(":")) return sign * sexagesimal(value.split(":").map(Number));
  return sign * Number(value);
}

function constructFloat(text: string): number {
  const [sign, value] = signed(text.toLowerCase());
  // ".inf" and ".nan" as resolved; "inf", "infinity" and "nan" as Python's float() takes them under !!float
  if (/^\.?inf(?:inity)?$/.test(value)) return sign * Infinity;
  if (/^\.?nan$/.test(value)) return NaN;
  if (value.includes(":")) return sign * sexagesimal(value.split(":").map(Number));
  return sign * Number(value);
}

/** A date or a date and time, kept as ISO text (UTC, milliseconds): no module wants a Date,
 * and JSON output must not shift it. An impossible one (month 13, 25:00) is an error, as
 * Python's datetime makes it. */
function constructTimestamp(text: string, onError: (message: string) => void): string {
  const [, year, month, day, hour, minute, second, fraction, tz, tzSign, tzHour, tzMinute] = TIMESTAMP_PARTS.exec(text) as RegExpExecArray;
  const n = (s: string | undefined) => Number(s ?? 0);
  const date = new Date(0);
  date.setUTCFullYear(n(year), n(month) - 1, n(day));
  date.setUTCHours(n(hour), n(minute), n(second), n((fraction ?? "").slice(0, 3).padEnd(3, "0")));
  const exact = date.getUTCFullYear() === n(year) && date.getUTCMonth() === n(month) - 1 && date.getUTCDate() === n(day) && date.getUTCHours() === n(hour) && date.getUTCMinutes() === n(minute);
  if (!exact || n(year) < 1 || n(second) > 59 || n(tzHour) * 60 + n(tzMinute) >= 24 * 60) onError(`invalid timestamp ${JSON.stringify(text)}`);
  if (tz && tz !== "Z") date.setTime(date.getTime() - (tzSign === "-" ? -1 : 1) * (n(tzHour) * 60 + n(tzMinute)) * 60_000);
  return date.toISOString().replace(/T00:00:00\.000Z$/, "");
}

const scalar = (tag: string, test: RegExp, resolve: ScalarTag["resolve"]): ScalarTag => ({ tag: `tag:yaml.org,2002:${tag}`, default: true, test, resolve });

const PYYAML_SCALARS: ScalarTag[] = [
  scalar("bool", BOOL_TRUE, () => true),
  scalar("bool", BOOL_FALSE, () => false),
  scalar("int", INT, constructInt),
  scalar("float", FLOAT, constructFloat),
  scalar("timestamp", TIMESTAMP, constructTimestamp),
  // an explicit tag (!!int "0x10", !!float "1") applies the constructor to any text
  { tag: "tag:yaml.org,2002:int", resolve: explicit(/^[-+]?(?:0b[01]+|0x[0-9a-f]+|[0-9]+(?::[0-9]+)*)$/i, constructInt) },
  { tag: "tag:yaml.org,2002:float", resolve: explicit(/^[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?|\.?inf(?:inity)?|\.?nan)$/i, constructFloat) },
  { tag: "tag:yaml.org,2002:bool", resolve: explicit(/^(?:yes|no|true|false|on|off)$/i, (text) => /^(?:yes|true|on)$/i.test(text)) },
  { tag: "tag:yaml.org,2002:timestamp", resolve: explicit(TIMESTAMP_PARTS, constructTimestamp) },
];

/** A constructor for explicitly tagged text, refusing what Python's int(), float() or the bool table refuse. */
function explicit(valid: RegExp, construct: (text: string, onError: (message: string) => void) => unknown): ScalarTag["resolve"] {
  return (text, onError) => {
    if (!valid.test(text.replace(/_/g, ""))) onError(`${JSON.stringify(text)} cannot be read as the type its tag names`);
    return construct(text, onError);
  };
}
const REPLACED = new Set(["bool", "int", "float", "timestamp"].map((t) => `tag:yaml.org,2002:${t}`));

function pyyamlTags(tags: Tags): Tags {
  return [...tags.filter((tag) => typeof tag === "string" || !REPLACED.has(tag.tag) || !("test" in tag) || !tag.test), ...PYYAML_SCALARS];
}

const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  schema: "yaml-1.1",
  customTags: pyyamlTags,
  // PyYAML keeps the last of duplicate keys instead of refusing the document
  uniqueKeys: false,
};
const TO_JS: ToJSOptions = { maxAliasCount: 1000 };

/**
 * Deepest nesting of mappings and lists accepted in a YAML or JSON document. Real configs
 * stay under a dozen levels; the bound keeps every recursive walk (the YAML composer,
 * merges, JSON.stringify) far from the stack's end.
 */
export const MAX_NESTING = 64;

const CST_COLLECTIONS = new Set(["block-map", "block-seq", "flow-collection"]);

/** Parses one YAML document with PyYAML's rules; throws YamlError naming the line. */
export function parseYaml(text: string): unknown {
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  // the composer recurses (and compiles a pattern per indentation level): measure the tree first
  for (const token of tokens) {
    const offset = cstTooDeep(token);
    if (offset !== undefined) throw new YamlError(`${nestingMessage()} at line ${lines.linePos(offset).line}`, lines.linePos(offset).line);
  }
  const refused = pyyamlRefuses(tokens, text);
  if (refused) {
    const { line, col } = lines.linePos(refused.offset);
    throw new YamlError(`${refused.message} at line ${line}, column ${col}`, line);
  }
  const docs = [...new Composer(OPTIONS).compose(tokens, true, text.length)];
  const doc = docs[0];
  pyyamlPass(doc);
  // safe_load reads one document: a second is an error, not ignored
  if (docs.length > 1 && !doc.errors.length) doc.errors.push(new YAMLParseError([docs[1].range[0], docs[1].range[0] + 1], "MULTIPLE_DOCS", "expected a single document in the stream, but found another document"));
  // safe_load knows only YAML's own tags: !custom or !!python/... is an error, not a string
  const unknownTag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
  if (unknownTag) doc.errors.push(new YAMLParseError(unknownTag.pos, "TAG_RESOLVE_FAILED", unknownTag.message));
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    throw new YamlError(`${error.message.split("\n")[0].replace(/[.:]$/, "")} at line ${line}, column ${col}`, line);
  }
  const value = doc.toJS(TO_JS);
  // aliases can stack the depth of several anchored nodes
  assertNesting(value);
  return /!!(set|omap)|tag:yaml\.org,2002:(set|omap)/.test(text) ? asPython(value) : value;
}

/** Keys whose value is a MAC address (network config v1 and v2): there a token YAML 1.1 reads
 * as a base-60 integer (52:54:00:12:34:56, QEMU's prefix) stays the text written, as netplan's
 * own parser reads it, where PyYAML makes 41135085296 of it and cloud-init then fails. */
const MAC_KEYS = new Set(["mac_address", "macaddress"]);
const SEXAGESIMAL_INT = /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/;

/** After composing: MACs as written, and the plain scalars PyYAML resolves to YAML 1.1's value
 * and merge types ("=" and "<<"), which safe_load reads only as mapping keys. */
function pyyamlPass(doc: Document.Parsed): void {
  visit(doc, {
    Scalar(key, node) {
      const keyOnly = node.type === Scalar.PLAIN && (node.source === "=" || node.source === "<<");
      if (keyOnly && key !== "key") doc.errors.push(new YAMLParseError(node.range ? [node.range[0], node.range[1]] : [0, 1], "TAG_RESOLVE_FAILED", `a plain ${JSON.stringify(node.source)} is valid only as a mapping key (quote it)`));
    },
    Pair(_, pair) {
      const { key, value } = pair;
      // a Python dict cannot hold a list or a dict as a key
      if (isCollection(key)) doc.errors.push(new YAMLParseError(key.range ? [key.range[0], key.range[1]] : [0, 1], "BAD_COLLECTION_TYPE", "a list or mapping as a mapping key (PyYAML refuses it)"));
      if (isScalar(key) && MAC_KEYS.has(String(key.value)) && isScalar(value) && value.type === Scalar.PLAIN && value.source && SEXAGESIMAL_INT.test(value.source)) value.value = value.source;
    },
  });
}

interface CstNode {
  type?: string;
  offset?: number;
  source?: string;
  key?: unknown;
  start?: unknown;
  sep?: unknown;
}

/**
 * What PyYAML's scanner refuses and the `yaml` package accepts: a tab anywhere but inside a
 * quoted scalar, a comment or a block scalar's text (PyYAML separates tokens by spaces only),
 * an implicit key that is empty (": v"), and a plain scalar starting with ":" in a flow
 * collection. Returns the first, walking the CST iteratively.
 */
function pyyamlRefuses(tokens: CST.Token[], text: string): { offset: number; message: string } | undefined {
  const tabsAllowed: [number, number][] = [];
  const stack: [unknown, boolean][] = tokens.map((t) => [t, false]);
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, inFlow] = entry;
    if (Array.isArray(node)) {
      for (const child of node) stack.push([child, inFlow]);
      continue;
    }
    if (typeof node !== "object" || node === null) continue;
    const token = node as CstNode;
    const start = token.offset ?? 0;
    const end = start + (token.source?.length ?? 0);
    if (token.type === "comment" || token.type === "single-quoted-scalar" || token.type === "double-quoted-scalar") tabsAllowed.push([start, end]);
    if (token.type === "block-scalar") tabsAllowed.push(...blockScalarText(token as CST.BlockScalar));
    if (inFlow && token.type === "scalar" && token.source?.startsWith(":")) return { offset: start, message: 'a plain scalar in a flow collection cannot start with ":" (quote it: "::1")' };
    const sep = Array.isArray(token.sep) ? (token.sep as CstNode[]) : [];
    const explicitKey = Array.isArray(token.start) && (token.start as CstNode[]).some((t) => t.type === "explicit-key-ind");
    const valueInd = sep.find((t) => t.type === "map-value-ind");
    if (valueInd && !token.key && !explicitKey) return { offset: valueInd.offset ?? 0, message: "a mapping key is missing" };
    for (const child of Object.values(token)) if (typeof child === "object" && child !== null) stack.push([child, inFlow || token.type === "flow-collection"]);
  }
  if (!text.includes("\t")) return undefined;
  // a mask, not a search per tab: linear in the text however many tabs and ranges it has
  const allowed = new Uint8Array(text.length);
  for (const [from, to] of tabsAllowed) allowed.fill(1, from, to);
  for (let at = text.indexOf("\t"); at >= 0; at = text.indexOf("\t", at + 1)) {
    if (!allowed[at]) return { offset: at, message: "a tab where PyYAML allows only spaces (outside quotes, comments and block scalars)" };
  }
  return undefined;
}

/** The ranges of a block scalar's text where a tab is content: past its lines' indentation
 * (the leading spaces of its first non-blank line). */
function blockScalarText(token: CST.BlockScalar): [number, number][] {
  const header = token.props[token.props.length - 1] as CST.SourceToken | undefined;
  let offset = header ? header.offset + header.source.length : token.offset;
  const lines = token.source.split("\n");
  const indent = /^ */.exec(lines.find((l) => l.trim()) ?? "")![0].length;
  const ranges: [number, number][] = [];
  for (const line of lines) {
    if (/^ */.exec(line)![0].length >= indent) ranges.push([offset + indent, offset + line.length]);
    offset += line.length + 1;
  }
  return ranges;
}

/** !!set and !!omap as PyYAML's values are in JSON: a set as a list of its members, an ordered
 * map as a list of [key, value] pairs (not a JS Set or Map, which JSON writes as {}). The
 * depth is bounded already. */
function asPython(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(asPython);
  if (value instanceof Map) return [...value].map(([k, v]) => [k, asPython(v)]);
  if (Array.isArray(value)) return value.map(asPython);
  if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) setOwn(value, k, asPython(v));
  return value;
}

/** The offset of the first collection nested deeper than MAX_NESTING, if any (iterative). */
function cstTooDeep(root: CST.Token): number | undefined {
  const stack: [CST.Token, number][] = [[root, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [token, outer] = entry;
    const depth = CST_COLLECTIONS.has(token.type) ? outer + 1 : outer;
    if (depth > MAX_NESTING) return token.offset;
    if ("items" in token) {
      for (const item of token.items as { key?: CST.Token | null; value?: CST.Token }[]) {
        if (item.key) stack.push([item.key, depth]);
        if (item.value) stack.push([item.value, depth]);
      }
    } else if (token.type === "document" && token.value) stack.push([token.value, depth]);
  }
  return undefined;
}

function nestingMessage(): string {
  return `mappings and lists nested deeper than ${MAX_NESTING} levels`;
}

/** Throws when lists and mappings in `value` nest deeper than MAX_NESTING (an iterative walk). */
export function assertNesting(value: unknown): void {
  const stack: [unknown, number][] = [[value, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, outer] = entry;
    if (typeof node !== "object" || node === null || node instanceof Uint8Array) continue;
    const depth = outer + 1;
    if (depth > MAX_NESTING) throw new Error(nestingMessage());
    for (const child of Object.values(node)) if (typeof child === "object" && child !== null) stack.push([child, depth]);
  }
}

/**
 * JSON.parse with the nesting bound; its error gives the position, never the text around it
 * (node's own message quotes the document, which may hold a secret).
 */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    if (position === undefined) throw new Error(text.trim() ? "invalid JSON" : "invalid JSON: empty");
    const before = text.slice(0, Number(position)).split("\n");
    throw new Error(`invalid JSON at line ${before.length}, column ${before[before.length - 1].length + 1}`);
  }
  assertNesting(value);
  return value;
}

/** The keys a merge or patch refuses: assigning them reaches an object's prototype. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Sets an own data property, even for "__proto__" (where `obj[key] = v` would set the prototype). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A list, or a comma string split and trimmed (as cloud-init reads per-user groups, module lists of names, devices). */
export function toList(value: unknown): string[] {
  if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value)) return value.flatMap((v) => (v === null || v === undefined ? [] : [String(v)]));
  return [];
}

/** Serialises data for files cloud-init users read back (instance data, status --format yaml). */
export { stringify as toYaml } from "yaml";

/**
 * The line each key path of a YAML document is written at ("write_files.0.path" → 4), for
 * messages that point into the file; paths as schema issues name them. Positions only: the
 * values are read by parseYaml.
 */
export function keyLines(text: string): Map<string, number> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const out = new Map<string, number>();
  const walk = (node: unknown, path: string, depth: number): void => {
    if (depth > MAX_NESTING) return;
    const at = (child: string) => (path ? `${path}.${child}` : child);
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const start = (pair.key as { range?: [number, number, number] }).range?.[0];
        if (start !== undefined && !out.has(at(key))) out.set(at(key), lines.linePos(start).line);
        walk(pair.value, at(key), depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const start = (item as { range?: [number, number, number] } | null)?.range?.[0];
        if (start !== undefined) out.set(at(String(i)), lines.linePos(start).line);
        walk(item, at(String(i)), depth + 1);
      });
    }
  };
  walk(doc.contents, "", 0);
  return out;
}
