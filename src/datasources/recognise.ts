// How a datasource is recognised, declared as data: detect() evaluates the declaration over
// the Host here, and the generator's shell tests are written from the same declaration
// (generator.ts), so the two cannot drift apart.
import * as os from "node:os";
import { DEFAULT_DATASOURCE_LIST } from "../config/builtin";
import type { Config } from "../config/load";
import { containerName } from "../host/container";
import type { Host } from "../host/host";
import { hasLabelledDrive } from "./seed-drives";

/** A file's first line (spaces and tabs trimmed, as sh's `read` trims) matching one of `globs`. */
export interface FileRule {
  path: string;
  /** Shell-style: `*`, `?`, `[a-z]` classes, literal letters, digits, space and `._=-`. */
  globs: string[];
}

export interface Recognition {
  /** Seed directories, found when every one of `files` exists in `dir`. */
  seeds?: { dir: string; files: string[] }[];
  /** /sys/class/dmi/id fields, /sys/hypervisor/uuid: the host's, so ignored, in a container. */
  files?: FileRule[];
  /** `key=value` entries of PID 1's environment (OpenStack's LXD containers set product_name). */
  pid1Environ?: string[];
  /** Filesystem labels of a seed drive. */
  labels?: string[];
  /** Off x86 the firmware often has no DMI to tell, so the datasource may be there (cloud-init's "maybe"). */
  offX86?: boolean;
}

export const dmiField = (field: string, globs: string[]): FileRule => ({ path: `/sys/class/dmi/id/${field}`, globs });

interface RecogniseContext {
  host: Host;
  cmdline: string;
  config: Config;
}

/** The datasource a kernel command line forces (`ds=`, `ci.ds=`, `ci.datasource=`), if any. */
function forcedDatasource(cmdline: string): string | undefined {
  return /(?:^|\s)(?:ds|ci\.ds|ci\.datasource)=([^;\s]+)/.exec(cmdline)?.[1];
}

/** The names to try, in order: the forced one (then None), else datasource_list. */
export function datasourceList(cmdline: string, config: Config): string[] {
  const forced = forcedDatasource(cmdline);
  if (forced) return [forced, "None"];
  const list = config.datasource_list;
  if (Array.isArray(list) && list.every((n) => typeof n === "string")) return list as string[];
  if (typeof list === "string") return list.split(",").map((s) => s.trim());
  return DEFAULT_DATASOURCE_LIST;
}

/** The key datasource_list names map to: case-insensitive, "-net" dropped ("NoCloud-Net" is NoCloud). */
export function datasourceKey(name: string): string {
  return name.toLowerCase().replace(/-net$/, "");
}

/**
 * Why the datasource `name` may be here, or undefined. Being the only one asked for (forced on
 * the command line, or alone in datasource_list but for None) is evidence enough, as
 * cloud-init skips ds_detect then.
 */
export function recognisedBy(name: string, rec: Recognition, ctx: RecogniseContext): string | undefined {
  const listed = datasourceList(ctx.cmdline, ctx.config).map(datasourceKey).filter((k) => k !== "none");
  if (listed.length === 1 && listed[0] === datasourceKey(name)) return "the only datasource asked for";
  const { host } = ctx;
  for (const seed of rec.seeds ?? []) if (seed.files.every((f) => host.exists(`${seed.dir}/${f}`))) return `seed ${seed.dir}`;
  // a container sees its host's firmware: that is not this guest's platform (as ds-identify)
  const file = matchingFile(host, rec.files ?? []);
  if (file && !containerName(host)) return file;
  if (rec.pid1Environ?.length) {
    const environ = (host.readTextIfExists("/proc/1/environ") ?? "").split("\0");
    const entry = rec.pid1Environ.find((e) => environ.includes(e));
    if (entry) return `PID 1 environment ${entry}`;
  }
  if (rec.offX86 && !/^(i.86|x86_64)$/.test(machine(host))) return "not an x86 machine";
  if (rec.labels?.length && hasLabelledDrive(host, rec.labels)) return `a drive labelled ${rec.labels.join(" or ")}`;
  return undefined;
}

/** The first rule whose file matches, described; undefined when none does. */
export function matchingFile(host: Host, rules: FileRule[]): string | undefined {
  for (const rule of rules) {
    const line = firstLine(host, rule.path);
    if (line !== undefined && rule.globs.some((g) => globRegExp(g).test(line))) return `${rule.path} ${line}`;
  }
  return undefined;
}

function firstLine(host: Host, path: string): string | undefined {
  return host.readTextIfExists(path)?.split("\n")[0].replace(/^[ \t]+|[ \t]+$/g, "");
}

/** uname's machine, from the kernel's file when there is one (tests place it under a root). */
function machine(host: Host): string {
  return host.readTextIfExists("/proc/sys/kernel/arch")?.trim() || os.machine();
}

type GlobToken = { any: true } | { one: true } | { cls: string } | { text: string };

/** Only what both RegExp and sh's case read alike; anything else is a mistake in a declaration. */
export function globTokens(glob: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  const re = /\*|\?|\[([0-9A-Za-z-]+)\]|([0-9A-Za-z ._=-]+)/y;
  while (re.lastIndex < glob.length) {
    const at = re.lastIndex;
    const m = re.exec(glob);
    if (!m) throw new Error(`unsupported character in glob ${JSON.stringify(glob)} at ${at}`);
    tokens.push(m[0] === "*" ? { any: true } : m[0] === "?" ? { one: true } : m[1] !== undefined ? { cls: m[1] } : { text: m[2] });
  }
  return tokens;
}

export function globRegExp(glob: string): RegExp {
  const body = globTokens(glob)
    .map((t) => ("any" in t ? "[^]*" : "one" in t ? "[^]" : "cls" in t ? `[${t.cls}]` : t.text.replace(/[.-]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}
