// rsyslog: writes the `configs` entries (and the `remotes`, rendered as forwarding lines) to
// files under config_dir, then reloads rsyslog so it reads them.
import { isIPv4, isIPv6 } from "node:net";
import * as path from "node:path";
import { isPlainObject } from "../src/config/yaml";
import { CommandError } from "../src/host/command-error";
import { validHostname } from "../src/system/hostname";
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { keyName } from "../src/network/document";
import { manageService, systemdRunning } from "../src/system/services";

export interface RsyslogSettings {
  configs: unknown[];
  configDir: string;
  configFilename: string;
  reload: "auto" | string[];
  remotes: Record<string, unknown>;
}

const DEFAULT_DIR = "/etc/rsyslog.d";
const DEFAULT_FILENAME = "20-cloud-config.conf";

const STRING_LIST = { type: "array" as const, items: { type: "string" as const } };
const CONFIG_ENTRY = {
  oneOf: [
    { type: "string" as const },
    { type: "object" as const, required: ["content"], additionalProperties: false, properties: { filename: { type: "string" as const }, content: { type: "string" as const } } },
  ],
};

export const rsyslog: CloudConfigModule = {
  name: "rsyslog",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  activateBy: ["rsyslog"],
  schema: {
    properties: {
      rsyslog: {
        oneOf: [
          {
            type: "object",
            additionalProperties: false,
            properties: {
              config_dir: { type: "string" },
              config_filename: { type: "string" },
              configs: { type: "array", items: CONFIG_ENTRY },
              remotes: { type: "object" },
              service_reload_command: { oneOf: [{ enum: ["auto"] }, STRING_LIST] },
            },
          },
          { type: "array", items: CONFIG_ENTRY, deprecated: "the rsyslog list form is deprecated: use rsyslog.configs" },
        ],
      },
      rsyslog_filename: { type: "string" },
      rsyslog_dir: { type: "string" },
    },
  },
  async run(ctx) {
    const settings = rsyslogSettings(ctx.config);
    const remotes = renderRemotes(settings.remotes);
    remotes.problems.forEach((p) => ctx.log.warn(p));
    const configs = remotes.text ? [...settings.configs, remotes.text] : settings.configs;
    if (!configs.length) return { skipped: "no rsyslog configs or remotes" };
    const plan = planFiles(configs, settings.configDir, settings.configFilename);
    plan.problems.forEach((p) => ctx.log.warn(p));
    if (!plan.files.size) return { skipped: "no rsyslog config could be written" };
    for (const [file, text] of plan.files) ctx.host.writeAtomic(file, text, 0o644);
    ctx.log.info(`rsyslog configured in ${[...plan.files.keys()].join(", ")}`);
    await reload(ctx, settings.reload);
  },
};

/** The `rsyslog` key in either form (the list form takes rsyslog_filename and rsyslog_dir). */
export function rsyslogSettings(config: Record<string, unknown>): RsyslogSettings {
  const raw = config.rsyslog;
  let given: Record<string, unknown>;
  if (Array.isArray(raw)) {
    given = { configs: raw };
    if ("rsyslog_filename" in config) given.config_filename = config.rsyslog_filename;
    if ("rsyslog_dir" in config) given.config_dir = config.rsyslog_dir;
  } else if (isPlainObject(raw)) {
    given = raw;
  } else if (raw === null || raw === undefined) {
    given = {};
  } else {
    throw new Error("rsyslog: expected a mapping (or the deprecated list of configs)");
  }
  const configs = given.configs ?? [];
  if (!Array.isArray(configs)) throw new Error("rsyslog.configs: expected a list");
  const remotes = given.remotes ?? {};
  if (!isPlainObject(remotes)) throw new Error("rsyslog.remotes: expected a mapping of names to remote lines");
  return {
    configs,
    configDir: configDir(given.config_dir ?? DEFAULT_DIR),
    configFilename: stringSetting(given.config_filename ?? DEFAULT_FILENAME, "rsyslog.config_filename"),
    reload: reloadCommand(given.service_reload_command ?? "auto"),
    remotes,
  };
}

