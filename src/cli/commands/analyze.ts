// `analyze show | blame | dump [-i LOG] [-o OUT]` over cloud-init.log, and `analyze boot`
// from systemd's timestamps (the kernel's start and end, the local unit's activation) and the
// log's last init-local banner: cloud-init's commands and output.
import { containerName } from "../../host/container";
import { blameRecords, bootRecords, bootReport, parseEvents, showRecords, type BootTimes } from "../../log/analyze";
import { LOG_FILE } from "../../log/logger";
import { stateJson } from "../../state/status-store";
import type { CommandSpec, Parsed } from "../args";
import { argumentPath, type Command, type CommandGroup, type CommandIO } from "../command";
import { epochSeconds } from "../../host/clock";


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
  if (!outfile || outfile === "-") {
    io.stdout(text);
    return 0;
  }
  try {
    // the link-refusing writer: -o may name a place a user controls
    io.host.writeUserFile(argumentPath(outfile), text, { mode: 0o644 });
    return 0;
  } catch (err) {
    io.stderr(`Error: could not write ${outfile}: ${(err as Error).message}\n`);
    return 1;
  }
}

const boot: Command = {
  spec: { name: "analyze boot", summary: "Print list of boot times for kernel and cloud-init.", options: FILES },
  async run(args, io) {
    const { host } = io;
    if (!host.exists("/run/systemd/system")) {
      io.stderr("analyze boot reads systemd's timestamps, and this system does not run systemd\n");
      return 1;
    }
    const monotonic = async (property: string, unit?: string) => {
      const r = await host.run(["systemctl", "show", ...(unit ? [unit] : []), "-p", property]);
      const value = Number(/=(\d+)/.exec(r.stdout)?.[1]);
      if (r.code !== 0 || !value) throw new Error(`systemctl show ${unit ?? ""} -p ${property} gave no timestamp`);
      return value / 1e6;
    };
    const now = epochSeconds();
    let times: BootTimes;
    try {
      const kernelEnd = await monotonic("UserspaceTimestampMonotonic");
      const activated = await monotonic("InactiveExitTimestampMonotonic", "cloud-agent-local.service");
      const container = containerName(host) !== undefined;
      // a container's monotonic clock is its host's: count from the clock's zero, not this boot's kernel
      const base = container ? now - Number(process.hrtime.bigint()) / 1e9 : now - host.uptime();
      const kernelStart = container ? (host.stat("/proc/1/cmdline")?.atimeMs ?? 0) / 1000 : base;
      times = { kernelStart, kernelEnd: base + kernelEnd, activated: base + activated, container };
    } catch (err) {
      io.stderr(`analyze boot: ${(err as Error).message}\n`);
      return 1;
    }
    const log = host.readTextIfExists(argumentPath((args.options.infile as string | undefined) ?? LOG_FILE)) ?? "";
    times.cloudInitStart = parseEvents(log).filter((e) => e.name === "init-local" && e.event_type === "start" && e.description.startsWith("starting search")).at(-1)?.timestamp;
    return write(args, io, bootReport(times));
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
