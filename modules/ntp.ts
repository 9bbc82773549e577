// ntp: points the image's time client (chrony, systemd-timesyncd or ntp/ntpsec, first found
// in cloud-init's order, or the one named) at the configured servers and pools, or at the
// distro's pool.ntp.org zone; installs chrony when the image has no client at all.
import { isPlainObject, toList } from "../src/config/yaml";
import type { Distro } from "../src/system/distro";
import type { Host } from "../src/host/host";
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { packageManager, runPackageManager } from "../src/packages/package-manager";
import { enableService, manageService } from "../src/system/services";
import { renderJinja } from "../src/userdata/jinja";

export interface TimeSources {
  servers: string[];
  pools: string[];
  peers: string[];
  allow: string[];
}

interface Client {
  checkExe: string[];
  confpath: string;
  packages: string[];
  service: string;
  render(sources: TimeSources): string;
}

const HEADER = "# Written by cloud-agent from the ntp key of cloud-config.\n";

function clients(host: Host, distro: Distro): Record<string, Client> {
  const rhel = distro.family === "rhel";
  const ntpsec = host.isDirectory("/etc/ntpsec");
  return {
    chrony: {
      checkExe: ["chronyd"],
      confpath: rhel ? "/etc/chrony.conf" : "/etc/chrony/chrony.conf",
      packages: ["chrony"],
      service: rhel ? "chronyd" : "chrony",
      render: (s) => renderChrony(s, rhel),
    },
    "systemd-timesyncd": {
      checkExe: ["/lib/systemd/systemd-timesyncd", "/usr/lib/systemd/systemd-timesyncd"],
      confpath: "/etc/systemd/timesyncd.conf.d/cloud-init.conf",
      packages: [],
      service: "systemd-timesyncd",
      render: renderTimesyncd,
    },
    // Debian 12's ntp is ntpsec, with its configuration in /etc/ntpsec
    ntp: {
      checkExe: ["ntpd"],
      confpath: ntpsec ? "/etc/ntpsec/ntp.conf" : "/etc/ntp.conf",
      packages: ["ntp"],
      service: ntpsec ? "ntpsec" : rhel ? "ntpd" : "ntp",
      render: (s) => renderNtp(s, ntpsec ? "/var/lib/ntpsec/ntp.drift" : "/var/lib/ntp/ntp.drift"),
    },
  };
}

const SCHEMA_LIST = { type: "array" as const, items: { type: "string" as const } };

export const ntp: CloudConfigModule = {
  name: "ntp",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  activateBy: ["ntp"],
  schema: {
    properties: {
      ntp: {
        type: ["object", "null"],
        properties: {
          enabled: { type: "boolean" },
          ntp_client: { type: "string" },
          servers: SCHEMA_LIST,
          pools: SCHEMA_LIST,
          peers: SCHEMA_LIST,
          allow: SCHEMA_LIST,
          config: { type: "object", properties: { confpath: { type: "string" }, check_exe: { type: "string" }, packages: SCHEMA_LIST, service_name: { type: "string" }, template: { type: "string" } } },
        },
      },
    },
  },
  async run(ctx) {
    const settings = isPlainObject(ctx.config.ntp) ? ctx.config.ntp : {};
    if (settings.enabled === false) return { skipped: "ntp.enabled is false" };
    const { name, client } = await chooseClient(ctx, settings);
    const sources: TimeSources = {
      servers: toList(settings.servers ?? []),
      pools: toList(settings.pools ?? []),
      peers: toList(settings.peers ?? []),
      allow: toList(settings.allow ?? []),
    };
    // checked before a template sees them too
    checkSources(sources);
    if (!sources.servers.length && !sources.pools.length) sources.pools = defaultPools(ctx.distro);
    const template = isPlainObject(settings.config) && typeof settings.config.template === "string" ? settings.config.template : undefined;
    const text = template ? renderJinja(template, { ...sources }).text : client.render(sources);
    const { host } = ctx;
    if (host.exists(client.confpath) && !host.exists(`${client.confpath}.dist`)) host.rename(client.confpath, `${client.confpath}.dist`);
    host.writeAtomic(client.confpath, text, 0o644);
    ctx.log.info(`${name}: ${client.confpath} written (${[...sources.servers, ...sources.pools].join(", ")})`);
    await enableService(host, client.service);
    await manageService(host, "reload-or-restart", client.service);
  },
};

