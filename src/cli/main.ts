// Dispatches argv to a subcommand. Invoked as `cloud-init` it behaves the same; only the
// version line differs, so tools that parse `cloud-init --version` see a cloud-init release.
import * as path from "node:path";
import { Host } from "../host/host";
import { writeStderr, writeStdout } from "../host/stdio";
import { CLOUD_INIT_COMPAT_VERSION, VERSION } from "../version";
import { parseArgs, usage, UsageError } from "./args";
import { LINKED_COMMANDS, type Command, type CommandGroup, type CommandIO } from "./command";
import { analyze } from "./commands/analyze";
import { boot } from "./commands/boot";
import { clean } from "./commands/clean";
import { cloudId } from "./commands/cloud-id";
import { cloudInitPer } from "./commands/cloud-init-per";
import { collectLogs } from "./commands/collect-logs";
import { devel } from "./commands/devel";
import { features } from "./commands/features";
import { init } from "./commands/init";
import { install } from "./commands/install";
import { modules } from "./commands/modules";
import { query } from "./commands/query";
import { schema } from "./commands/schema";
import { single } from "./commands/single";
import { status } from "./commands/status";

export const COMMANDS: Record<string, Command | CommandGroup> = { analyze, boot, clean, "cloud-id": cloudId, "cloud-init-per": cloudInitPer, "collect-logs": collectLogs, devel, features, init, install, modules, query, schema, single, status };

export async function main(argv: string[], argv0: string): Promise<number> {
  const linked = LINKED_COMMANDS.find((name) => name === path.basename(argv0));
  if (linked) return main([linked, ...argv], "cloud-init");
  const prog = path.basename(argv0) === "cloud-init" ? "cloud-init" : "cloud-agent";
  const out = writeStdout;
  const err = writeStderr;
  // global options may come before the subcommand, as with cloud-init's argparse
  const leading: string[] = [];
  let i = 0;
  for (; i < argv.length && argv[i].startsWith("-"); i++) {
    leading.push(argv[i]);
    if (argv[i] === "--root") leading.push(argv[++i] ?? "");
  }
  if (leading.includes("--version") || leading.includes("-v")) {
    out(prog === "cloud-init" ? `/usr/bin/cloud-init ${CLOUD_INIT_COMPAT_VERSION} (cloud-agent ${VERSION})\n` : `cloud-agent ${VERSION}\n`);
    return 0;
  }
  let name = argv[i];
  if (!name || leading.includes("--help") || leading.includes("-h")) {
    const text = `usage: ${prog} [--version] [--root DIR] {${Object.keys(COMMANDS).join(",")}} ...\n`;
    if (!name && !leading.some((a) => a === "-h" || a === "--help")) {
      err(`${text}${prog}: error: a subcommand is required\n`);
      return 2;
    }
    out(`${text}\nsubcommands:\n${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.spec.summary}`).join("\n")}\n`);
    return 0;
  }
  let entry = COMMANDS[name];
  let rest = argv.slice(i + 1);
  let choices = Object.keys(COMMANDS);
  let at = `${prog}`;
  if (entry && "subcommands" in entry) {
    const group = entry;
    if (!rest[0] || rest[0] === "-h" || rest[0] === "--help") {
      const text = `usage: ${prog} ${name} [-h] {${Object.keys(group.subcommands).join(",")}} ...\n`;
      if (rest[0]) out(`${text}\n${group.spec.summary}\n\nsubcommands:\n${Object.entries(group.subcommands).map(([n, c]) => `  ${n.padEnd(12)} ${c.spec.summary}`).join("\n")}\n`);
      else err(`${text}${prog} ${name}: error: the following arguments are required: subcommand\n`);
      return rest[0] ? 0 : 2;
    }
    [entry, choices, at, rest] = [group.subcommands[rest[0]], Object.keys(group.subcommands), `${prog} ${name}`, rest.slice(1)];
    name = argv[i + 1];
  }
  if (!entry) {
    err(`${at}: error: argument subcommand: invalid choice: '${name}' (choose from ${choices.map((c) => `'${c}'`).join(", ")})\n`);
    return 2;
  }
  const command = entry as Command;
  try {
    const parsed = parseArgs(command.spec, [...leading, ...rest]);
    if (parsed.options.help) {
      out(usage(prog, command.spec));
      return 0;
    }
    if (name === "install" && !parsed.options.root) throw new UsageError("the following arguments are required: --root");
    const io: CommandIO = { host: new Host({ root: (parsed.options.root as string | undefined) ?? "/" }), prog, stdout: out, stderr: err };
    return await command.run(parsed, io);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${usage(prog, command.spec).split("\n")[0]}\n${prog} ${command.spec.name}: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
