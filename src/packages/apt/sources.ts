// apt's package sources as cloud-init's apt_configure writes them: the mirrors chosen for the
// machine's architecture, the main source list rendered from a template (one-line sources.list
// or deb822 debian.sources), suites disabled, and `sources:` entries as one-line .list files.
// Pure: the module reads the machine and writes the files.
import { isPlainObject } from "../../config/yaml";
import { renderJinja } from "../../userdata/jinja";

export interface Mirrors {
  PRIMARY: string;
  SECURITY: string;
}

/** Debian's own archive, when neither apt nor system_info.package_mirrors names one. */
export const DEBIAN_MIRRORS: Mirrors = { PRIMARY: "http://deb.debian.org/debian", SECURITY: "http://deb.debian.org/debian-security" };

/** A URI apt can fetch from: a scheme apt has a method for and no character apt's line grammar splits on. */
const MIRROR_URI = /^(https?|ftp|file|cdrom|copy|mirror(\+[a-z]+)?|tor\+https?|s3):[^\s"'\\[\]#]*$/;
export const SUITE = /^[A-Za-z0-9][A-Za-z0-9._\/-]*$/;

export class AptConfigError extends Error {}

/** `primary:`/`security:` items: the one whose arches name this architecture, else the `default` one. */
export function mirrorFor(items: unknown, arch: string): Record<string, unknown> | undefined {
  if (items === undefined || items === null) return undefined;
  if (!Array.isArray(items)) throw new AptConfigError("must be a list of mirror entries");
  let fallback: Record<string, unknown> | undefined;
  for (const [i, item] of items.entries()) {
    if (!isPlainObject(item)) throw new AptConfigError(`item ${i} must be a mapping`);
    const arches = Array.isArray(item.arches) ? item.arches.map(String) : [];
    if (arches.includes(arch)) return item;
    if (arches.includes("default")) fallback = item;
  }
  return fallback;
}

export function checkMirrorUri(uri: unknown, key: string): string {
  if (typeof uri !== "string" || !MIRROR_URI.test(uri)) throw new AptConfigError(`${key} is not a URI apt can use (scheme://host/path, no spaces or quotes)`);
  return uri;
}

/** system_info.package_mirrors' failsafe entry for the architecture (cloud-init's distro mirror info). */
export function systemMirrors(packageMirrors: unknown, arch: string): Mirrors | undefined {
  if (!Array.isArray(packageMirrors)) return undefined;
  const entry = mirrorFor(packageMirrors, arch);
  const failsafe = entry && isPlainObject(entry.failsafe) ? entry.failsafe : undefined;
  if (!failsafe || typeof failsafe.primary !== "string" || typeof failsafe.security !== "string") return undefined;
  return { PRIMARY: checkMirrorUri(failsafe.primary, "system_info.package_mirrors primary"), SECURITY: checkMirrorUri(failsafe.security, "system_info.package_mirrors security") };
}

/** cloud-init's template variables for the source list and `sources:` lines. */
export function templateVariables(mirrors: Mirrors, release: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RELEASE: release,
    codename: release,
    MIRROR: mirrors.PRIMARY,
    mirror: mirrors.PRIMARY,
    PRIMARY: mirrors.PRIMARY,
    primary: mirrors.PRIMARY,
    SECURITY: mirrors.SECURITY,
    security: mirrors.SECURITY,
    ...extra,
  };
}

/**
 * A template as cloud-init renders it: jinja under its header, else `$name`/`${name}` (names
 * of letters, digits, "_" and "."). A name with no value is an error, as in cloud-init: a
 * mistyped `$RELASE` must not end up in a source line.
 */
export function renderSourcesTemplate(template: string, vars: Record<string, string>): string {
  if (/^## template: *jinja[ \t]*\r?\n/i.test(template)) return renderJinja(template.replace(/^## template: *jinja[^\n]*\n/i, "## template: jinja\n"), vars).text;
  return template.replace(/\$\{([A-Za-z0-9_.]+)\}|\$([A-Za-z0-9_.]+)/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    if (!Object.hasOwn(vars, name)) throw new AptConfigError(`names $${name}, which is none of ${Object.keys(vars).filter((k) => k === k.toUpperCase()).map((k) => `$${k}`).join(", ")}`);
    return vars[name];
  });
}

/** Whether a rendered list is deb822 stanzas ("Types: deb") rather than one-line entries. */
export function isDeb822(text: string): boolean {
  return /^\s*Types:/im.test(text) && !/^\s*deb(-src)?\s/m.test(text);
}

