// Python's side of Jinja as cloud-init's users write it: templates call str, list and dict
// methods (`v1.instance_id.startswith('iid-')`, `d.get('k')`, `s.split(',')`), print None as
// "None" and use Jinja2's own filters (`tojson`). Pure functions over template values. Member
// lookup answers only data (own keys of mappings, items of lists, characters of strings) and
// the methods below: a template from user-data never reaches a JavaScript prototype.
import { isPlainObject } from "../config/yaml";

/** A mapping of the data: an object of Object's own prototype (or none), never an engine object such as nunjucks' Context. */
export function isDict(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

type Method = (self: never, ...args: unknown[]) => unknown;
/** A method's parameter names, so keyword arguments (`split(maxsplit=1)`) land in place. */
type Table = Record<string, { params: string[]; fn: Method }>;

const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

class PythonError extends Error {}

/** A Python tuple: a list that prints as one ("(a, b)"). */
class Tuple extends Array<unknown> {}

export function tuple(items: unknown[]): unknown[] {
  const t = new Tuple();
  t.push(...items);
  return t;
}

function str(value: unknown, what: string): string {
  if (typeof value === "string" || value instanceof String) return String(value);
  throw new PythonError(`${what} must be str, not ${typeName(value)}`);
}

function optionalInt(value: unknown, fallback: number): number {
  return value === undefined || value === null ? fallback : Math.trunc(Number(value));
}

/** CPython's ADJUST_INDICES for s[start:end] searches: negatives from the end, end clamped, start not. */
function bounds(length: number, start: unknown, end: unknown): [number, number] {
  const from = (i: number) => (i < 0 ? Math.max(0, length + i) : i);
  return [from(optionalInt(start, 0)), Math.min(from(optionalInt(end, length)), length)];
}

function affixes(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => str(v, "tuple item")) : [str(value, "prefix")];
}

function stripSet(chars: unknown): (c: string) => boolean {
  if (chars === undefined || chars === null) {
    const space = new RegExp(`[${SPACE}]`);
    return (c) => space.test(c);
  }
  const set = str(chars, "strip arg");
  return (c) => set.includes(c);
}

function strip(s: string, chars: unknown, left: boolean, right: boolean): string {
  const inSet = stripSet(chars);
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  while (left && a < b && inSet(cs[a])) a++;
  while (right && b > a && inSet(cs[b - 1])) b--;
  return cs.slice(a, b).join("");
}

/** str.split / str.rsplit, CPython's rules for a missing separator and for maxsplit. */
function split(s: string, sep: unknown, maxsplit: unknown, fromRight: boolean): string[] {
  let max = optionalInt(maxsplit, -1);
  if (max < 0) max = Infinity;
  if (sep === undefined || sep === null) {
    const words: string[] = [];
    let rest = strip(s, null, !fromRight, fromRight);
    const ws = new RegExp(`[${SPACE}]+`, "g");
    while (rest !== "" && words.length < max) {
      const found = fromRight ? [...rest.matchAll(ws)].pop() : ws.exec(rest);
      ws.lastIndex = 0;
      if (!found) break;
      if (fromRight) {
        words.unshift(rest.slice(found.index + found[0].length));
        rest = rest.slice(0, found.index);
      } else {
        words.push(rest.slice(0, found.index));
        rest = rest.slice(found.index + found[0].length);
      }
      rest = strip(rest, null, !fromRight, fromRight);
    }
    if (rest !== "") fromRight ? words.unshift(rest) : words.push(rest);
    return words;
  }
  const by = str(sep, "separator");
  if (by === "") throw new PythonError("empty separator");
  const parts = s.split(by);
  if (parts.length - 1 <= max) return parts;
  return fromRight ? [parts.slice(0, parts.length - max).join(by), ...parts.slice(parts.length - max)] : [...parts.slice(0, max), parts.slice(max).join(by)];
}

function replace(s: string, old: string, by: string, count: number): string {
  const limit = count < 0 ? Infinity : count;
  if (old === "") {
    const cs = [...s];
    let out = "";
    let n = 0;
    for (let i = 0; i <= cs.length; i++) {
      if (n < limit) {
        out += by;
        n++;
      }
      out += cs[i] ?? "";
    }
    return out;
  }
  const parts = s.split(old);
  if (parts.length - 1 <= limit) return parts.join(by);
  return parts.slice(0, limit + 1).join(by) + old + parts.slice(limit + 1).join(old);
}

