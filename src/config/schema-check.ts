// What `schema` says of one document: a cloud-config checked against the modules' schemas
// (the very ones the engine validates with before each module runs), a network config read
// by the network parsers. Each problem names its key path and line, never the value.
import { parseNetworkConfig } from "../network/parse";
import { validate, type Schema } from "./schema";
import { isPlainObject, keyLines, parseYaml, YamlError } from "./yaml";

export interface Problem {
  /** A key path ("write_files.0"), or cloud-init's "format-lL.cC" for a document that is not YAML. */
  path: string;
  message: string;
  line?: number;
}

export interface CheckResult {
  errors: Problem[];
  deprecations: Problem[];
}

const HEADER = "#cloud-config";

/** `requireHeader`: user-data and vendor-data must say what they are; cloud.cfg need not. */
export function checkCloudConfig(text: string, schemas: Schema[], source: string, requireHeader: boolean): CheckResult {
  if (requireHeader && !text.startsWith(HEADER)) return fails({ path: "format-l1.c1", message: `File ${source} needs to begin with "${HEADER}"`, line: 1 });
  const parsed = readYaml(text, source);
  if ("error" in parsed) return fails(parsed.error);
  const config = parsed.value ?? {};
  if (!isPlainObject(config)) return fails({ path: "", message: "a cloud-config must be a mapping of module keys", line: 1 });
  const lines = keyLines(text);
  const result: CheckResult = { errors: [], deprecations: [] };
  const seen = new Set<string>();
  // a key several modules read (write_files: write_files and write_files_deferred) is reported once
  for (const schema of schemas) {
    for (const issue of validate(config, schema)) {
      const key = `${issue.deprecation ? "d" : "e"} ${issue.path} ${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const problem = { path: issue.path, message: issue.message, line: lineOf(lines, issue.path) };
      (issue.deprecation ? result.deprecations : result.errors).push(problem);
    }
  }
  result.errors.sort(byLine);
  result.deprecations.sort(byLine);
  return result;
}

/** A network config (v1 or v2, with or without its `network:` key) as the renderers would read it. */
export function checkNetworkConfig(text: string, source: string): CheckResult {
  const parsed = readYaml(text, source);
  if ("error" in parsed) return fails(parsed.error);
  try {
    parseNetworkConfig(parsed.value);
    return { errors: [], deprecations: [] };
  } catch (err) {
    return fails({ path: "network-config", message: (err as Error).message });
  }
}

function readYaml(text: string, source: string): { value: unknown } | { error: Problem } {
  try {
    return { value: parseYaml(text) };
  } catch (err) {
    if (!(err instanceof YamlError)) throw err;
    const column = /column (\d+)/.exec(err.message)?.[1] ?? "1";
    return { error: { path: `format-l${err.line ?? 1}.c${column}`, message: `File ${source} is not valid YAML: ${err.message}`, line: err.line } };
  }
}

/** The line of the path, or of its nearest parent written in the file (a missing key is its mapping's problem). */
function lineOf(lines: Map<string, number>, path: string): number | undefined {
  for (let p = path; p; p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "") {
    const line = lines.get(p);
    if (line !== undefined) return line;
  }
  return undefined;
}

function fails(problem: Problem): CheckResult {
  return { errors: [problem], deprecations: [] };
}

function byLine(a: Problem, b: Problem): number {
  return (a.line ?? 0) - (b.line ?? 0);
}

/** "path: message (line N)", cloud-init's "path: message" with the line it is at. */
export function describeProblem(p: Problem): string {
  return `${p.path ? `${p.path}: ` : ""}${p.message}${p.line !== undefined && !p.path.startsWith("format-") ? ` (line ${p.line})` : ""}`;
}

/** The document with each problem marked at its line (`# E1,D1`) and listed at the end, as cloud-init's --annotate. */
export function annotate(text: string, result: CheckResult): string {
  const marks = new Map<number, string[]>();
  const footer: string[] = [];
  const mark = (problems: Problem[], prefix: string, title: string) => {
    if (!problems.length) return;
    footer.push(`# ${title}: -------------`);
    problems.forEach((p, i) => {
      const label = `${prefix}${i + 1}`;
      const line = p.line ?? 1;
      marks.set(line, [...(marks.get(line) ?? []), label]);
      footer.push(`# ${label}: ${describeProblem({ ...p, line: undefined })}`);
    });
    footer.push("");
  };
  mark(result.errors, "E", "Errors");
  mark(result.deprecations, "D", "Deprecations");
  const body = text.replace(/\n$/, "").split("\n").map((line, i) => (marks.has(i + 1) ? `${line}\t\t# ${marks.get(i + 1)!.join(",")}` : line));
  return `${[...body, "", ...footer].join("\n")}\n`;
}
