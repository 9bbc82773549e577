// A small argparse: declared options with short aliases, `--opt value` and `--opt=value`,
// repeatable options, positionals, and usage errors that name the bad flag.
export interface OptionSpec {
  name: string;
  short?: string;
  /** Takes a value; `choices` limits it. */
  value?: boolean;
  choices?: string[];
  repeat?: boolean;
  required?: boolean;
  help: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  options: OptionSpec[];
  /** `remainder` (last only): it and everything after it, flags included, as given (a command to run). */
  positionals?: { name: string; optional: boolean; help: string; remainder?: boolean }[];
}

export type Parsed = { options: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

export class UsageError extends Error {}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: "root", value: true, help: "act on the system under DIR: every path and command resolves inside it" },
  { name: "debug", short: "d", help: "also print debug log lines to stderr" },
  { name: "force", help: "accepted for compatibility with cloud-init" },
  { name: "help", short: "h", help: "show this help and exit" },
];

/** The command's options, then the global ones it does not shadow (by name, or by short flag:
 * net-convert's -d is --directory, not --debug). */
function optionsOf(spec: CommandSpec): OptionSpec[] {
  const own = spec.options;
  const globals = GLOBAL_OPTIONS.filter((g) => !own.some((o) => o.name === g.name)).map((g) => (own.some((o) => o.short === g.short) ? { ...g, short: undefined } : g));
  return [...own, ...globals];
}

const flagsOf = (o: OptionSpec) => `${o.short ? `-${o.short}/` : ""}--${o.name}`;

export function parseArgs(spec: CommandSpec, argv: string[]): Parsed {
  const all = optionsOf(spec);
  const options: Parsed["options"] = {};
  const positionals: string[] = [];
  const remainderAt = spec.positionals?.findIndex((p) => p.remainder) ?? -1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (remainderAt >= 0 && positionals.length === remainderAt) {
      positionals.push(...argv.slice(i));
      break;
    }
    if (arg === "--" || !arg.startsWith("-") || arg === "-") {
      positionals.push(...(arg === "--" ? argv.slice(i + 1) : [arg]));
      if (arg === "--") break;
      continue;
    }
    const [flag, inline] = arg.startsWith("--") ? splitInline(arg) : [arg, undefined];
    const opt = all.find((o) => flag === `--${o.name}` || (o.short && flag === `-${o.short}`));
    if (!opt) throw new UsageError(`unrecognized arguments: ${arg}`);
    if (!opt.value) {
      if (inline !== undefined) throw new UsageError(`argument --${opt.name}: ignored explicit argument '${inline}'`);
      options[opt.name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`argument --${opt.name}: expected one argument`);
    if (opt.choices && !opt.choices.includes(value)) {
      throw new UsageError(`argument --${opt.name}: invalid choice: '${value}' (choose from ${opt.choices.map((c) => `'${c}'`).join(", ")})`);
    }
    if (opt.repeat) options[opt.name] = [...((options[opt.name] as string[] | undefined) ?? []), value];
    else options[opt.name] = value;
  }
  const missing = spec.options.filter((o) => o.required && options[o.name] === undefined);
  if (missing.length && !options.help) throw new UsageError(`the following arguments are required: ${missing.map(flagsOf).join(", ")}`);
  const required = (spec.positionals ?? []).filter((p) => !p.optional).length;
  if (positionals.length < required) throw new UsageError(`the following arguments are required: ${spec.positionals![positionals.length].name}`);
  if (remainderAt < 0 && positionals.length > (spec.positionals ?? []).length) throw new UsageError(`unrecognized arguments: ${positionals.slice((spec.positionals ?? []).length).join(" ")}`);
  return { options, positionals };
}

function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

export function usage(prog: string, spec: CommandSpec): string {
  const lines = [`usage: ${prog} ${spec.name} [options]${(spec.positionals ?? []).map((p) => (p.optional ? ` [${p.name}]` : ` ${p.name}`)).join("")}`, "", spec.summary, "", "options:"];
  for (const o of optionsOf(spec)) {
    const flags = `${o.short ? `-${o.short}, ` : ""}--${o.name}${o.value ? ` ${o.choices ? `{${o.choices.join(",")}}` : o.name.toUpperCase()}` : ""}`;
    lines.push(`  ${flags.padEnd(34)} ${o.help}`);
  }
  for (const p of spec.positionals ?? []) lines.push(`  ${p.name.padEnd(34)} ${p.help}`);
  return `${lines.join("\n")}\n`;
}