/** s[start:end] in code points, as Python indexes strings, where it starts, and whether `sub` fits in it. */
function section(s: string, sub: string, start: unknown, end: unknown): { part: string; offset: number; fits: boolean } {
  const cps = [...s];
  const [a, b] = bounds(cps.length, start, end);
  return { part: cps.slice(a, Math.max(a, b)).join(""), offset: a, fits: b - a >= [...sub].length };
}

function count(s: string, sub: string, start: unknown, end: unknown): number {
  const { part, fits } = section(s, sub, start, end);
  if (!fits) return 0;
  return sub === "" ? [...part].length + 1 : part.split(sub).length - 1;
}

function find(s: string, sub: string, start: unknown, end: unknown, fromRight: boolean): number {
  const { part, offset, fits } = section(s, sub, start, end);
  const i = !fits ? -1 : fromRight ? part.lastIndexOf(sub) : part.indexOf(sub);
  return i < 0 ? -1 : offset + [...part.slice(0, i)].length;
}

/** ljust / rjust / zfill: widths count code points, as Python's len(). */
function pad(s: string, width: unknown, fill: string, left: boolean): string {
  const n = Math.max(0, Number(width) - [...s].length);
  return left ? fill.repeat(n) + s : s + fill.repeat(n);
}

const isCased = (c: string) => c.toLowerCase() !== c.toUpperCase();

function title(s: string): string {
  let out = "";
  let previousCased = false;
  for (const c of s) {
    out += previousCased ? c.toLowerCase() : c.toUpperCase();
    previousCased = isCased(c);
  }
  return out;
}

/** str.format with positional ({} / {0}) and named ({name}) fields; no format specs. */
function format(s: string, args: unknown[], kwargs: Record<string, unknown>): string {
  let auto = 0;
  return s.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (m, field: string | undefined) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    if (field === undefined) throw new PythonError("Single '{' or '}' encountered in format string");
    if (/[!:.[]/.test(field)) throw new PythonError(`format field {${field}}: conversions, specs and attributes are not supported`);
    const value = field === "" ? args[auto++] : /^\d+$/.test(field) ? args[Number(field)] : Object.hasOwn(kwargs, field) ? kwargs[field] : undefined;
    if (value === undefined) throw new PythonError(field === "" || /^\d+$/.test(field) ? "Replacement index out of range for positional args tuple" : `KeyError: '${field}'`);
    return pythonStr(value);
  });
}

const STR: Table = {
  startswith: { params: ["prefix", "start", "end"], fn: (s: string, p, a, b) => startsOrEnds(s, p, a, b, false) },
  endswith: { params: ["suffix", "start", "end"], fn: (s: string, p, a, b) => startsOrEnds(s, p, a, b, true) },
  split: { params: ["sep", "maxsplit"], fn: (s: string, sep, max) => split(s, sep, max, false) },
  rsplit: { params: ["sep", "maxsplit"], fn: (s: string, sep, max) => split(s, sep, max, true) },
  splitlines: { params: ["keepends"], fn: (s: string, keep) => splitlines(s, Boolean(keep)) },
  strip: { params: ["chars"], fn: (s: string, c) => strip(s, c, true, true) },
  lstrip: { params: ["chars"], fn: (s: string, c) => strip(s, c, true, false) },
  rstrip: { params: ["chars"], fn: (s: string, c) => strip(s, c, false, true) },
  lower: { params: [], fn: (s: string) => s.toLowerCase() },
  upper: { params: [], fn: (s: string) => s.toUpperCase() },
  title: { params: [], fn: (s: string) => title(s) },
  capitalize: { params: [], fn: (s: string) => { const [first = "", ...rest] = s; return first.toUpperCase() + rest.join("").toLowerCase(); } },
  replace: { params: ["old", "new", "count"], fn: (s: string, o, n, c) => replace(s, str(o, "old"), str(n, "new"), optionalInt(c, -1)) },
  join: { params: ["iterable"], fn: (s: string, items) => iterate(items).map((v, i) => str(v, `sequence item ${i}`)).join(s) },
  find: { params: ["sub", "start", "end"], fn: (s: string, sub, a, b) => find(s, str(sub, "sub"), a, b, false) },
  rfind: { params: ["sub", "start", "end"], fn: (s: string, sub, a, b) => find(s, str(sub, "sub"), a, b, true) },
  count: { params: ["sub", "start", "end"], fn: (s: string, sub, a, b) => count(s, str(sub, "sub"), a, b) },
  format: { params: [], fn: (s: string, ...args) => { const kw = keywords(args); return format(s, kw.positional, kw.named); } },
  isdigit: { params: [], fn: (s: string) => /^\p{Nd}+$/u.test(s) },
  isalpha: { params: [], fn: (s: string) => /^\p{L}+$/u.test(s) },
  isalnum: { params: [], fn: (s: string) => /^[\p{L}\p{N}]+$/u.test(s) },
  isspace: { params: [], fn: (s: string) => new RegExp(`^[${SPACE}]+$`).test(s) },
  islower: { params: [], fn: (s: string) => [...s].some(isCased) && s === s.toLowerCase() },
  isupper: { params: [], fn: (s: string) => [...s].some(isCased) && s === s.toUpperCase() },
  partition: { params: ["sep"], fn: (s: string, sep) => partition(s, str(sep, "separator"), false) },
  rpartition: { params: ["sep"], fn: (s: string, sep) => partition(s, str(sep, "separator"), true) },
  zfill: { params: ["width"], fn: (s: string, w) => { const sign = /^[+-]/.test(s) ? s[0] : ""; return sign + pad(s.slice(sign.length), Number(w) - sign.length, "0", true); } },
  ljust: { params: ["width", "fillchar"], fn: (s: string, w, f) => pad(s, w, f === undefined ? " " : str(f, "fillchar"), false) },
  rjust: { params: ["width", "fillchar"], fn: (s: string, w, f) => pad(s, w, f === undefined ? " " : str(f, "fillchar"), true) },
};

