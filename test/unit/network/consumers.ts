// How the programs that read the rendered files see them, reduced to their structure (files,
// sections, stanzas, keys; not values), so a hostile value and a plain one can be compared.
// Small readers written from each format's documented rules, and the real consumers where this
// machine has them: dash for sysconfig, ifupdown's ifquery from the cached Debian rootfs,
// PyYAML for netplan.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { RenderedFile } from "../../../src/network/render";

/** The structure of one renderer's output: for each file (by directory) the sorted shapes of its lines. */
export function structure(renderer: string, files: RenderedFile[]): string[] {
  const kind = (path: string) => /\.(network|netdev)$/.exec(path)?.[1] ?? basename(path).split("-")[0];
  return files.map((f) => `${dirname(f.path)} ${kind(f.path)}: ${shapes(renderer, f).sort().join(" | ")}`).sort();
}

function shapes(renderer: string, file: RenderedFile): string[] {
  if (file.path.startsWith("/etc/udev/")) return logicalLines(file.content, false).map((l) => l.split(",").map((p) => p.split(/[=!]=?/)[0].trim()).join(","));
  if (renderer === "eni") return eniShapes(file.content);
  if (renderer === "networkd") return iniShapes(file.content, true);
  if (renderer === "network-manager") return iniShapes(file.content, false);
  if (renderer === "sysconfig") return basename(file.path).startsWith("route6-") ? logicalLines(file.content, false).map((l) => `${l.split(/\s+/).length} words`) : assignmentShapes(file.content);
  return []; // netplan: parsed by PyYAML (yamlStructures)
}

/** Non-empty, non-comment lines; with `continuation`, a line ending in a backslash joined to the next. */
function logicalLines(text: string, continuation: boolean): string[] {
  const out: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = pending + raw;
    if (continuation && line.endsWith("\\")) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = "";
    if (line.trim() && !line.trimStart().startsWith("#")) out.push(line);
  }
  if (pending) out.push(pending);
  return out;
}

/** interfaces(5): stanzas start with iface, auto, allow-..., mapping or source; other lines are
 * "option value"; a trailing backslash continues a line; post-up lines are shell commands. */
function eniShapes(text: string): string[] {
  return logicalLines(text, true).map((line) => {
    const words = line.trim().split(/\s+/);
    if (words[0] === "iface") return `iface <name> ${words.slice(2).join(" ")}`;
    if (words[0] === "auto") return `auto ${words.length - 1}`;
    if (words[0] === "post-up" || words[0] === "pre-down") {
      // what the shell would see beyond words: any quoting, expansion or separator
      const command = line.trim().replace(/ \|\| true$/, "");
      return `${words[0]} ${words.length} words${/[;&|`$()<>\\'"*?[\]{}~!#]/.test(command) ? " WITH SHELL SYNTAX" : ""}`;
    }
    // bond options are many and any may be set: their lines count, not their names
    return words[0].startsWith("bond-") ? "bond-<option>" : words[0];
  });
}

/** systemd.syntax(7) (continuation, "#" and ";" comments) or GKeyFile (no continuation, "#" comments). */
function iniShapes(text: string, systemd: boolean): string[] {
  let section = "";
  return logicalLines(text, systemd)
    .filter((line) => !(systemd && line.trimStart().startsWith(";")))
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed.startsWith("[")) return (section = trimmed);
      const eq = trimmed.indexOf("=");
      if (eq < 0) return "NOT A KEY LINE";
      return section === "[bond]" ? "<bond option>=" : `${trimmed.slice(0, eq).trim()}=`;
    });
}

/** KEY=value lines as initscripts' shell reads them (the real shell reads a sample in shellStructures). */
function assignmentShapes(text: string): string[] {
  return logicalLines(text, false).map((line) => {
    const key = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1];
    if (key === undefined) return "NOT AN ASSIGNMENT";
    return isShellLiteral(line.slice(key.length + 1)) ? `${key}=` : `${key}= NOT ONE LITERAL WORD`;
  });
}

/** Whether the shell reads `value` as one word with nothing expanded or run: bare characters
 * with no meaning to it, '...' runs, "..." runs without $, ` or backslash, and \x escapes. */
function isShellLiteral(value: string): boolean {
  const parts = value.match(/'[^']*'|"[^"$`\\]*"|\\[^\n]|[^\s'"$`\\;&|<>()*?[\]#~{}!]+/g) ?? [];
  return parts.join("") === value;
}

