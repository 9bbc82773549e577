// cloud-config is YAML 1.1 as PyYAML's safe_load reads it: yes/no/on/off are booleans,
// 0644 is octal, 1:20 is sexagesimal, an unquoted date is a date.
import { parseDocument, type Tags, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from "yaml";

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
  prettyErrors: true,
};
const TO_JS: ToJSOptions = { maxAliasCount: 1000 };

/** Parses one YAML document with PyYAML's rules; throws YamlError naming the line. */
export function parseYaml(text: string): unknown {
  const doc = parseDocument(text, OPTIONS);
  const error = doc.errors[0];
  if (error) {
    // prettyErrors already says "at line N, column M"
    throw new YamlError(error.message.split("\n")[0].replace(/:$/, ""), error.linePos?.[0]?.line);
  }
  return dateToString(doc.toJS(TO_JS));
}

/** Dates stay as their ISO text: no module wants a Date, and JSON output must not shift them. */
function dateToString(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, "");
  if (Array.isArray(value)) return value.map(dateToString);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = dateToString(v);
    return out;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}

/** Serialises data for files cloud-init users read back (instance data, status --format yaml). */
export { stringify as toYaml } from "yaml";
