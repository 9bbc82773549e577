// The systemd generator as installed: units/cloud-agent-generator.sh with its datasource
// checks written from each datasource's `recognise` declaration, so the shell recognises
// exactly what detect() recognises. Pure: install writes the result.
import template from "../../units/cloud-agent-generator.sh";
import { DEFAULT_DATASOURCE_LIST } from "../config/builtin";
import { DATASOURCES } from "./index";
import { shellQuote } from "../scripts/shell";
import { globTokens, type Recognition } from "./recognise";

const MARKER = "# @datasource-checks@\n";

export function generatorScript(): string {
  if (!template.includes(MARKER)) throw new Error(`units/cloud-agent-generator.sh has no ${MARKER.trim()} line`);
  return template.replace(MARKER, datasourceChecks());
}

function datasourceChecks(): string {
  const declared = Object.entries(DATASOURCES).flatMap(([key, ds]) => (ds.recognise ? [{ key, name: ds.name, rec: ds.recognise }] : []));
  const keyCases = Object.entries(DATASOURCES).map(([key, ds]) => `    ${anyCase(ds.name)}|${anyCase(ds.name)}-${anyCase("net")}) key=${key} ;;`);
  const cases = (body: (rec: Recognition, name: string) => string[]) =>
    declared.flatMap(({ key, name, rec }) => {
      const lines = body(rec, name);
      return lines.length ? [`    ${key})`, ...lines.map((l) => `      ${l}`), "      ;;"] : [];
    });
  const found = (name: string, what: string, value = "") => `{ evidence=${shellQuote(`${name}: ${what}`)}${value}; return 0; }`;
  return [
    "# --- written from the datasources' `recognise` declarations (src/datasources/generator.ts) ---",
    `default_list=${shellQuote(DEFAULT_DATASOURCE_LIST.join(" "))}`,
    "# Sets key to the datasource a datasource_list name means (\"\" for one cloud-agent lacks).",
    "ds_key() {",
    "  case $1 in",
    ...keyCases,
    "    *) key= ;;",
    "  esac",
    "}",
    "# Builtins only: seed files, first lines of /sys files, the machine.",
    "cheap_evidence() {",
    "  case $1 in",
    ...cases((rec, name) => [
      ...(rec.seeds ?? []).map((s) => `${s.files.map((f) => `[ -e "$R"${shellQuote(`${s.dir}/${f}`)} ]`).join(" && ")} && ${found(name, `seed ${s.dir}`)}`),
      ...(rec.files ?? []).flatMap((f) => [`first_line ${shellQuote(f.path)}`, `case $line in ${f.globs.map(shellGlob).join("|")}) in_container || ${found(name, `${f.path} `, '"$line"')} ;; esac`]),
      ...(rec.offX86 ? [`is_x86 || ${found(name, "not an x86 machine")}`] : []),
    ]),
    "  esac",
    "  return 1",
    "}",
    "# A process each: only when no cheap evidence was found.",
    "costly_evidence() {",
    "  case $1 in",
    ...cases((rec, name) => (rec.pid1Environ ?? []).map((e) => `grep -qsxzF ${shellQuote(e)} "$R/proc/1/environ" && ${found(name, `PID 1 environment ${e}`)}`)),
    "  esac",
    "  return 1",
    "}",
    "# Adds the filesystem labels that would show the datasource, for one blkid at the end.",
    "wanted_labels() {",
    "  case $1 in",
    ...declared.filter(({ rec }) => rec.labels?.length).map(({ key, rec }) => `    ${key}) labels="$labels ${rec.labels!.join(" ")}" ;;`),
    "  esac",
    "}",
    "# --- end of the written checks ---",
    "",
  ].join("\n");
}

function anyCase(name: string): string {
  return [...name].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : shellQuote(c))).join("");
}

/** The same glob as a case pattern: wildcards and classes bare, literal text quoted. */
function shellGlob(glob: string): string {
  return globTokens(glob)
    .map((t) => ("any" in t ? "*" : "one" in t ? "?" : "cls" in t ? `[${t.cls}]` : shellQuote(t.text)))
    .join("");
}
