// A small JSON-Schema subset for module config: enough to say "runcmd: expected a list,
// got a string" in the log and status without a 4,000-line central schema.
import { isPlainObject } from "./yaml";

export type SchemaType = "string" | "integer" | "number" | "boolean" | "array" | "object" | "null";

export interface Schema {
  type?: SchemaType | SchemaType[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  enum?: unknown[];
  oneOf?: Schema[];
  minItems?: number;
  /** Shown as a deprecation (not an error) when the key is used. */
  deprecated?: string;
}

export interface SchemaIssue {
  path: string;
  message: string;
  deprecation?: boolean;
}

/**
 * Checks `value` against `schema`. Messages name the key path and what was expected, never the
 * value: they go to the log and to status.json, which every user can read, and a value in the
 * wrong place is often a password (`password: 123456`, `chpasswd.users: ["alice:secret"]`).
 */
export function validate(value: unknown, schema: Schema, path = ""): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (schema.deprecated) issues.push({ path, message: schema.deprecated, deprecation: true });
  if (schema.oneOf) {
    const results = schema.oneOf.map((s) => validate(value, s, path));
    const ok = results.find((r) => r.every((i) => i.deprecation));
    if (ok) return [...issues, ...ok];
    return [...issues, { path, message: `expected ${expectation(schema)}, got ${kindOf(value)}` }];
  }
  if (schema.type && !typeMatches(value, schema.type)) {
    return [...issues, { path, message: `expected ${typeNames(schema.type)}, got ${kindOf(value)}` }];
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    issues.push({ path, message: `expected ${enumNames(schema.enum)}, got ${kindOf(value)} that is not one of them` });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) issues.push({ path, message: `expected at least ${schema.minItems} items, got ${value.length}` });
    if (schema.items) value.forEach((item, i) => issues.push(...validate(item, schema.items!, `${path}.${i}`)));
  }
  if (isPlainObject(value)) {
    for (const key of schema.required ?? []) {
      if (!Object.hasOwn(value, key)) issues.push({ path, message: `'${key}' is a required property` }); // cloud-init's words: a key name, never a value
    }
    Object.entries(value).forEach(([key, item], index) => {
      const sub = schema.properties && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
      const child = `${path ? `${path}.` : ""}${sub ? key : keyName(key, index)}`;
      if (sub) issues.push(...validate(item, sub, child));
      else if (schema.additionalProperties === false) issues.push({ path: child, message: "is not an allowed key" });
      else if (isPlainObject(schema.additionalProperties)) issues.push(...validate(item, schema.additionalProperties, child));
    });
  }
  return issues;
}

function typeMatches(value: unknown, type: SchemaType | SchemaType[]): boolean {
  return [type].flat().some((t) => {
    switch (t) {
      case "string":
        // YAML's !!binary gives bytes, which cloud-init's validator takes as a string too
        return typeof value === "string" || value instanceof Uint8Array;
      case "integer":
        return typeof value === "number" && Number.isInteger(value);
      case "number":
        return typeof value === "number";
      case "boolean":
        return typeof value === "boolean";
      case "array":
        return Array.isArray(value);
      case "object":
        return isPlainObject(value);
      case "null":
        return value === null;
    }
  });
}

const TYPE_NAMES: Record<SchemaType, string> = { string: "a string", integer: "an integer", number: "a number", boolean: "a boolean", array: "a list", object: "a mapping", null: "null" };

function typeNames(type: SchemaType | SchemaType[]): string {
  return [type].flat().map((t) => TYPE_NAMES[t]).join(" or ");
}

/** The schema's own constants, never the user's value. */
function enumNames(values: unknown[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.map((e) => JSON.stringify(e)).join(", ")}`;
}

function expectation(schema: Schema): string {
  if (schema.oneOf) return schema.oneOf.map(expectation).join(" or ");
  if (schema.enum) return enumNames(schema.enum);
  if (schema.type) return typeNames(schema.type);
  return "a valid value";
}

/** What the value is, by kind only. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "a list";
  if (isPlainObject(value)) return "a mapping";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  if (typeof value === "boolean") return "a boolean";
  return "a string";
}

/** A key the schema does not declare is the user's text: named only when it looks like a key. */
function keyName(key: string, index: number): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(key) ? key : `<key #${index}>`;
}