function stringSetting(value: unknown, key: string): string {
  if (typeof value !== "string") throw new Error(`${key}: expected a string`);
  return value;
}

function configDir(value: unknown): string {
  const dir = stringSetting(value, "rsyslog.config_dir");
  if (!dir.startsWith("/") || dir.split("/").includes("..") || hasControl(dir)) throw new Error("rsyslog.config_dir: expected an absolute path with no '..' and no control characters");
  return path.posix.normalize(dir).replace(/(.)\/$/, "$1");
}

/**
 * "auto", or the argv of the user's command. cloud-init hands a string to Popen without a
 * shell, where it is the name of one program: a string other than "auto" is that here too,
 * and one with blanks (which could only fail there) is refused before anything runs.
 */
function reloadCommand(value: unknown): "auto" | string[] {
  if (value === "auto") return "auto";
  if (typeof value === "string") {
    if (!value.trim() || /\s/.test(value)) throw new Error("rsyslog.service_reload_command: a string is the name of one program; give a command with arguments as a list");
    return [value];
  }
  if (Array.isArray(value) && value.length && value.every((a) => typeof a === "string") && value[0]) return value as string[];
  throw new Error('rsyslog.service_reload_command: expected "auto" or a non-empty list of strings');
}

function hasControl(text: string): boolean {
  return /[\x00-\x1f\x7f]/.test(text);
}

export interface FilePlan {
  /** Full content of each file, in the order first named. */
  files: Map<string, string>;
  problems: string[];
}

/**
 * The files the entries make: the first entry for a file starts it, later ones are added
 * after it, each ending with a newline (cloud-init truncates on first write, then appends).
 */
export function planFiles(configs: unknown[], dir: string, defaultFilename: string): FilePlan {
  const files = new Map<string, string>();
  const problems: string[] = [];
  configs.forEach((entry, i) => {
    const where = `rsyslog.configs[${i}]`;
    let content: unknown = entry;
    let filename: unknown = defaultFilename;
    if (isPlainObject(entry)) {
      if (!("content" in entry)) return problems.push(`${where} has no content; skipped`);
      content = entry.content;
      filename = entry.filename ?? defaultFilename;
    }
    if (typeof content !== "string") return problems.push(`${where}: content is not a string; skipped`);
    // rsyslog reads text lines: tabs and line breaks, nothing else below a space
    if (/[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]/.test(content)) return problems.push(`${where}: content holds control characters; skipped`);
    if (typeof filename !== "string") return problems.push(`${where}: filename is not a string; skipped`);
    const file = fileIn(dir, filename.trim());
    if (!file) return problems.push(`${where}: filename must name a file inside ${dir}; skipped`);
    files.set(file, (files.get(file) ?? "") + (content.endsWith("\n") ? content : `${content}\n`));
  });
  return { files, problems };
}

/**
 * The file a name means under dir, or undefined when it would be elsewhere. cloud-init joins
 * them as os.path.join does, so an absolute name leaves the directory: here it must still
 * lie inside it, and no ".." may climb out.
 */
export function fileIn(dir: string, name: string): string | undefined {
  if (!name || hasControl(name) || name.split("/").includes("..") || name.endsWith("/")) return undefined;
  const file = path.posix.normalize(name.startsWith("/") ? name : `${dir}/${name}`);
  const prefix = dir === "/" ? "/" : `${dir}/`;
  return file.startsWith(prefix) && file.length > prefix.length ? file : undefined;
}

