// users: and groups: as cloud-init normalises them (ug_util): every accepted shape turned
// into one list of users and one of groups, the `default` entry resolved against
// system_info.default_user. Pure; modules/users-groups.ts applies the result.
import { isPlainObject, toList } from "../config/yaml";

export interface GroupSpec {
  name: string;
  members: string[];
}

export interface UserSpec {
  name: string;
  isDefault: boolean;
  options: Record<string, unknown>;
}

export function normalizeGroups(value: unknown): GroupSpec[] {
  const out: GroupSpec[] = [];
  const add = (name: string, members: unknown) => out.push({ name, members: toList(members) });
  // a comma string is split without trimming, as cloud-init does ("a, b" makes " b")
  if (typeof value === "string") value.split(",").forEach((g) => add(g, []));
  else if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "string") add(item, []);
      else if (isPlainObject(item)) for (const [g, m] of Object.entries(item)) add(g, m);
    }
  } else if (isPlainObject(value)) for (const [g, m] of Object.entries(value)) add(g, m);
  return out;
}

/** `users` (and legacy `user`) with the distro's default user last; duplicates: the first wins. */
export function normalizeUsers(config: Record<string, unknown>, defaultUser: Record<string, unknown> | undefined): UserSpec[] {
  let base = defaultUser ? underscoreKeys(defaultUser) : undefined;
  let raw = config.users === undefined ? ["default"] : config.users;
  if (config.user !== undefined) {
    base = { ...base, ...(typeof config.user === "string" ? { name: config.user } : isPlainObject(config.user) ? underscoreKeys(config.user) : {}) };
    raw = ["default", ...toEntries(raw)];
  }
  const specs = new Map<string, UserSpec>();
  let defaultSpec: UserSpec | undefined;
  for (const entry of toEntries(raw)) {
    const spec = toSpec(entry, base);
    if (spec?.isDefault) defaultSpec ??= spec;
    else if (spec && !specs.has(spec.name)) specs.set(spec.name, spec);
  }
  // as cloud-init: the default user comes after the listed ones (so it gets the next uid),
  // unless listed by its own name, whose options then win over system_info's
  if (defaultSpec) {
    const listed = specs.get(defaultSpec.name);
    if (listed) {
      const groups = listed.options.groups as string[];
      specs.set(listed.name, { ...listed, isDefault: true, options: { ...defaultSpec.options, ...listed.options, groups: groups.length ? groups : defaultSpec.options.groups } });
    }
    else specs.set(defaultSpec.name, defaultSpec);
  }
  return [...specs.values()];
}

function toEntries(value: unknown): unknown[] {
  if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === "string" ? toEntries(v) : Array.isArray(v) ? toEntries(v) : [v]));
  if (isPlainObject(value)) {
    // the deprecated mapping form: {name: true | {options}}
    return Object.entries(value).flatMap(([name, opts]) => (opts === false ? [] : [{ ...(isPlainObject(opts) ? opts : {}), name }]));
  }
  return [];
}

function toSpec(entry: unknown, base: Record<string, unknown> | undefined): UserSpec | undefined {
  const options = typeof entry === "string" ? { name: entry } : isPlainObject(entry) ? underscoreKeys(entry) : undefined;
  if (!options) return undefined;
  if (options.name === undefined || options.name === "default") {
    if (!base || typeof base.name !== "string") return undefined; // no default user on this system
    const groups = [...new Set([...toList(base.groups), ...toList(options.groups)])].sort();
    const { name: _n, ...rest } = options;
    return { name: base.name, isDefault: true, options: { ...base, ...rest, groups } };
  }
  return { name: String(options.name), isDefault: false, options: { ...options, groups: toList(options.groups) } };
}

/**
 * ssh_authorized_keys as key lines: a string is one line (or several at its newlines), never
 * split at commas, since options such as from="a,b",command="..." belong to their key.
 * A list gives one entry per string; a mapping its values (as cloud-init's create_user).
 */
export function authorizedKeyLines(value: unknown): string[] {
  if (typeof value === "string") return value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === "string" ? authorizedKeyLines(v) : []));
  if (isPlainObject(value)) return authorizedKeyLines(Object.values(value));
  return [];
}

function underscoreKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/-/g, "_"), v]));
}
