// cloud-config is YAML 1.1 as PyYAML's safe_load reads it: yes/no/on/off are booleans,
// 0644 is octal, 1:20 is sexagesimal, an unquoted date is a date. Every YAML and JSON
// document is bounded in nesting depth before anything walks it recursively.
import { Composer, LineCounter, Parser, type CST, type Document, type Tags, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from "yaml";

export class YamlError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

// The `yaml` package's 1.1 schema is wider than PyYAML's resolver: it also reads y/n as
// booleans and "1e3" (no dot, no exponent sign) as a float. Narrow both to PyYAML's.
const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PYYAML_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const PYYAML_EXP_FLOAT = /^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*[eE][-+][0-9]+$/;

function pyyamlTags(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === "string" || !("test" in tag) || !tag.test) return tag;
    if (tag.tag === "tag:yaml.org,2002:bool") {
      return { ...tag, test: tag.test.test("yes") ? PYYAML_TRUE : PYYAML_FALSE };
    }
    if (tag.tag === "tag:yaml.org,2002:float" && tag.format === "EXP") return { ...tag, test: PYYAML_EXP_FLOAT };
    return tag;
  });
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
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(OPTIONS).compose(tokens, true, text.length)) {
    if (doc) break;
    doc = next;
  }
  const error = doc!.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    throw new YamlError(`${error.message.split("\n")[0].replace(/[.:]$/, "")} at line ${line}, column ${col}`, line);
  }
  const value = doc!.toJS(TO_JS);
  // aliases can stack the depth of several anchored nodes
  assertNesting(value);
  return dateToString(value);
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
    if (typeof node !== "object" || node === null || node instanceof Uint8Array || node instanceof Date) continue;
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

/** Dates stay as their ISO text: no module wants a Date, and JSON output must not shift them. */
function dateToString(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, "");
  if (Array.isArray(value)) return value.map(dateToString);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, dateToString(v));
    return out;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}

/** Serialises data for files cloud-init users read back (instance data, status --format yaml). */
export { stringify as toYaml } from "yaml";
