// `## template: jinja` parts, rendered with instance data as cloud-init renders them: every
// key also reachable with jinja-hostile characters read as "_", v1 keys at the top level,
// and an undefined name or attribute output as CI_MISSING_JINJA_VAR/<name>. nunjucks (a
// maintained Jinja-compatible engine) is loaded only when such a part appears, and taught
// Python's side of Jinja2 (./jinja-python).
import { isPlainObject, setOwn } from "../config/yaml";
import { jinjaFilters, pythonIn, pythonMember, pythonStr, pythonTruthy, tuple } from "./jinja-python";

export const JINJA_HEADER = /^## template: *jinja[ \t]*\r?\n/i;

export interface Rendered {
  text: string;
  missing: string[];
}

/**
 * `plain`: the variables of a config template (resolv.conf's options), given as they are:
 * no "_" aliases and no v1 keys, which belong to instance data and would double a key.
 */
export function renderJinja(template: string, instanceData: Record<string, unknown>, { plain = false } = {}): Rendered {
  const nunjucks = pythonNunjucks();
  // no loaders: {% include %}/{% import %} read no file (nunjucks' default loader reads ./views)
  const env = new nunjucks.Environment([], { autoescape: false, trimBlocks: true, throwOnUndefined: false });
  // filters and tests by their own names only: `|constructor` is no filter
  const own = (table: Record<string, unknown>, kind: string, name: string) => {
    if (!Object.hasOwn(table, name)) throw new Error(`${kind} not found: ${name}`);
    return table[name];
  };
  const tables = env as unknown as { filters: Record<string, unknown>; tests: Record<string, unknown> };
  env.getFilter = ((name: string) => own(tables.filters, "filter", name)) as typeof env.getFilter;
  (env as unknown as { getTest(name: string): unknown }).getTest = (name: string) => own(tables.tests, "test", name);
  const filters = jinjaFilters({
    filter: (name, value, args) => (env.getFilter(name) as (...a: unknown[]) => unknown)(value, ...args),
    test: (name, value, args) => Boolean((env as unknown as { getTest(n: string): (...a: unknown[]) => unknown }).getTest(name)(value, ...args)),
  });
  for (const [name, filter] of Object.entries(filters)) env.addFilter(name, filter);
  env.addExtension("do", new DoExtension());
  const missing: string[] = [];
  MISSING.set(env, missing);
  const data = plain ? { ...instanceData } : withAliases(instanceData);
  if (!plain && isPlainObject(data.v1)) for (const [k, v] of Object.entries(data.v1)) if (!Object.hasOwn(data, k)) setOwn(data, k, v);
  // Jinja2 drops the template's last newline (keep_trailing_newline is off); cloud-init's
  // renderer puts one back when the template ended with one (/etc/hosts keeps its last line)
  const body = template.replace(JINJA_HEADER, "");
  const trailing = /\r?\n$/.exec(body)?.[0] ?? "";
  return { text: env.renderString(body.slice(0, body.length - trailing.length), data) + (trailing ? "\n" : ""), missing };
}

const MISSING = new WeakMap<object, string[]>();
/** The if nodes whose condition already reads Python's truth (a template compiles once). */
const TRUTH_READ = new WeakSet<object>();
const PYTHON_CONSTANTS = new Map<string, unknown>([
  ["True", true],
  ["False", false],
  ["None", null],
]);

/** cloud-init's jinja2.ext.do: `{% do list.append(x) %}` evaluates and prints nothing. */
class DoExtension {
  tags = ["do"];
  parse(parser: NunjucksParser, nodes: NunjucksNodes): unknown {
    const tok = parser.nextToken();
    const expression = parser.parseExpression();
    parser.advanceAfterBlockEnd(tok.value);
    return new nodes.CallExtension(this, "run", new nodes.NodeList(tok.lineno, tok.colno, [expression]), []);
  }
  run(): string {
    return "";
  }
}

interface NunjucksParser {
  nextToken(): { value: string; lineno: number; colno: number };
  parseExpression(): unknown;
  advanceAfterBlockEnd(name: string): void;
}
interface NunjucksNodes {
  CallExtension: new (ext: object, prop: string, args: unknown, contentArgs: unknown[]) => unknown;
  NodeList: new (lineno: number, colno: number, children: unknown[]) => unknown;
}
type Node = { typename: string; value?: unknown; val?: Node; children?: Node[]; lineno: number; colno: number };
interface TokenizerSelf {
  trimBlocks: boolean;
  str: string;
  index: number;
  current(): string;
  forward(): void;
}
interface Internals {
  lexer: { lex(src: string, opts: object): object; TOKEN_COMMENT: string };
  runtime: Record<string, unknown> & { suppressValue(val: unknown, autoescape: boolean): string; SafeString: new (s: string) => unknown };
  compiler: { Compiler: { prototype: Record<string, unknown> & CompilerSelf } };
  installJinjaCompat(): void;
}
interface LookupFrame {
  variables: Record<string, unknown>;
  parent?: LookupFrame;
}
interface LookupContext {
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
}
interface CompilerSelf {
  buffer: string;
  _emit(code: string): void;
  _emitLine(code: string): void;
  compile(node: Node, frame: unknown): void;
  compileLiteral(node: Node, frame: unknown): void;
  _compileAggregate(node: Node, frame: unknown, open: string, close: string): void;
}