async function chooseClient({ host, distro, log, output }: ModuleContext, settings: Record<string, unknown>): Promise<{ name: string; client: Client }> {
  const known = clients(host, distro);
  const asked = String(settings.ntp_client ?? "auto");
  if (asked !== "auto" && !known[asked]) throw new Error(`ntp.ntp_client: expected one of ${Object.keys(known).join(", ")}`);
  const present = (c: Client) => c.checkExe.some((exe) => (exe.startsWith("/") ? host.exists(exe) : host.which(exe)));
  const name = asked !== "auto" ? asked : (Object.keys(known).find((n) => present(known[n])) ?? "chrony");
  const client = withOverrides(known[name], settings.config);
  if (!present(client)) {
    if (!client.packages.length) throw new Error(`${name} is not in this image`);
    const manager = packageManager(host);
    if (!manager) throw new Error(`${name} is not in this image and there is no package manager to install it`);
    log.info(`installing ${client.packages.join(" ")} for ntp`);
    await runPackageManager(host, manager, "update", [], output);
    await runPackageManager(host, manager, "install", client.packages, output);
  }
  return { name, client };
}

function withOverrides(client: Client, config: unknown): Client {
  if (!isPlainObject(config)) return client;
  return {
    ...client,
    checkExe: typeof config.check_exe === "string" ? [config.check_exe] : client.checkExe,
    confpath: typeof config.confpath === "string" ? config.confpath : client.confpath,
    packages: Array.isArray(config.packages) ? config.packages.map(String) : client.packages,
    service: typeof config.service_name === "string" ? config.service_name : client.service,
  };
}

export function defaultPools(distro: Distro): string[] {
  return [0, 1, 2, 3].map((n) => `${n}.${distro.name}.pool.ntp.org`);
}

/** Each source is one word of a config line: anything else could add a directive. */
const SOURCE_WORD = /^[A-Za-z0-9._:/[\]-]+$/;

function checkSources(s: TimeSources): void {
  if (Object.values(s).flat().some((word) => !SOURCE_WORD.test(word))) throw new Error("ntp: an entry of servers, pools, peers or allow is not a host name, address or network");
}

export function renderTimesyncd(s: TimeSources): string {
  checkSources(s);
  return `${HEADER}# See timesyncd.conf(5) for details.\n\n[Time]\nNTP=${[...s.servers, ...s.pools].join(" ")}\n`;
}

export function renderChrony(s: TimeSources, rhel: boolean): string {
  checkSources(s);
  const lines = [
    ...s.pools.map((p) => `pool ${p} iburst`),
    ...s.servers.map((p) => `server ${p} iburst`),
    ...s.peers.map((p) => `peer ${p}`),
    ...s.allow.map((p) => `allow ${p}`),
    "",
    ...(rhel
      ? ["driftfile /var/lib/chrony/drift", "makestep 1.0 3", "rtcsync", "keyfile /etc/chrony.keys", "logdir /var/log/chrony"]
      : ["keyfile /etc/chrony/chrony.keys", "driftfile /var/lib/chrony/chrony.drift", "logdir /var/log/chrony", "maxupdateskew 100.0", "rtcsync", "makestep 1 3"]),
  ];
  return `${HEADER}${lines.join("\n")}\n`;
}

export function renderNtp(s: TimeSources, driftfile: string): string {
  checkSources(s);
  const lines = [
    `driftfile ${driftfile}`,
    "restrict -4 default kod notrap nomodify nopeer noquery limited",
    "restrict -6 default kod notrap nomodify nopeer noquery limited",
    "restrict 127.0.0.1",
    "restrict ::1",
    "restrict source notrap nomodify noquery",
    "",
    ...s.pools.map((p) => `pool ${p} iburst`),
    ...s.servers.map((p) => `server ${p} iburst`),
    ...s.peers.map((p) => `peer ${p}`),
    ...s.allow.map((p) => `restrict ${p}`),
  ];
  return `${HEADER}${lines.join("\n")}\n`;
}