function startsOrEnds(s: string, affix: unknown, start: unknown, end: unknown, atEnd: boolean): boolean {
  return affixes(affix).some((x) => {
    const { part, fits } = section(s, x, start, end);
    return fits && (atEnd ? part.endsWith(x) : part.startsWith(x));
  });
}

function splitlines(s: string, keepends: boolean): string[] {
  const lines: string[] = [];
  let rest = s;
  while (rest !== "") {
    const m = LINE_BREAKS.exec(rest);
    if (!m) {
      lines.push(rest);
      break;
    }
    lines.push(rest.slice(0, keepends ? m.index + m[0].length : m.index));
    rest = rest.slice(m.index + m[0].length);
  }
  return lines;
}

function partition(s: string, sep: string, fromRight: boolean): unknown[] {
  if (sep === "") throw new PythonError("empty separator");
  const i = fromRight ? s.lastIndexOf(sep) : s.indexOf(sep);
  if (i < 0) return tuple(fromRight ? ["", "", s] : [s, "", ""]);
  return tuple([s.slice(0, i), sep, s.slice(i + sep.length)]);
}

const LIST: Table = {
  append: { params: ["object"], fn: (l: unknown[], v) => void l.push(v) },
  extend: { params: ["iterable"], fn: (l: unknown[], v) => void l.push(...iterate(v)) },
  insert: { params: ["index", "object"], fn: (l: unknown[], i, v) => void l.splice(index(l.length, i, true), 0, v) },
  pop: { params: ["index"], fn: (l: unknown[], i) => { if (!l.length) throw new PythonError("pop from empty list"); return l.splice(index(l.length, i ?? -1, false), 1)[0]; } },
  remove: { params: ["value"], fn: (l: unknown[], v) => { const i = l.findIndex((x) => equal(x, v)); if (i < 0) throw new PythonError("list.remove(x): x not in list"); l.splice(i, 1); } },
  index: { params: ["value"], fn: (l: unknown[], v) => { const i = l.findIndex((x) => equal(x, v)); if (i < 0) throw new PythonError(`${pythonRepr(v)} is not in list`); return i; } },
  count: { params: ["value"], fn: (l: unknown[], v) => l.filter((x) => equal(x, v)).length },
};

const DICT: Table = {
  get: { params: ["key", "default"], fn: (d: Record<string, unknown>, k, v) => (Object.hasOwn(d, String(k)) ? d[String(k)] : (v ?? null)) },
  items: { params: [], fn: (d: Record<string, unknown>) => Object.entries(d).map(tuple) },
  keys: { params: [], fn: (d: Record<string, unknown>) => Object.keys(d) },
  values: { params: [], fn: (d: Record<string, unknown>) => Object.values(d) },
  update: { params: [], fn: (d: Record<string, unknown>, ...args) => { const kw = keywords(args); for (const src of [...kw.positional, kw.named]) if (isDict(src)) for (const [k, v] of Object.entries(src)) own(d, k, v); } },
};

