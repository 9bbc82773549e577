// What a subcommand file exports: its spec and a handler returning the exit code.
import * as path from "node:path";
import type { Host } from "../host/host";
import type { CommandSpec, Parsed } from "./args";

export interface CommandIO {
  host: Host;
  prog: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Command {
  spec: CommandSpec;
  run(args: Parsed, io: CommandIO): Promise<number>;
}

/** A command whose first argument names one of its own (`devel net-convert`). */
export interface CommandGroup {
  spec: { name: string; summary: string };
  subcommands: Record<string, Command>;
}

/** Programs the executable is also installed as (links in /usr/bin), each running its command of that name. */
export const LINKED_COMMANDS = ["cloud-id", "cloud-init-per"] as const;

/** A file named on the command line: absolute as given, relative to the working directory otherwise (`schema -c user-data.yaml`). */
export function argumentPath(given: string): string {
  return path.resolve(given);
}