let patched: Nunjucks | undefined;

/**
 * nunjucks made to read templates as Jinja2 does for cloud-init: Python's methods and output
 * of values, tuples, slices, `in` on own keys, and an undefined value printed where it is
 * output as CI_MISSING_JINJA_VAR/<name> (cloud-init's Undefined) while `is defined`,
 * `default` and `if` still see it undefined. Patched once per process: only this uses nunjucks.
 */
function pythonNunjucks(): Nunjucks {
  if (patched) return patched;
  const nunjucks = loadNunjucks();
  const { runtime, compiler, lexer } = nunjucks as unknown as Internals;
  nunjucks.installJinjaCompat(); // slices s[1:3], True/False/None
  const output = runtime.suppressValue;
  // an output lookup that finds nothing is named by its key, which may be computed (s[i])
  let lastKey = "";
  runtime.memberLookup = (obj: unknown, key: unknown, ...slice: unknown[]) => {
    if (slice.length) return pythonSlice(obj, key, slice[0], slice[1]);
    lastKey = String(key);
    return pythonMember(obj, key);
  };
  runtime.inOperator = pythonIn;
  // a bare name is a variable of the template, the data or a global, by own name only: the
  // frames, the context's data and the globals are plain objects whose prototype would
  // otherwise answer `constructor`, `valueOf`, `__lookupGetter__` (and through them the engine)
  runtime.contextOrFrameLookup = (context: LookupContext, frame: LookupFrame, name: string) => {
    for (let f: LookupFrame | undefined = frame; f; f = f.parent) if (Object.hasOwn(f.variables, name)) return f.variables[name];
    if (Object.hasOwn(context.ctx, name)) return context.ctx[name];
    if (Object.hasOwn(context.env.globals, name)) return context.env.globals[name];
    return PYTHON_CONSTANTS.get(name); // as installJinjaCompat's lookup, which this replaces
  };
  runtime.suppressValue = (val: unknown, autoescape: boolean) => output(val === undefined || val instanceof runtime.SafeString ? val : pythonStr(val), autoescape);
  runtime.orMissing = (val: unknown, symbol: string | null, context: { env: object }) => {
    const name = symbol ?? lastKey;
    if (val !== undefined || !name) return val;
    const missing = MISSING.get(context.env);
    if (missing && !missing.includes(name)) missing.push(name);
    return `CI_MISSING_JINJA_VAR/${name}`;
  };
  const proto = compiler.Compiler.prototype;
  const group = proto.compileGroup as (this: CompilerSelf, node: Node, frame: unknown) => void;
  proto.compileGroup = function (this: CompilerSelf, node: Node, frame: unknown) {
    if ((node.children?.length ?? 0) < 2) return group.call(this, node, frame);
    this._emit("runtime.tuple(");
    this._compileAggregate(node, frame, "[", "]");
    this._emit(")");
  };
  runtime.tuple = (items: unknown[]) => tuple(items);
  // nunjucks quotes an expression's text into its error message unescaped: a "\n" in a string
  // literal of a called expression would end the generated string
  const nodeName = proto._getNodeName as (this: CompilerSelf, node: Node) => string;
  proto._getNodeName = function (this: CompilerSelf, node: Node) {
    return nodeName.call(this, node).replace(/[\\\n\r\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  };
  proto.compileOutput = function (this: CompilerSelf, node: Node, frame: unknown) {
    for (const child of node.children ?? []) {
      if (child.typename === "TemplateData") {
        if (child.value) {
          this._emit(`${this.buffer} += `);
          this.compileLiteral(child, frame);
          this._emitLine(";");
        }
        continue;
      }
      this._emit(`${this.buffer} += runtime.suppressValue(runtime.orMissing(`);
      this.compile(child, frame);
      this._emit(`, ${JSON.stringify(undefinedName(child))}, context), env.opts.autoescape);\n`);
    }
  };
  // Python's truth: an empty list or dict is false in `if`, `not`, `or` and `and` (JavaScript
  // takes every object as true); `or` and `and` give one of their operands, as in Python
  runtime.truthy = pythonTruthy;
  runtime.pyOr = (left: unknown, right: () => unknown) => (pythonTruthy(left) ? left : right());
  runtime.pyAnd = (left: unknown, right: () => unknown) => (pythonTruthy(left) ? right() : left);
  const logical = (name: string) =>
    function (this: CompilerSelf, node: Node & { left: Node; right: Node }, frame: unknown) {
      this._emit(`runtime.${name}(`);
      this.compile(node.left, frame);
      this._emit(", () => (");
      this.compile(node.right, frame);
      this._emit("))");
    };
  proto.compileOr = logical("pyOr");
  proto.compileAnd = logical("pyAnd");
  proto.compileNot = function (this: CompilerSelf, node: Node & { target: Node }, frame: unknown) {
    this._emit("!runtime.truthy(");
    this.compile(node.target, frame);
    this._emit(")");
  };
  // a condition is read through not-not: a boolean by Python's truth
  const { Not } = (nunjucks as unknown as { nodes: { Not: new (lineno: number, colno: number, target: Node) => Node } }).nodes;
  const truthCondition = (node: Node & { cond: Node }) => {
    if (!TRUTH_READ.has(node)) node.cond = new Not(node.lineno, node.colno, new Not(node.lineno, node.colno, node.cond));
    TRUTH_READ.add(node);
  };
  for (const name of ["compileIf", "compileInlineIf"]) {
    const compile = proto[name] as (this: CompilerSelf, node: Node & { cond: Node }, ...rest: unknown[]) => void;
    proto[name] = function (this: CompilerSelf, node: Node & { cond: Node }, ...rest: unknown[]) {
      truthCondition(node);
      return compile.call(this, node, ...rest);
    };
  }
  // Jinja2's trim_blocks drops the newline after a comment too (cloud-init's resolv.conf
  // template has one between two blocks); nunjucks only does it after a block tag
  const tokenizer = Object.getPrototypeOf(lexer.lex("", {})) as { nextToken(this: TokenizerSelf): { type: string } | null };
  const nextToken = tokenizer.nextToken;
  tokenizer.nextToken = function (this: TokenizerSelf) {
    const tok = nextToken.call(this);
    if (tok?.type === lexer.TOKEN_COMMENT && this.trimBlocks) {
      const newline = this.str.startsWith("\r\n", this.index) ? 2 : this.current() === "\n" ? 1 : 0;
      for (let i = 0; i < newline; i++) this.forward();
    }
    return tok;
  };
  patched = nunjucks;
  return nunjucks;
}

/** The name Jinja2's Undefined would carry for an output expression: a variable's, a looked-up key's (null: known when run), or none. */
function undefinedName(node: Node): string | null {
  if (node.typename === "Symbol") return String(node.value);
  return node.typename === "LookupVal" ? null : "";
}

/** s[a:b:c] on strings and lists, with Python's bounds. */
function pythonSlice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const isString = typeof obj === "string" || obj instanceof String;
  const items: unknown[] = isString ? [...String(obj)] : Array.isArray(obj) ? obj : [];
  const by = step === null || step === undefined ? 1 : Number(step);
  if (by === 0) throw new Error("slice step cannot be zero");
  const n = items.length;
  const at = (v: unknown, fallback: number) => {
    if (v === null || v === undefined) return fallback;
    const i = Number(v) < 0 ? Number(v) + n : Number(v);
    return by > 0 ? Math.min(Math.max(i, 0), n) : Math.min(Math.max(i, -1), n - 1);
  };
  const out: unknown[] = [];
  for (let i = at(start, by > 0 ? 0 : n - 1), end = at(stop, by > 0 ? n : -1); by > 0 ? i < end : i > end; i += by) out.push(items[i]);
  return isString ? out.join("") : out;
}

/**
 * A copy with "_" aliases for keys with "-", ".", "/" or " " at every level (cloud-init's
 * rule); lists are copied too, so `{% do list.append(x) %}` changes this render's data only.
 */
function withAliases(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const converted = copied(item);
    setOwn(out, key, converted);
    const alias = key.replace(/[-./ ]/g, "_");
    if (!Object.hasOwn(out, alias)) setOwn(out, alias, converted);
  }
  return out;
}

function copied(item: unknown): unknown {
  return isPlainObject(item) ? withAliases(item) : Array.isArray(item) ? item.map(copied) : item;
}

type Nunjucks = typeof import("nunjucks");

/**
 * In the single executable nunjucks is a SEA asset (build/build.mjs), evaluated as a
 * CommonJS module on first use; elsewhere (tests, development) the npm package.
 */
function loadNunjucks(): Nunjucks {
  const sea = require("node:sea") as { isSea(): boolean; getAsset(key: string, encoding: string): string };
  if (!sea.isSea()) return require("nunjucks") as Nunjucks;
  const source = sea.getAsset("nunjucks.js", "utf8");
  const module = { exports: {} as Nunjucks };
  const factory = require("node:vm").runInThisContext(`(function (module, exports, require) {${source}\n})`, { filename: "nunjucks.js" }) as (m: typeof module, e: Nunjucks, r: NodeJS.Require) => void;
  factory(module, module.exports, require);
  return module.exports;
}