/** Python list index: negative from the end; out of range is IndexError (insert clamps instead). */
function index(length: number, i: unknown, clamp: boolean): number {
  let n = Math.trunc(Number(i));
  if (n < 0) n += length;
  if (clamp) return Math.min(Math.max(n, 0), length);
  if (!(n >= 0 && n < length)) throw new PythonError("list index out of range");
  return n;
}

function own(d: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(d, key, { value, enumerable: true, writable: true, configurable: true });
}

/** nunjucks passes keyword arguments as a last object marked __keywords. */
function keywords(args: unknown[]): { positional: unknown[]; named: Record<string, unknown> } {
  const last = args.at(-1);
  if (!isDict(last) || last.__keywords !== true) return { positional: args, named: {} };
  const { __keywords: _, ...named } = last;
  return { positional: args.slice(0, -1), named };
}

function bind(table: Table, self: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  if (!Object.hasOwn(table, name)) return undefined;
  const { params, fn } = table[name];
  return (...args: unknown[]) => {
    if (!params.length) return fn(self as never, ...args);
    const { positional, named } = keywords(args);
    const placed = params.map((p, i) => (Object.hasOwn(named, p) ? named[p] : positional[i]));
    return fn(self as never, ...placed);
  };
}

/** obj.key / obj[key] in a template: data and the methods above, nothing else. */
export function pythonMember(obj: unknown, key: unknown): unknown {
  if (typeof obj === "string" || obj instanceof String) {
    const s = String(obj);
    if (typeof key === "number") {
      const cs = [...s];
      return cs[key < 0 ? cs.length + key : key];
    }
    return bind(STR, s, String(key));
  }
  if (Array.isArray(obj)) {
    if (typeof key === "number" || /^-?\d+$/.test(String(key))) {
      const n = Number(key);
      return obj[n < 0 ? obj.length + n : n];
    }
    return bind(LIST, obj, String(key));
  }
  if (isDict(obj)) {
    const name = String(key);
    // Jinja2 reads `d.items` as the method before the key, as Python's getattr does
    return bind(DICT, obj, name) ?? (Object.hasOwn(obj, name) ? obj[name] : undefined);
  }
  return undefined;
}

/** `x in y`: substrings, list items, own keys of a mapping. */
export function pythonIn(key: unknown, container: unknown): boolean {
  if (typeof container === "string" || container instanceof String) return String(container).includes(str(key, "'in <string>' left operand"));
  if (Array.isArray(container)) return container.some((x) => equal(x, key));
  if (isDict(container)) return Object.hasOwn(container, String(key));
  throw new PythonError(`argument of type '${typeName(container)}' is not iterable`);
}

function iterate(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return [...value];
  if (isDict(value)) return Object.keys(value);
  throw new PythonError(`'${typeName(value)}' object is not iterable`);
}

function equal(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b));
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return Array.isArray(value) ? "list" : "dict";
}

/** What Python's str() prints for a value, as Jinja2 outputs it. */
/** Python's bool(): empty lists, dicts, strings and bytes are false, as are 0, None and undefined. */
export function pythonTruthy(value: unknown): boolean {
  if (Array.isArray(value) || value instanceof Uint8Array) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  if (value instanceof String) return value.length > 0;
  return Boolean(value);
}

export function pythonStr(value: unknown): string {
  if (typeof value === "string" || value instanceof String) return String(value);
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return numberStr(value);
  if (typeof value === "string" || value instanceof String) return stringRepr(String(value));
  if (value instanceof Tuple) return value.length === 1 ? `(${pythonRepr(value[0])},)` : `(${value.map(pythonRepr).join(", ")})`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (isDict(value)) return `{${Object.entries(value).map(([k, v]) => `${stringRepr(k)}: ${pythonRepr(v)}`).join(", ")}}`;
  return String(value);
}

function numberStr(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  return String(n).replace(/e-(\d)$/, "e-0$1");
}

