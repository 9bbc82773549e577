// `## template: jinja` parts, rendered with instance data as cloud-init renders them: every
// key also reachable with jinja-hostile characters read as "_", v1 keys at the top level,
// and an undefined top-level name rendered as CI_MISSING_JINJA_VAR/<name>. nunjucks (a
// maintained Jinja-compatible engine) is loaded only when such a part appears.
import { isPlainObject, setOwn } from "../config/yaml";

export const JINJA_HEADER = /^## template: *jinja[ \t]*\r?\n/i;

export interface Rendered {
  text: string;
  missing: string[];
}

export function renderJinja(template: string, instanceData: Record<string, unknown>): Rendered {
  const nunjucks = loadNunjucks();
  const env = new nunjucks.Environment(undefined, { autoescape: false, trimBlocks: true, throwOnUndefined: false });
  const missing: string[] = [];
  const data = withAliases(instanceData);
  if (isPlainObject(data.v1)) for (const [k, v] of Object.entries(data.v1)) if (!Object.hasOwn(data, k)) setOwn(data, k, v);
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
    setOwn(out, key, converted);
    const alias = key.replace(/[-./ ]/g, "_");
    if (!Object.hasOwn(out, alias)) setOwn(out, alias, converted);
  }
  return out;
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
