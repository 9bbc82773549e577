// `status [--long] [--wait [--timeout S]] [--format tabular|json|yaml]`, as cloud-init's.
import { toYaml } from "../../config/yaml";
import { monotonicDeadline } from "../../host/clock";
import type { Host } from "../../host/host";
import { readCmdline } from "../../stages/env";
import { RUNNING_MARKER } from "../../stages/stage";
import { renderTabular, statusObject, summarize, type StatusFile, type StatusSummary } from "../../state/status";
import { bootStatusCode, readStatus, resultExists } from "../../state/status-store";
import type { Command } from "../command";

export const status: Command = {
  spec: {
    name: "status",
    summary: "Report cloud-init status or wait on completion.",
    options: [
      { name: "format", value: true, choices: ["tabular", "json", "yaml"], help: "output format (default: tabular)" },
      { name: "long", short: "l", help: "report long format of statuses including run stage name and error messages" },
      { name: "wait", short: "w", help: "block waiting on cloud-init to complete" },
      { name: "timeout", value: true, help: "with --wait: give up after SECONDS (exit 124)" },
    ],
  },
  async run(args, io) {
    const format = (args.options.format as string | undefined) ?? "tabular";
    const timeout = args.options.timeout === undefined ? undefined : Number(args.options.timeout);
    if (timeout !== undefined && !(timeout >= 0)) {
      io.stderr(`error: argument --timeout: invalid number: '${String(args.options.timeout)}'\n`);
      return 2;
    }
    const deadline = monotonicDeadline(timeout === undefined ? Infinity : timeout * 1000);
    let current = readSummary(io.host);
    if (args.options.wait) {
      while (current.summary.status === "running" || current.summary.status === "not started") {
        if (deadline.passed()) {
          if (format === "tabular") io.stdout("\n");
          io.stderr(`timed out after ${timeout} seconds waiting for cloud-init to finish (status: ${current.summary.status})\n`);
          return 124;
        }
        if (format === "tabular") io.stdout(".");
        await new Promise((r) => setTimeout(r, 250));
        current = readSummary(io.host);
      }
    }
    const { summary, file } = current;
    if (format === "json") io.stdout(`${JSON.stringify(statusObject(summary, file), sortedReplacer, 2)}\n`);
    else if (format === "yaml") io.stdout(toYaml(statusObject(summary, file), { sortMapEntries: true }));
    else io.stdout(renderTabular(summary, Boolean(args.options.long)));
    return summary.exitCode;
  },
};

function readSummary(host: Host): { summary: StatusSummary; file: StatusFile | undefined } {
  const file = readStatus(host);
  noteInterruptedStage(host, file);
  return { summary: summarize(file, resultExists(host), bootStatusCode(host, readCmdline(host))), file };
}

/** A stage marked running whose process is gone was killed or crashed: that is an error. */
function noteInterruptedStage(host: Host, file: StatusFile | undefined): void {
  const stage = file?.v1.stage;
  if (!file || !stage) return;
  const marker = host.readTextIfExists(RUNNING_MARKER);
  const pid = Number(marker?.split(" ")[0]);
  if (marker && pid && processAlive(pid)) return;
  file.v1[stage].errors.push(`stage ${stage} did not finish: cloud-agent exited while running it${pid ? ` (pid ${pid})` : ""}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sortedReplacer(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return value;
}