/** Debian's archive as deb822 stanzas, for images whose sources are /etc/apt/sources.list.d/debian.sources. */
export const DEBIAN_DEB822_TEMPLATE = `## template:jinja
## Written by cloud-agent on the first boot of an instance because apt's
## preserve_sources_list is false; edit the apt: configuration instead.
Types: deb deb-src
URIs: {{mirror}}
Suites: {{codename}} {{codename}}-updates {{codename}}-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: {{security}}
Suites: {{codename}}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

/** Debian's archive as one-line entries (cloud-init's sources.list.debian.tmpl, same entries). */
export const DEBIAN_LIST_TEMPLATE = `## template:jinja
## Written by cloud-agent on the first boot of an instance because apt's
## preserve_sources_list is false; edit the apt: configuration instead.
deb {{mirror}} {{codename}} main
deb-src {{mirror}} {{codename}} main
deb {{security}} {{codename}}-security main
deb-src {{security}} {{codename}}-security main
deb {{mirror}} {{codename}}-updates main
deb-src {{mirror}} {{codename}}-updates main
deb {{mirror}} {{codename}}-backports main
deb-src {{mirror}} {{codename}}-backports main
`;

/** cloud-init's short names in disable_suites. */
function suiteName(suite: string, release: string): string {
  const known: Record<string, string> = { updates: "$RELEASE-updates", backports: "$RELEASE-backports", security: "$RELEASE-security", proposed: "$RELEASE-proposed", release: "$RELEASE" };
  return renderSourcesTemplate(known[suite] ?? suite, { RELEASE: release });
}

/**
 * The list with the named suites turned off: one-line entries are commented out (as
 * cloud-init does), deb822 stanzas lose the suite from Suites: (a stanza left without
 * any suite is commented out whole, so apt does not reject the file).
 */
export function disableSuites(text: string, suites: string[], release: string): string {
  if (!suites.length) return text;
  const names = new Set(suites.map((s) => suiteName(s, release)));
  if (isDeb822(text)) {
    return text
      .split(/(\n\s*\n)/)
      .map((stanza) => {
        const m = /^(\s*Suites:[ \t]*)(.*)$/im.exec(stanza);
        if (!m) return stanza;
        const kept = m[2].split(/\s+/).filter((s) => s && !names.has(s));
        if (kept.length) return stanza.replace(m[0], `${m[1]}${kept.join(" ")}`);
        return stanza.replace(/^(?!#)(.+)$/gm, "# suite disabled by cloud-init: $1");
      })
      .join("");
  }
  return text
    .split(/(?<=\n)/)
    .map((line) => {
      if (line.startsWith("#")) return line;
      const cols = line.trim().split(/\s+/);
      if (cols.length < 2) return line;
      let suite = 2;
      if (cols[1].startsWith("[")) {
        for (const col of cols.slice(1)) {
          suite++;
          if (col.endsWith("]")) break;
        }
      }
      return names.has(cols[suite]) ? `# suite disabled by cloud-init: ${line}` : line;
    })
    .join("");
}

/**
 * What apt accepts in a one-line sources file: comments, blanks and
 * `deb|deb-src [options] uri suite [component...]`. The whole line is checked, so a source
 * cannot smuggle a second entry or an option block apt would misread.
 */
const ONE_LINE_ENTRY = /^(deb|deb-src)[ \t]+(\[[ \t]*[A-Za-z0-9-]+[+-]?=[^\]\s]+([ \t]+[A-Za-z0-9-]+[+-]?=[^\]\s]+)*[ \t]*\][ \t]+)?[^\s\[\]"]+[ \t]+[^\s\[\]"]+([ \t]+[^\s\[\]"]+)*[ \t]*$/;

export function checkOneLineEntry(line: string, key: string): void {
  if (!ONE_LINE_ENTRY.test(line)) throw new AptConfigError(`${key} is not one apt source line (deb|deb-src [options] uri suite [components])`);
}

/** A rendered source list: one-line entries or deb822 stanzas of "Field: value" lines. */
export function checkSourceList(text: string, key: string): void {
  if (text.includes("\0")) throw new AptConfigError(`${key} holds a NUL byte`);
  const deb822 = isDeb822(text);
  for (const [i, line] of text.split("\n").entries()) {
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    if (deb822) {
      if (!/^[A-Za-z][A-Za-z0-9-]*:/.test(line) && !/^[ \t]+\S/.test(line)) throw new AptConfigError(`${key} line ${i + 1} is neither a "Field: value" line nor a continuation of one`);
    } else checkOneLineEntry(line, `${key} line ${i + 1}`);
  }
}

/** A `sources:` file name: a plain name (".list" added), or a path inside sources.list.d. */
export function sourceFile(name: string, key: string): string {
  const base = name.startsWith("/etc/apt/sources.list.d/") ? name.slice("/etc/apt/sources.list.d/".length) : name;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:+-]*$/.test(base) || base.includes("..")) {
    throw new AptConfigError(`${key} must be a file name in /etc/apt/sources.list.d (letters, digits, "_.:+-")`);
  }
  return `/etc/apt/sources.list.d/${base.endsWith(".list") ? base : `${base}.list`}`;
}

/** The stem cloud-init names a key file after: the file name without directory or extension. */
export function keyStem(name: string): string {
  const base = name.split("/").pop() ?? name;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}
