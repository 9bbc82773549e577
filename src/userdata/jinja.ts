// `## template: jinja` parts, rendered with instance data as cloud-init renders them: every
// key also reachable with jinja-hostile characters read as "_", v1 keys at the top level,
// and an undefined top-level name rendered as CI_MISSING_JINJA_VAR/<name>. nunjucks (a
// maintained Jinja-compatible engine) is loaded only when such a part appears.
import { isPlainObject } from "../config/yaml";

export const JINJA_HEADER = /^## template: *jinja[ \t]*\r?\n/i;

export interface Rendered {
  text: string;
  missing: string[];
}

export function renderJinja(template: string, instanceData: Record<string, unknown>): Rendered {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nunjucks = require("nunjucks") as typeof import("nunjucks");
  const env = new nunjucks.Environment(undefined, { autoescape: false, trimBlocks: true, throwOnUndefined: false });
  const missing: string[] = [];
  const data = withAliases(instanceData);
  if (isPlainObject(data.v1)) for (const [k, v] of Object.entries(data.v1)) if (!(k in data)) data[k] = v;
  // nunjucks copies the context but asks its globals for any name the context lacks: a
  // globals object that claims every name is where a missing variable can be noticed
  const withGlobals = env as unknown as { globals: Record<string, unknown> };
  withGlobals.globals = new Proxy(withGlobals.globals, {
    has: () => true,
    get(target, name) {
      if (typeof name !== "string" || name in target) return target[name as string];
      if (!missing.includes(name)) missing.push(name);
      return `CI_MISSING_JINJA_VAR/${name}`;
    },
  });
  return { text: env.renderString(template.replace(JINJA_HEADER, ""), data), missing };
}

/** Adds "_" aliases for keys with "-", ".", "/" or " " at every level (cloud-init's rule). */
function withAliases(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const converted = isPlainObject(item) ? withAliases(item) : item;
    out[key] = converted;
    const alias = key.replace(/[-./ ]/g, "_");
    if (!(alias in out)) out[alias] = converted;
  }
  return out;
}
