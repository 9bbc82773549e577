// Dispatches argv to a subcommand. Invoked as `cloud-init` it behaves the same; only the
// version line differs, so tools that parse `cloud-init --version` see a cloud-init release.
import * as path from "node:path";
import { Host } from "../host/host";
import { writeStderr, writeStdout } from "../host/stdio";
import { CLOUD_INIT_COMPAT_VERSION, VERSION } from "../version";
import { parseArgs, usage, UsageError } from "./args";
import type { Command, CommandIO } from "./command";
import { boot } from "./commands/boot";
import { clean } from "./commands/clean";
import { features } from "./commands/features";
import { init } from "./commands/init";
import { install } from "./commands/install";
import { modules } from "./commands/modules";
import { query } from "./commands/query";
import { single } from "./commands/single";
import { status } from "./commands/status";

export const COMMANDS: Record<string, Command> = { boot, clean, features, init, install, modules, query, single, status };

export async function main(argv: string[], argv0: string): Promise<number> {
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
  const name = argv[i];
  if (!name || leading.includes("--help") || leading.includes("-h")) {
    const text = `usage: ${prog} [--version] [--root DIR] {${Object.keys(COMMANDS).join(",")}} ...\n`;
    if (!name && !leading.some((a) => a === "-h" || a === "--help")) {
      err(`${text}${prog}: error: a subcommand is required\n`);
      return 2;
    }
    out(`${text}\nsubcommands:\n${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.spec.summary}`).join("\n")}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`${prog}: error: argument subcommand: invalid choice: '${name}' (choose from ${Object.keys(COMMANDS).map((c) => `'${c}'`).join(", ")})\n`);
    return 2;
  }
  try {
    const parsed = parseArgs(command.spec, [...leading, ...argv.slice(i + 1)]);
    if (parsed.options.help) {
      out(usage(prog, command.spec));
      return 0;
    }
    if (name === "install" && !parsed.options.root) throw new UsageError("the following arguments are required: --root");
    const io: CommandIO = { host: new Host({ root: (parsed.options.root as string | undefined) ?? "/" }), prog, stdout: out, stderr: err };
    return await command.run(parsed, io);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${usage(prog, command.spec).split("\n")[0]}\n${prog} ${name}: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
