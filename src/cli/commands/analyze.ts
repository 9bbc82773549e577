// `analyze show | blame | dump [-i LOG] [-o OUT]` over cloud-init.log, and `analyze boot`
// from systemd's timestamps: cloud-init's commands and output.
import { blameRecords, bootRecords, parseEvents, showRecords } from "../../log/analyze";
import { LOG_FILE } from "../../log/logger";
import { stateJson } from "../../state/status-store";
import type { CommandSpec, Parsed } from "../args";
import { argumentPath, type Command, type CommandGroup, type CommandIO } from "../command";


const FILES = [
  { name: "infile", short: "i", value: true, help: `the log to read (default: ${LOG_FILE})` },
  { name: "outfile", short: "o", value: true, help: "where to write the report (default: standard output)" },
] satisfies CommandSpec["options"];

/** One subcommand that turns the log's events into text. */
function overLog(name: string, summary: string, report: (log: string) => string): Command {
  return {
    spec: { name: `analyze ${name}`, summary, options: FILES },
    async run(args, io) {
      const infile = (args.options.infile as string | undefined) ?? LOG_FILE;
      const log = io.host.readTextIfExists(argumentPath(infile));
      if (log === undefined) {
        io.stderr(`Error: ${infile} does not exist\n`);
        return 1;
      }
      return write(args, io, report(log));
    },
  };
}

function write(args: Parsed, io: CommandIO, text: string): number {
  const outfile = args.options.outfile as string | undefined;
  if (outfile && outfile !== "-") io.host.writeAtomic(argumentPath(outfile), text, 0o644);
  else io.stdout(text);
  return 0;
}

const boot: Command = {
  spec: { name: "analyze boot", summary: "Print the kernel's and cloud-init's start in this boot, from systemd.", options: [] },
  async run(_args, io) {
    const props = ["KernelTimestampMonotonic", "UserspaceTimestampMonotonic", "UserspaceTimestamp"];
    const manager = await io.host.run(["systemctl", "show", ...props.flatMap((p) => ["-p", p])]);
    const unit = await io.host.run(["systemctl", "show", "cloud-agent-local.service", "-p", "ExecMainStartTimestampMonotonic"]);
    const value = (text: string, key: string) => /^(\w+)=(.*)$/m.exec(text.split("\n").find((l) => l.startsWith(`${key}=`)) ?? "")?.[2];
    const userspace = Number(value(manager.stdout, "UserspaceTimestampMonotonic"));
    const activated = Number(value(unit.stdout, "ExecMainStartTimestampMonotonic"));
    if (manager.code !== 0 || !userspace) {
      io.stderr("Error: analyze boot reads systemd's timestamps, and systemd is not running here (or systemctl is missing)\n");
      return 1;
    }
    const s = (us: number) => (us / 1e6).toFixed(5);
    const lines = [
      "-- Most Recent Boot Record --",
      `    Kernel time to boot (seconds): ${s(userspace)}`,
      activated ? `    Cloud-init activated by systemd at (seconds since boot): ${s(activated)}` : "    Cloud-init has not been activated by systemd in this boot",
      activated ? `    Time between Kernel end boot and Cloud-init activation (seconds): ${s(activated - userspace)}` : "",
    ].filter(Boolean);
    io.stdout(`${lines.join("\n")}\n`);
    return 0;
  },
};

export const analyze: CommandGroup = {
  spec: { name: "analyze", summary: "Devel tool: Analyze cloud-init logs and data." },
  subcommands: {
    blame: overLog("blame", "Print list of executed stages ordered by time to init.", (log) => blameRecords(bootRecords(parseEvents(log)))),
    dump: overLog("dump", "Dump cloud-init events in JSON format.", (log) => stateJson(parseEvents(log))),
    show: overLog("show", "Print list of in-order events during execution.", (log) => showRecords(bootRecords(parseEvents(log)))),
    boot,
  },
};
