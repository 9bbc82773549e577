// `analyze` over cloud-init.log, pure: the events a boot logged (each stage's "Cloud-init v.
// ... running" banner and the reporter's `start:`/`finish:` lines of stages, datasource
// searches and modules) and the records cloud-init's analyze prints from them.

export interface BootEvent {
  name: string;
  description: string;
  event_type: "start" | "finish";
  origin: "cloudinit";
  /** Seconds since the epoch, milliseconds as the log has them. */
  timestamp: number;
  result?: string;
}

const STAGE_DESCRIPTIONS: Record<string, string> = {
  "init-local": "starting search for local datasources",
  "init-network": "searching for network datasources",
  "modules-config": "running config modules",
  "modules-final": "finalizing modules",
};

const LINE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) - \S+: (.*)$/;

/** The events of a log, in the order written; lines that are not events are skipped. */
export function parseEvents(log: string): BootEvent[] {
  const events: BootEvent[] = [];
  for (const line of log.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, y, mo, d, h, mi, s, ms, text] = m;
    const timestamp = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms) / 1000;
    const banner = /^Cloud-init v\. .* running '([^']+)' at /.exec(text);
    if (banner) {
      const name = banner[1] === "init" ? "init-network" : banner[1].replace(":", "-");
      events.push({ name, description: STAGE_DESCRIPTIONS[name] ?? name, event_type: "start", origin: "cloudinit", timestamp });
      continue;
    }
    const start = /^start: ([^\s:]+): (.*)$/.exec(text);
    if (start) {
      events.push({ name: start[1], description: start[2], event_type: "start", origin: "cloudinit", timestamp });
      continue;
    }
    const finish = /^finish: ([^\s:]+): ([A-Z]+): (.*)$/.exec(text);
    if (finish) events.push({ name: finish[1], description: finish[3], event_type: "finish", origin: "cloudinit", timestamp, result: finish[2] });
  }
  return events;
}

interface Span {
  name: string;
  description: string;
  /** Seconds from the boot record's first event to this one's start. */
  elapsed: number;
  duration: number;
  stage: boolean;
}

/** One record per boot (a boot starts at init-local): its stages and, inside them, the events that finished. */
export function bootRecords(events: BootEvent[]): Span[][] {
  const boots: Span[][] = [];
  let spans: Span[] = [];
  let bootStart = 0;
  const open: BootEvent[] = [];
  for (const event of events) {
    if (event.event_type === "start") {
      if (event.name === "init-local" && spans.length) {
        boots.push(spans);
        spans = [];
        open.length = 0;
      }
      if (!spans.length && !open.length) bootStart = event.timestamp;
      open.push(event);
      continue;
    }
    // the finish closes the latest start of the same name; one without a start is skipped
    const at = open.map((e) => e.name).lastIndexOf(event.name);
    if (at < 0) continue;
    const [started] = open.splice(at, 1);
    const stage = !event.name.includes("/");
    spans.push({ name: event.name, description: stage ? event.name : event.description, elapsed: started.timestamp - bootStart, duration: event.timestamp - started.timestamp, stage });
  }
  if (spans.length) boots.push(spans);
  return boots;
}

const seconds = (n: number) => n.toFixed(5).padStart(8, "0");
const recordTitle = (i: number) => `-- Boot Record ${String(i + 1).padStart(2, "0")} --`;

/** `analyze show`: each stage with the events inside it, as cloud-init prints them. */
export function showRecords(boots: Span[][]): string {
  const out: string[] = [];
  boots.forEach((spans, i) => {
    out.push(recordTitle(i), 'The total time elapsed since completing an event is printed after the "@" character.', 'The time the event takes is printed after the "+" character.', "");
    let total = 0;
    let stageOpen = false;
    for (const span of spans) {
      if (!stageOpen) out.push(`Starting stage: ${stageOf(span)}`);
      stageOpen = true;
      if (span.stage) {
        out.push(`Finished stage: (${span.name}) ${seconds(span.duration)} seconds`, "");
        total += span.duration;
        stageOpen = false;
      } else out.push(`|${" ".repeat(span.name.split("/").length - 2)}\`->${span.description} @${seconds(span.elapsed)}s +${seconds(span.duration)}s`);
    }
    out.push(`Total Time: ${total.toFixed(5)} seconds`, "");
  });
  out.push(`${boots.length} boot records analyzed`);
  return `${out.join("\n")}\n`;
}

/** `analyze blame`: the events of each boot, longest first. */
export function blameRecords(boots: Span[][]): string {
  const out: string[] = [];
  boots.forEach((spans, i) => {
    const lines = spans.filter((s) => !s.stage).map((s) => `     ${seconds(s.duration)}s (${s.name})`);
    // descending as text, which is by duration and then by name, as cloud-init sorts them
    out.push(recordTitle(i), ...lines.sort().reverse(), "");
  });
  out.push(`${boots.length} boot records analyzed`);
  return `${out.join("\n")}\n`;
}

function stageOf(span: Span): string {
  return span.stage ? span.name : span.name.split("/")[0];
}

/** What `analyze boot` reports, in seconds since the epoch (container: when the container started). */
export interface BootTimes {
  kernelStart: number;
  kernelEnd: number;
  activated: number;
  /** The last init-local banner of the log, if there is one. */
  cloudInitStart?: number;
  container: boolean;
}

/** Python's str() of a UTC datetime: microseconds only when there are any. */
function pythonDate(epoch: number): string {
  const iso = new Date(Math.floor(epoch * 1000)).toISOString().replace("T", " ").slice(0, 19);
  const micros = Math.round((epoch % 1) * 1e6);
  return micros ? `${iso}.${String(micros).padStart(6, "0")}` : iso;
}

/** `analyze boot` in cloud-init's words. */
export function bootReport(t: BootTimes): string {
  const start = t.cloudInitStart === undefined ? "Could not find init-local log-line in cloud-init.log" : pythonDate(t.cloudInitStart);
  if (t.container) return `-- Most Recent Container Boot Record --\n    Container started at: ${pythonDate(t.kernelStart)}\n    Cloud-init activated by systemd at: ${pythonDate(t.activated)}\n    Cloud-init start: ${start}\n`;
  return [
    "-- Most Recent Boot Record --",
    `    Kernel Started at: ${pythonDate(t.kernelStart)}`,
    `    Kernel ended boot at: ${pythonDate(t.kernelEnd)}`,
    `    Kernel time to boot (seconds): ${t.kernelEnd - t.kernelStart}`,
    `    Cloud-init activated by systemd at: ${pythonDate(t.activated)}`,
    `    Time between Kernel end boot and Cloud-init activation (seconds): ${t.activated - t.kernelEnd}`,
    `    Cloud-init start: ${start}`,
    "",
  ].join("\n");
}