/** ifcfg and route files are shell: for each set, `sh -n` must accept every file, and sourcing
 * one (in an empty environment, in a scratch directory) sets exactly its keys and runs nothing.
 * One shell per set: per file the variables it set and any file that appeared. */
export function shellStructures(sets: string[][]): string[] {
  const root = mkdtempSync(join(tmpdir(), "ifcfg-"));
  try {
    const baseline = names(spawnSync("env", ["-i", "sh", "-c", "f=; set"], { cwd: root, encoding: "utf8" }).stdout);
    // one shell per set, each file sourced in a subshell of it
    const script = 'for f in *; do echo "@@"; sh -n "./$f" 2>/dev/null || echo "SH -N REFUSED"; (. "./$f" >/dev/null 2>&1; set); done; ls -A | wc -l';
    return sets.map((texts, i) => {
      const dir = join(root, String(i));
      mkdirSync(dir);
      texts.forEach((text, n) => writeFileSync(join(dir, `f${n}`), text));
      const out = spawnSync("env", ["-i", "sh", "-c", script], { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 }).stdout;
      const blocks = out.split("@@\n").slice(1);
      const files = blocks.map((block) => [...names(block)].filter((n) => !baseline.has(n)).sort().join(",") + (block.includes("SH -N REFUSED") ? " SH -N REFUSED" : ""));
      return `${files.sort().join(" | ")} / ${out.trim().split("\n").pop()} files`;
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function names(setOutput: string): Set<string> {
  return new Set([...setOutput.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
}

const IFQUERY = ["base", "cloud-init"].map((kind) => `/var/cache/cloud-agent/rootfs-bookworm-v3-${kind}/sbin/ifquery`).find((p) => existsSync(p));

/** ifupdown's own reading of ENI files, when the cached Debian rootfs has ifquery (run in
 * place from the cache, read-only: the host's network is not touched). */
export const haveIfquery = IFQUERY !== undefined;

/** Per interface ifquery lists, the sorted names of the options it parsed; one run per batch. */
export function ifqueryStructures(texts: string[]): string[] {
  if (!IFQUERY) throw new Error("no ifquery");
  const dir = mkdtempSync(join(tmpdir(), "eni-"));
  try {
    texts.forEach((text, i) => writeFileSync(join(dir, String(i)), text));
    const script = `for f in $(seq 0 ${texts.length - 1}); do echo "@@"; for i in $("$Q" -i "$f" --list); do echo "@"; "$Q" -i "$f" "$i" | cut -d: -f1 | sed 's/^bond-.*/bond-<option>/' | sort; done; done`;
    const out = spawnSync("sh", ["-c", script], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, Q: IFQUERY }, maxBuffer: 64 << 20 });
    return out.stdout.split("@@\n").slice(1).map((block) => block.split("@\n").slice(1).map((keys) => keys.trim().split("\n").join(",")).sort().join(" | "));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** netplan YAML as PyYAML (what netplan itself is written in) reads it: key paths and list lengths. */
export function yamlStructures(texts: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "netplan-"));
  try {
    mkdirSync(join(dir, "in"));
    texts.forEach((text, i) => writeFileSync(join(dir, "in", String(i)), text));
    const program = `
import json, os, sys, yaml
NAMED = {"ethernets", "bonds", "bridges", "vlans", "parameters"}
def shape(node, path):
    if isinstance(node, dict):
        # an address with options is a mapping keyed by the address itself
        keyed = path.rsplit("/", 1)[-1] in NAMED or path.endswith("/addresses[]")
        return [p for k in sorted(node, key=str) for p in shape(node[k], path + "/" + ("<key>" if keyed else str(k)))]
    if isinstance(node, list):
        return [path + "[" + str(len(node)) + "]"] + [p for item in node for p in shape(item, path + "[]")]
    return [path + ":" + type(node).__name__]
out = []
for i in range(${texts.length}):
    with open(os.path.join(sys.argv[1], str(i)), encoding="utf-8", errors="surrogateescape") as f:
        try:
            out.append(" | ".join(sorted(shape(yaml.safe_load(f), ""))))
        except yaml.YAMLError as e:
            out.append("YAML ERROR " + str(e).splitlines()[0])
print(json.dumps(out))
`;
    const result = spawnSync("python3", ["-c", program, join(dir, "in")], { encoding: "utf8", maxBuffer: 256 << 20 });
    if (result.status !== 0) throw new Error(`python3: ${result.stderr}`);
    return JSON.parse(result.stdout) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
