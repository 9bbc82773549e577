// cloud-init's mergers: system config layers with `dict()+list()+str()` (first source wins,
// dicts deep-merged); cloud-config parts with `dict(replace)+list()+str()` unless a part
// says otherwise in `merge_how` / `merge_type` or a Merge-Type header. Keys that reach a
// prototype (__proto__, constructor, prototype) are never merged.
import { isPlainObject, PROTOTYPE_KEYS } from "./yaml";

export interface MergeSpec {
  dict: Set<string>;
  list: Set<string>;
  str: Set<string>;
}

export const SYSTEM_MERGE = "dict()+list()+str()";
export const PART_MERGE = "dict(replace)+list()+str()";

/** Parses "dict(replace,recurse_list)+list(append)" or the list-of-{name,settings} form. */
export function parseMergeSpec(how: unknown): MergeSpec | undefined {
  const spec: MergeSpec = { dict: new Set(), list: new Set(), str: new Set() };
  const take = (name: string, settings: string[]) => {
    const key = name.trim().toLowerCase();
    if (key === "dict" || key === "list" || key === "str") {
      for (const s of settings) if (s.trim()) spec[key].add(s.trim().toLowerCase());
    }
  };
  if (typeof how === "string") {
    const parts = how.split("+").map((p) => p.trim()).filter(Boolean);
    for (const part of parts) {
      const m = /^(\w+)\s*\(([^)]*)\)$/.exec(part) ?? /^(\w+)$/.exec(part);
      if (!m) return undefined;
      take(m[1], (m[2] ?? "").split(","));
    }
    return parts.length ? spec : undefined;
  }
  if (Array.isArray(how)) {
    for (const item of how) {
      if (!isPlainObject(item) || typeof item.name !== "string") return undefined;
      take(item.name, Array.isArray(item.settings) ? item.settings.map(String) : []);
    }
    return how.length ? spec : undefined;
  }
  return undefined;
}

/** Merges `incoming` into `base` and returns the result; neither input is modified. */
export function mergeWith(base: unknown, incoming: unknown, spec: MergeSpec): unknown {
  return merge(base, incoming, spec, false);
}

/**
 * Merges `incoming` into `base` in place and returns the result, in time linear in the size
 * of `incoming` (not of `base`): for folding many parts into one accumulator. `base` is
 * changed and takes `incoming`'s values over; neither may be shared with anything else.
 */
export function mergeInto(base: unknown, incoming: unknown, spec: MergeSpec): unknown {
  return merge(base, incoming, spec, true);
}

function merge(base: unknown, incoming: unknown, spec: MergeSpec, inPlace: boolean): unknown {
  if (isPlainObject(base)) return mergeDict(base, incoming, spec, inPlace);
  if (Array.isArray(base)) return mergeList(base, incoming, spec, inPlace);
  if (typeof base === "string") return mergeStr(base, incoming, spec);
  // cloud-init's unknown-type handler keeps the existing value (None included)
  return base === undefined ? incoming : base;
}

function mergeDict(base: Record<string, unknown>, incoming: unknown, spec: MergeSpec, inPlace: boolean): unknown {
  if (!isPlainObject(incoming)) return base;
  const opts = spec.dict;
  const replace = opts.has("replace");
  const out: Record<string, unknown> = inPlace ? base : { ...base };
  for (const [key, value] of Object.entries(incoming)) {
    // a parsed "__proto__" key is an own property; assigning it would set out's prototype
    if (PROTOTYPE_KEYS.has(key)) continue;
    if (!Object.hasOwn(out, key)) {
      out[key] = value;
    } else if (value === null && opts.has("allow_delete")) {
      delete out[key];
    } else if (replace) {
      out[key] = value;
    } else if (recurses(value, opts, true)) {
      out[key] = merge(out[key], value, spec, inPlace);
    }
  }
  return out;
}

function mergeList(base: unknown[], incoming: unknown, spec: MergeSpec, inPlace: boolean): unknown {
  const opts = spec.list;
  if (opts.has("replace") && !Array.isArray(incoming)) return incoming;
  if (!Array.isArray(incoming)) return base;
  if (opts.has("prepend")) return [...incoming, ...base];
  if (opts.has("append")) {
    if (!inPlace) return [...base, ...incoming];
    for (const item of incoming) base.push(item);
    return base;
  }
  if (!opts.has("replace")) return base;
  const out = inPlace ? base : [...base];
  for (let i = 0; i < Math.min(out.length, incoming.length); i++) {
    out[i] = recurses(incoming[i], opts, false) ? merge(out[i], incoming[i], spec, inPlace) : incoming[i];
  }
  return out;
}

function mergeStr(base: string, incoming: unknown, spec: MergeSpec): unknown {
  if (typeof incoming !== "string") return base;
  return spec.str.has("append") ? base + incoming : incoming;
}

function recurses(value: unknown, opts: Set<string>, dictDefault: boolean): boolean {
  if (Array.isArray(value)) return opts.has("recurse_array") || opts.has("recurse_list");
  if (typeof value === "string") return opts.has("recurse_str");
  if (isPlainObject(value)) return dictDefault ? !opts.has("no_recurse_dict") : opts.has("recurse_dict");
  return false;
}

/** cloud-init's mergemanydict: earlier sources win, each may carry its own merge_how. */
export function mergeConfigs(sources: Record<string, unknown>[]): Record<string, unknown> {
  const fallback = parseMergeSpec(SYSTEM_MERGE)!;
  let merged: unknown = {};
  for (const source of sources) {
    const own = parseMergeSpec(source.merge_how ?? source.merge_type);
    merged = mergeWith(merged, source, own ?? fallback);
  }
  return merged as Record<string, unknown>;
}