/** repr(str): what Python cannot print (controls, separators, unassigned...) escaped. */
function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const short: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", [quote]: `\\${quote}` };
  const escape = (c: string) => {
    const code = c.codePointAt(0)!;
    const hex = code.toString(16);
    return short[c] ?? (code < 0x100 ? `\\x${hex.padStart(2, "0")}` : code < 0x10000 ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`);
  };
  return quote + s.replace(/[\\\n\r\t'"]|(?! )[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu, (c) => (c === "'" || c === '"' ? (c === quote ? short[c] : c) : escape(c))) + quote;
}

/** Jinja2's tojson: json.dumps with sorted keys, ASCII only, and <, >, &, ' escaped for HTML. */
function toJson(value: unknown, indent?: unknown): string {
  const step = typeof indent === "number" ? " ".repeat(indent) : typeof indent === "string" ? indent : undefined;
  const dump = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return "null";
    if (v === true || v === false) return String(v);
    if (typeof v === "number") return Number.isNaN(v) ? "NaN" : !Number.isFinite(v) ? (v > 0 ? "Infinity" : "-Infinity") : String(v);
    if (typeof v === "string" || v instanceof String) return jsonString(String(v));
    const entries: [string | undefined, unknown][] = Array.isArray(v) ? v.map((x) => [undefined, x]) : isDict(v) ? Object.keys(v).sort().map((k) => [k, v[k]]) : [[undefined, String(v)]];
    const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
    if (!entries.length) return open + close;
    const items = entries.map(([k, x]) => (k === undefined ? "" : `${jsonString(k)}: `) + dump(x, depth + 1));
    if (step === undefined) return open + items.join(", ") + close;
    const pad = `\n${step.repeat(depth + 1)}`;
    return `${open}${pad}${items.join(`,${pad}`)}\n${step.repeat(depth)}${close}`;
  };
  return dump(value, 0).replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function jsonString(s: string): string {
  const short: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };
  return `"${s.replace(/["\\]|[^ -~]/g, (c) => short[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/** Python's truth: None, False, 0, "" and empty lists and mappings are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isDict(value)) return Object.keys(value).length > 0;
  return Boolean(value) && !(value instanceof String && value.length === 0);
}

/** What the filters below need from the environment: its other filters and tests by name. */
export interface FilterHost {
  filter(name: string, value: unknown, args: unknown[]): unknown;
  test(name: string, value: unknown, args: unknown[]): boolean;
}

const sortKey = (v: unknown, caseSensitive: unknown) => (typeof v === "string" && !caseSensitive ? v.toLowerCase() : v);
const compare = (a: unknown, b: unknown) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);

/** Reads `attribute` (dotted, or an index) of a value, as Jinja2's make_attrgetter. */
function attribute(value: unknown, path: unknown): unknown {
  if (path === undefined || path === null) return value;
  return String(path)
    .split(".")
    .reduce((v, part) => pythonMember(v, /^\d+$/.test(part) ? Number(part) : part), value);
}

/** Jinja2's printf-style `format` filter: %s %r %d %i %f %% with flags, width and precision. */
function printf(format: string, args: unknown[]): string {
  let next = 0;
  return format.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdifr%])/g, (_, flags: string, width: string, precision: string | undefined, conv: string) => {
    if (conv === "%") return "%";
    if (next >= args.length) throw new PythonError("not enough arguments for format string");
    const v = args[next++];
    let out = conv === "s" ? pythonStr(v) : conv === "r" ? pythonRepr(v) : conv === "f" ? Number(v).toFixed(precision === undefined ? 6 : Number(precision)) : String(Math.trunc(Number(v)));
    if (conv === "s" && precision !== undefined) out = [...out].slice(0, Number(precision)).join("");
    if (/[+ ]/.test(flags) && conv !== "s" && conv !== "r" && !out.startsWith("-")) out = (flags.includes("+") ? "+" : " ") + out;
    const w = Number(width || 0);
    if (flags.includes("-")) return out.padEnd(w);
    return flags.includes("0") && conv !== "s" && conv !== "r" ? (out.startsWith("-") ? `-${out.slice(1).padStart(w - 1, "0")}` : out.padStart(w, "0")) : out.padStart(w);
  });
}

/**
 * Jinja2's built-in filters where nunjucks lacks them or differs (None printed as "None",
 * tuples, leeway in truncate, blank lines in indent...). Keyword arguments are placed by name.
 */
