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

export function validate(value: unknown, schema: Schema, path = ""): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (schema.deprecated) issues.push({ path, message: schema.deprecated, deprecation: true });
  if (schema.oneOf) {
    const results = schema.oneOf.map((s) => validate(value, s, path));
    const ok = results.find((r) => r.every((i) => i.deprecation));
    if (ok) return [...issues, ...ok];
    return [...issues, { path, message: `${describe(value)} is not valid under any of the given schemas` }];
  }
  if (schema.type && !typeMatches(value, schema.type)) {
    return [...issues, { path, message: `${describe(value)} is not of type ${[schema.type].flat().join(", ")}` }];
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    issues.push({ path, message: `${describe(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}` });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) issues.push({ path, message: "is too short" });
    if (schema.items) value.forEach((item, i) => issues.push(...validate(item, schema.items!, `${path}.${i}`)));
  }
  if (isPlainObject(value)) {
    for (const key of schema.required ?? []) {
      if (!(key in value)) issues.push({ path, message: `'${key}' is a required property` });
    }
    for (const [key, item] of Object.entries(value)) {
      const sub = schema.properties?.[key];
      const child = path ? `${path}.${key}` : key;
      if (sub) issues.push(...validate(item, sub, child));
      else if (schema.additionalProperties === false) issues.push({ path: child, message: "is not an allowed property" });
      else if (isPlainObject(schema.additionalProperties)) issues.push(...validate(item, schema.additionalProperties, child));
    }
  }
  return issues;
}

function typeMatches(value: unknown, type: SchemaType | SchemaType[]): boolean {
  return [type].flat().some((t) => {
    switch (t) {
      case "string":
        return typeof value === "string";
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

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