const FACILITY = "(?:auth|authpriv|cron|daemon|ftp|kern|lpr|mail|mark|news|security|syslog|user|uucp|local[0-7]|\\*)";
const PRIORITY = "(?:debug|info|notice|warn|warning|err|error|crit|alert|emerg|panic|none|\\*)";
/** rsyslog's traditional selector: facility[,facility...].[!][=]priority, ";"-separated. */
const SELECTOR = new RegExp(`^${FACILITY}(?:,${FACILITY})*\\.!?=?${PRIORITY}(?:;${FACILITY}(?:,${FACILITY})*\\.!?=?${PRIORITY})*$`, "i");
/** [selector] [@|@@]host[:port], host bracketed when it is an IPv6 address. */
const REMOTE = /^(?:(\S+)\s+)?(@{0,2})(?:\[([^\]]*)\]|([^:\s[\]@]+))(?::([0-9]+))?$/;

export interface Remote {
  selector: string;
  protocol: "udp" | "tcp";
  host: string;
  port?: number;
  name?: string;
}

/** A remotes value ("*.* @@host:514 # comment"), or a description of what is wrong with it. */
export function parseRemote(value: string, name?: string): Remote | string {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return "holds control characters";
  const [data, ...comments] = value.split(/ *#+ */);
  if (comments.length > 1) return "more than one '#'";
  const comment = comments[0]?.trim();
  const m = REMOTE.exec(data.trim());
  if (!m) return "not [selector] [@|@@]host[:port]";
  const [, selector = "*.*", at, bracketed, bare, port] = m;
  if (!SELECTOR.test(selector)) return "the selector is not facility.priority";
  const host = bracketed ?? bare;
  if (!(isIPv4(host) || validHostname(host) || (bracketed !== undefined && isIPv6(host)))) return "the host is not an IPv4 address, a [bracketed] IPv6 address or a host name";
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) return "the port is not 1-65535";
  const label = name || comment || undefined;
  if (label !== undefined && hasControl(label)) return "the name holds control characters";
  return { selector, protocol: at === "@@" ? "tcp" : "udp", host, ...(port !== undefined ? { port: Number(port) } : {}), ...(label !== undefined ? { name: label } : {}) };
}

export function remoteLine(r: Remote): string {
  const host = r.host.includes(":") ? `[${r.host}]` : r.host;
  return `${r.selector} ${r.protocol === "tcp" ? "@@" : "@"}${host}${r.port !== undefined ? `:${r.port}` : ""}${r.name !== undefined ? ` # ${r.name}` : ""}`;
}

/** The remotes as one config block between "# begin remotes" and "# end remotes". */
export function renderRemotes(remotes: Record<string, unknown>): { text?: string; problems: string[] } {
  const problems: string[] = [];
  const lines: string[] = [];
  // by name, as cloud-init reads them back from its key-sorted cloud-config.txt
  for (const [name, value] of Object.entries(remotes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (value === null || value === undefined || value === "") continue;
    const where = `rsyslog.remotes.${keyName(name)}`;
    const remote = typeof value === "string" ? parseRemote(value, name) : "not a string";
    if (typeof remote === "string") problems.push(`${where}: ${remote}; skipped`);
    else lines.push(remoteLine(remote));
  }
  return { text: Object.keys(remotes).length ? `${["# begin remotes", ...lines, "# end remotes"].join("\n")}\n` : undefined, problems };
}

async function reload({ host, config, log }: ModuleContext, command: "auto" | string[]): Promise<void> {
  try {
    if (command === "auto") {
      const systemInfo = isPlainObject(config.system_info) ? config.system_info : {};
      const service = typeof systemInfo.rsyslog_svcname === "string" ? systemInfo.rsyslog_svcname : "rsyslog";
      if (!systemdRunning(host)) return log.info(`${service} not reloaded: systemd is not running this root`);
      await manageService(host, "try-reload-or-restart", service);
      log.info(`${service} reloaded`);
    } else {
      await host.runChecked(command, { timeoutMs: 90_000, what: "rsyslog.service_reload_command", quoteOutput: false });
      log.info("rsyslog.service_reload_command ran");
    }
  } catch (err) {
    // as in cloud-init, the files stay written and a failed reload is a warning
    if (!(err instanceof CommandError)) throw err;
    log.warn(`rsyslog not reloaded: ${err.message}`);
  }
}
