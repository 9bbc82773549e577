// yum_add_repo: one /etc/yum.repos.d/<id>.repo file per entry of `yum_repos`, laid out as
// cloud-init lays it out (Python's ConfigParser: "key = value", continuation lines for lists).
// A file that already exists is never replaced: the image or an earlier instance owns it.
import { isPlainObject } from "../src/config/yaml";
import type { CloudConfigModule } from "../src/module";
import { rfc2822 } from "../src/state/status";

const DEFAULT_DIR = "/etc/yum.repos.d";
// dnf's own repo id characters; with no "/" an id can never leave the directory
const REPO_ID = /^[A-Za-z0-9_.:-]+$/;
const OPTION_KEY = /^[a-z0-9_]+$/;
// one of these tells yum where the packages are (22.4.2 wanted baseurl alone)
const LOCATION_KEYS = ["baseurl", "metalink", "mirrorlist"];
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export type RepoOptions = Map<string, string>;

/** A repo as it will be written, or why it will not be. */
export type RepoPlan = { id: string; file: string; options: RepoOptions } | { id: string; skip: string; warn?: boolean } | { id: string; error: string };

/** cloud-init's file name for a repo: its id with spaces made hyphens. */
export function canonicalRepoId(id: string): string {
  return id.replaceAll(" ", "-");
}

/** cloud-init's key clean-up: lower case, trimmed, "-" as "_"; empty keys dropped, the last value of a key kept. */
export function normalOptions(raw: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(raw)) {
    const normal = key.toLowerCase().trim().replaceAll("-", "_");
    if (normal) out.set(normal, value);
  }
  return out;
}

/**
 * One option's value as yum reads it: booleans 1/0, lists one item a line (written as
 * continuation lines). Throws on what has no ini form: null, mappings, line breaks, control
 * characters; the message never holds the value.
 */
export function repoValue(value: unknown): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(repoValue).join("\n");
  if (typeof value !== "string") throw new Error(`expected a string, number, boolean or list, got ${value === null ? "null" : typeof value}`);
  if (CONTROL.test(value)) throw new Error("contains a line break or control character");
  return value;
}

/** The .repo file: a header line, then the section as ConfigParser writes it. */
export function renderRepo(id: string, options: RepoOptions, header: string): string {
  let out = `# ${header}\n[${id}]\n`;
  for (const [key, value] of options) out += `${key} = ${value.replaceAll("\n", "\n\t")}\n`;
  return `${out}\n`;
}

/** Decides each repo's fate in order; `exists` says whether a path is already taken. */
export function planRepos(repos: Record<string, unknown>, dir: string, exists: (path: string) => boolean): RepoPlan[] {
  const plans: RepoPlan[] = [];
  const pending = new Set<string>();
  for (const [id, raw] of Object.entries(repos)) {
    const canonical = canonicalRepoId(id);
    if (!REPO_ID.test(canonical)) {
      plans.push({ id, error: `yum_repos: repo id '${printable(id)}' may hold only letters, digits, space, '-', '_', '.' and ':'` });
      continue;
    }
    const file = `${dir}/${canonical}.repo`;
    if (exists(file)) {
      plans.push({ id, skip: `file ${file} already exists` });
      continue;
    }
    if (pending.has(canonical)) {
      plans.push({ id, skip: `file ${file} is already written for another repo` });
      continue;
    }
    if (raw !== null && raw !== undefined && !isPlainObject(raw)) {
      plans.push({ id, error: `yum_repos.${id}: expected a mapping of repo options` });
      continue;
    }
    const options = normalOptions(raw ?? {});
    if (!LOCATION_KEYS.some((k) => options.has(k))) {
      plans.push({ id, skip: `it has none of ${LOCATION_KEYS.join(", ")}`, warn: true });
      continue;
    }
    const rendered: RepoOptions = new Map();
    const problems: string[] = [];
    for (const [key, value] of options) {
      if (!OPTION_KEY.test(key)) problems.push(`yum_repos.${id}: option '${printable(key)}' may hold only letters, digits, '-' and '_'`);
      else {
        try {
          rendered.set(key, repoValue(value));
        } catch (err) {
          problems.push(`yum_repos.${id}.${key}: ${(err as Error).message}`);
        }
      }
    }
    if (problems.length) {
      plans.push({ id, error: problems.join("; ") });
      continue;
    }
    pending.add(canonical);
    plans.push({ id, file, options: rendered });
  }
  return plans;
}

/** A name for a message: control characters shown as "?", so a log line stays one line. */
function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, "?");
}

export const yumAddRepo: CloudConfigModule = {
  name: "yum_add_repo",
  frequency: "once-per-instance",
  idempotent: true,
  // cloud-init's list, in our lower-case distro names
  distros: ["almalinux", "centos", "cloudlinux", "eurolinux", "fedora", "mariner", "openeuler", "openmandriva", "photon", "rhel", "rocky", "virtuozzo"],
  activateBy: ["yum_repos"],
  schema: {
    properties: {
      yum_repos: { type: "object", additionalProperties: { type: ["object", "null"] } },
      yum_repo_dir: { type: "string" },
    },
  },
  async run({ host, config, log, version }) {
    const repos = config.yum_repos;
    if (!isPlainObject(repos) || !Object.keys(repos).length) return { skipped: "yum_repos is empty" };
    const dir = String(config.yum_repo_dir ?? DEFAULT_DIR).replace(/(.)\/+$/, "$1");
    if (!dir.startsWith("/") || CONTROL.test(dir)) throw new Error("yum_repo_dir: expected an absolute path on one line");
    const errors: string[] = [];
    const header = `Created by cloud-agent v. ${version} on ${rfc2822(new Date())}`;
    for (const plan of planRepos(repos, dir, (p) => host.exists(p))) {
      if ("error" in plan) errors.push(plan.error);
      else if ("skip" in plan) log[plan.warn ? "warn" : "info"](`skipping repo ${printable(plan.id)}: ${plan.skip}`);
      else {
        host.writeAtomic(plan.file, renderRepo(canonicalRepoId(plan.id), plan.options, header), 0o644);
        log.info(`wrote ${plan.file}`);
      }
    }
    if (errors.length) throw new Error(errors.join("; "));
  },
};