export function jinjaFilters(host: FilterHost): Record<string, (...args: unknown[]) => unknown> {
  const table: Table = {
    tojson: { params: ["indent"], fn: (v: unknown, indent) => toJson(v, indent) },
    string: { params: [], fn: (v: unknown) => pythonStr(v) },
    items: { params: [], fn: (v: unknown) => (isDict(v) ? Object.entries(v).map(tuple) : []) },
    count: { params: [], fn: (v: unknown) => iterate(v).length },
    dictsort: {
      params: ["case_sensitive", "by", "reverse"],
      fn: (v: unknown, cs, by, reverse) => {
        const at = by === "value" ? 1 : 0;
        const pairs = Object.entries(v as Record<string, unknown>).sort((a, b) => compare(sortKey(a[at], cs), sortKey(b[at], cs)));
        return (reverse ? pairs.reverse() : pairs).map(tuple);
      },
    },
    min: { params: ["case_sensitive", "attribute"], fn: (v: unknown, cs, attr) => extreme(v, cs, attr, -1) },
    max: { params: ["case_sensitive", "attribute"], fn: (v: unknown, cs, attr) => extreme(v, cs, attr, 1) },
    unique: {
      params: ["case_sensitive", "attribute"],
      fn: (v: unknown, cs, attr) => {
        const seen: unknown[] = [];
        return iterate(v).filter((item) => {
          const key = sortKey(attribute(item, attr), cs);
          if (seen.some((s) => equal(s, key))) return false;
          seen.push(key);
          return true;
        });
      },
    },
    map: {
      params: [],
      fn: (v: unknown, ...args) => {
        const { positional, named } = keywords(args);
        if (Object.hasOwn(named, "attribute")) return iterate(v).map((item) => attribute(item, named.attribute) ?? named.default ?? undefined);
        const [name, ...rest] = positional;
        return iterate(v).map((item) => host.filter(str(name, "filter name"), item, rest));
      },
    },
    selectattr: { params: [], fn: (v: unknown, ...args) => selectAttr(host, v, args, true) },
    rejectattr: { params: [], fn: (v: unknown, ...args) => selectAttr(host, v, args, false) },
    groupby: {
      params: ["attribute", "default", "case_sensitive"],
      fn: (v: unknown, attr, dflt, cs) => {
        const key = (item: unknown) => sortKey(attribute(item, attr) ?? dflt, cs);
        const sorted = [...iterate(v)].sort((a, b) => compare(key(a), key(b)));
        const groups: [unknown, unknown[]][] = [];
        for (const item of sorted) {
          const last = groups.at(-1);
          if (last && equal(last[0], key(item))) last[1].push(item);
          else groups.push([key(item), [item]]);
        }
        return groups.map(tuple);
      },
    },
    format: { params: [], fn: (v: unknown, ...args) => printf(str(v, "format"), keywords(args).positional) },
    center: {
      params: ["width"],
      fn: (v: unknown, width) => {
        const s = pythonStr(v);
        const marg = optionalInt(width, 80) - [...s].length;
        if (marg <= 0) return s;
        const left = Math.floor(marg / 2) + (marg & optionalInt(width, 80) & 1);
        return " ".repeat(left) + s + " ".repeat(marg - left);
      },
    },
    truncate: {
      params: ["length", "killwords", "end", "leeway"],
      fn: (v: unknown, length, killwords, end, leeway) => {
        const s = [...pythonStr(v)];
        const n = optionalInt(length, 255);
        const tail = end === undefined || end === null ? "..." : pythonStr(end);
        if (s.length <= n + optionalInt(leeway, 5)) return s.join("");
        const cut = s.slice(0, Math.max(0, n - [...tail].length)).join("");
        return (killwords ? cut : split(cut, " ", 1, true)[0]) + tail;
      },
    },
    indent: {
      params: ["width", "first", "blank"],
      fn: (v: unknown, width, first, blank) => {
        const pad = typeof width === "string" ? width : " ".repeat(optionalInt(width, 4));
        const lines = splitlines(`${pythonStr(v)}\n`, false);
        const rv = blank ? lines.join(`\n${pad}`) : [lines[0], ...lines.slice(1).map((l) => (l ? pad + l : l))].join("\n");
        return first ? pad + rv : rv;
      },
    },
  };
  return Object.fromEntries(Object.keys(table).map((name) => [name, (v: unknown, ...args: unknown[]) => bind(table, v, name)!(...args)]));
}

function extreme(v: unknown, cs: unknown, attr: unknown, sign: number): unknown {
  const items = iterate(v);
  if (!items.length) return undefined;
  return items.reduce((best, item) => (sign * compare(sortKey(attribute(item, attr), cs), sortKey(attribute(best, attr), cs)) > 0 ? item : best));
}

function selectAttr(host: FilterHost, v: unknown, args: unknown[], keep: boolean): unknown[] {
  const [attr, test, ...rest] = keywords(args).positional;
  return iterate(v).filter((item) => {
    const value = attribute(item, attr);
    return (test === undefined ? truthy(value) : host.test(str(test, "test name"), value, rest)) === keep;
  });
}
