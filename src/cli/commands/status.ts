// `status [--long] [--wait [--timeout S]] [--format tabular|json|yaml]`, as cloud-init's.
import { toYaml } from "../../config/yaml";
import { monotonicDeadline } from "../../host/clock";
import { readCmdline } from "../../stages/env";
import { renderTabular, statusObject } from "../../state/status";
import { readSummary } from "../../state/status-store";
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
    // a state file of the wrong shape counts as absent; say so once, not on every poll
    const warned = new Set<string>();
    const warn = (message: string) => {
      if (!warned.has(message)) io.stderr(`warning: ${message}\n`);
      warned.add(message);
    };
    let current = readSummary(io.host, readCmdline(io.host), warn);
    if (args.options.wait) {
      while (current.summary.status === "running" || current.summary.status === "not started") {
        if (deadline.passed()) {
          if (format === "tabular") io.stdout("\n");
          io.stderr(`timed out after ${timeout} seconds waiting for cloud-init to finish (status: ${current.summary.status})\n`);
          return 124;
        }
        if (format === "tabular") io.stdout(".");
        await new Promise((r) => setTimeout(r, 250));
        current = readSummary(io.host, readCmdline(io.host), warn);
      }
    }
    const { summary, file } = current;
    if (format === "json") io.stdout(`${JSON.stringify(statusObject(summary, file), sortedReplacer, 2)}\n`);
    else if (format === "yaml") io.stdout(toYaml(statusObject(summary, file), { sortMapEntries: true }));
    else io.stdout(renderTabular(summary, Boolean(args.options.long)));
    return summary.exitCode;
  },
};

/**
 * This boot's status, from /run only. A stage that started and has not finished is
 * interrupted unless a live process is running it. status.json is read before and after
 * the marker: a stage seen unfinished in both reads, with no live process between them,
 * cannot just have finished (its marker goes only after its final status write).
 */

function sortedReplacer(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return value;
}
