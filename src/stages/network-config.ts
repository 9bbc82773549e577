// cloud-init's apply_network_config: in the local stage, before networking starts, the
// network config (kernel command line > system config > datasource > fallback DHCP) is
// matched to the machine's NICs by MAC, the NICs are renamed as it asks, and it is rendered
// for the image's network stack. A config that is malformed or names NICs the machine lacks
// is an error for the network config alone: the fallback is written and the boot goes on.
import { gunzipSync } from "node:zlib";
import type { Config } from "../config/load";
import { isPlainObject, parseYaml } from "../config/yaml";
import type { InstanceData } from "../datasources/types";
import type { Host } from "../host/host";
import { describeError } from "../log/logger";
import { parseEc2Network } from "../network/ec2";
import { parseEniNetwork } from "../network/eni-parse";
import { fallbackNetwork, type MachineNic } from "../network/fallback";
import { readMachineNics } from "../network/machine";
import type { NetworkModel } from "../network/model";
import { parseNetworkData } from "../network/openstack";
import { parseNetworkConfig } from "../network/parse";
import { chooseRenderer, DEFAULT_RENDERER_ORDER, RENDERER_REQUIREMENTS, RENDERERS, type RenderedFile, type RenderOptions } from "../network/render/index";
import { resolveInterfaces, type Rename, type Resolved } from "../network/resolve";
import { instancePath, RUN_DIR } from "../state/paths";
import type { StageEnv } from "./env";
import { commandFailure } from "../host/command-error";

const APPLIED_MARKER = `${RUN_DIR}/sem/apply_network_config.once`;
// every file a renderer may have written before, so a new instance leaves none stale
const RENDERED = [
  { dir: "/etc/network/interfaces.d", pattern: /^50-cloud-init$/ },
  { dir: "/etc/systemd/network", pattern: /^10-cloud-init-.*\.(network|netdev)$/ },
  { dir: "/etc/netplan", pattern: /^50-cloud-init\.yaml$/ },
  { dir: "/etc/NetworkManager/system-connections", pattern: /^cloud-init-.*\.nmconnection$/ },
  { dir: "/etc/sysconfig/network-scripts", pattern: /^(ifcfg|route6?)-/ },
];

interface Source {
  name: "cmdline" | "system_cfg" | "ds" | "fallback";
  /** The config as written (decoded from the command line), for network-config.json. */
  load(): unknown;
  parse(config: unknown): NetworkModel | undefined;
}

/** Returns the errors to report for this stage (empty when all went as configured). */
export async function applyNetworkConfig(env: StageEnv, data: InstanceData | undefined, newInstance: boolean): Promise<string[]> {
  const { host, log } = env;
  const marker = host.readTextIfExists(APPLIED_MARKER)?.trim();
  // once per boot; a fallback from the local stage gives way to a datasource found later
  if (marker && !(marker === "fallback" && (data?.networkConfig !== undefined || data?.networkConfigError !== undefined))) return [];
  const machineNics = readMachineNics(host);
  const sources = networkSources(env, data, machineNics);
  if (sources === "disabled") {
    log.info("network config is disabled; the image's own network configuration is left alone");
    return [];
  }
  // the same instance keeps what its first boot rendered; only the renames are redone
  const rerender = !data || newInstance || everyBoot(env.config) || marker === "fallback";
  const renderer = chooseRenderer(rendererOrder(env.config), (n) => rendererAvailable(host, n));
  const nics = machineNics.flatMap((nic) => (nic.mac ? [{ name: nic.name, mac: nic.mac }] : []));
  // a root prepared with --root has no /sys of its own: a config is rendered as written
  const resolve = host.isDirectory("/sys/class/net") ? (model: NetworkModel) => resolveInterfaces(model, nics) : (model: NetworkModel): Resolved => ({ model, renames: [], missing: [], unmatched: [] });
  const errors: string[] = [];
  for (const source of sources) {
    let resolved: Resolved;
    let config: unknown;
    let files: RenderedFile[] | undefined;
    // what the renderer could not express, logged only when the files are written
    const unexpressed: string[] = [];
    try {
      config = source.load();
      const model = source.parse(config);
      if (!model) continue;
      resolved = resolve(model);
      // rendered here (pure) so a model the renderer cannot express costs this source alone
      if (renderer) files = RENDERERS[renderer](resolved.model, { ...renderOptions(env.distro.family), warn: (message) => unexpressed.push(message) });
    } catch (err) {
      const message = `network config from ${source.name} not applied: ${describeError(err)}; using the fallback`;
      if (rerender) errors.push(message);
      log[rerender ? "error" : "warn"](message);
      continue;
    }
    if (!renderer || !files) {
      // an image without a network stack we know (a container, say) keeps its own setup
      const message = `network config from ${source.name} not written: none of the renderers ${rendererOrder(env.config).join(", ")} is usable on this image`;
      log[source.name === "fallback" ? "info" : "warn"](message);
      return errors;
    }
    // KubeVirt's masquerade gives the NIC a new MAC on every restart of the same instance: a
    // fallback pinned to the old MAC would strand the machine (cloud-init keeps it), so a
    // fallback whose NIC is gone is made again
    const staleFallback = source.name === "fallback" && !rerender && data !== undefined && fallbackNicGone(env, data, nics);
    if (staleFallback) log.info("the NIC of this instance's fallback network config is gone (a new MAC?); making the fallback again");
    if (rerender || staleFallback) {
      // a NIC the config names but the machine lacks: the rest is configured, each one reported
      for (const message of resolved.missing) {
        errors.push(`network config from ${source.name}: ${message}`);
        log.error(`network config from ${source.name}: ${message}`);
      }
      for (const name of resolved.unmatched) log.info(`network config from ${source.name}: ${name} matches no NIC of this machine; left out, as netplan does`);
      for (const setting of resolved.model.ignored ?? []) log.warn(`network config from ${source.name}: ${setting} is not supported; ignored`);
      for (const message of unexpressed) log.warn(message);
      writeRendered(env, files);
      if (data) host.writeAtomic(instancePath(data.instanceId, "network-config.json"), `${JSON.stringify(config ?? fallbackDocument(resolved.model), null, 1)}\n`, 0o600);
      log.info(`network config from ${source.name} rendered with ${renderer}`);
      if (renderer === "netplan" && host.root === "/") await host.run(["netplan", "generate"], { timeoutMs: 60_000 });
    }
    await applyRenames(host, resolved.renames, log);
    host.writeAtomic(APPLIED_MARKER, `${source.name === "fallback" ? "fallback" : "applied"}\n`);
    return errors;
  }
  log.info("no network config and no NIC to fall back to; the image's own network configuration is left alone");
  return errors;
}

/** The candidate configs in cloud-init's order, or "disabled". */
function networkSources(env: StageEnv, data: InstanceData | undefined, machineNics: MachineNic[]): Source[] | "disabled" {
  const sources: Source[] = [];
  const kernel = /(?:^|\s)network-config=(\S+)/.exec(env.cmdline)?.[1];
  if (kernel === "disabled") return "disabled";
  if (kernel) sources.push({ name: "cmdline", load: () => decodeKernelConfig(kernel), parse: parseNetworkConfig });
  const system = env.config.network;
  if (isPlainObject(system) && system.config === "disabled") return "disabled";
  if (isPlainObject(system)) sources.push({ name: "system_cfg", load: () => system, parse: parseNetworkConfig });
  const unreadable = data?.networkConfigError;
  if (unreadable !== undefined) {
    sources.push({ name: "ds", load: () => { throw new Error(unreadable); }, parse: () => undefined });
  }
  if (data?.networkConfig !== undefined && data.networkConfig !== null) {
    const raw = data.networkConfig;
    if (isPlainObject(raw) && raw.config === "disabled") return "disabled";
    const parse = { openstack: parseNetworkData, ec2: (v: unknown) => parseEc2Network(v as Record<string, unknown>), eni: parseEniNetwork, "cloud-init": parseNetworkConfig }[data.networkFormat ?? "cloud-init"];
    sources.push({ name: "ds", load: () => raw, parse });
  }
  sources.push({ name: "fallback", load: () => undefined, parse: () => fallbackNetwork(machineNics) });
  return sources;
}

/** The fallback as cloud-init records it: v2, DHCP on one NIC matched by MAC. */
function fallbackDocument(model: NetworkModel): unknown {
  const ethernets = Object.fromEntries(
    model.interfaces.flatMap((iface) => (iface.type === "physical" && iface.mac ? [[iface.name, { match: { macaddress: iface.mac }, "set-name": iface.name, dhcp4: true }]] : [])),
  );
  return { version: 2, ethernets };
}

/** Whether the fallback recorded for this instance names a MAC the machine no longer has. */
function fallbackNicGone(env: StageEnv, data: InstanceData, nics: { mac: string }[]): boolean {
  const text = env.host.readTextIfExists(instancePath(data.instanceId, "network-config.json"));
  if (!text) return false;
  try {
    const ethernets = (JSON.parse(text) as { ethernets?: Record<string, { match?: { macaddress?: string } }> }).ethernets ?? {};
    const macs = Object.values(ethernets).flatMap((e) => (e.match?.macaddress ? [e.match.macaddress] : []));
    return macs.length > 0 && !macs.some((mac) => nics.some((nic) => nic.mac === mac));
  } catch {
    return false;
  }
}

/** base64 of YAML/JSON, optionally gzipped (cloud-init's network-config= argument). */
function decodeKernelConfig(value: string): unknown {
  let bytes = Buffer.from(value, "base64");
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return parseYaml(bytes.toString("utf8"));
}

/** `updates: {network: {when: [boot]}}` in the system config: render on every boot. */
function everyBoot(config: Config): boolean {
  const updates = isPlainObject(config.updates) && isPlainObject(config.updates.network) ? config.updates.network : undefined;
  const when = Array.isArray(updates?.when) ? updates.when : [];
  return when.includes("boot") || when.includes("boot-legacy");
}

/** What the distro changes in the rendered files: Debian and Ubuntu keep ENI in interfaces.d. */
export const renderOptions = (family: string): RenderOptions => ({ eniPath: family === "debian" ? "/etc/network/interfaces.d/50-cloud-init" : "/etc/network/interfaces" });

function writeRendered(env: StageEnv, files: RenderedFile[]): void {
  const { host, log } = env;
  const keep = new Set(files.map((f) => f.path));
  for (const { dir, pattern } of RENDERED) {
    for (const file of host.list(dir)) if (pattern.test(file) && !keep.has(`${dir}/${file}`)) host.remove(`${dir}/${file}`);
  }
  for (const file of files) host.writeAtomic(file.path, file.content, file.mode);
  log.debug(`network files: ${files.map((f) => f.path).join(", ")}`);
}

function rendererOrder(config: Config): string[] {
  const systemInfo = isPlainObject(config.system_info) ? config.system_info : {};
  const network = isPlainObject(systemInfo.network) ? systemInfo.network : {};
  return Array.isArray(network.renderers) ? network.renderers.map(String) : DEFAULT_RENDERER_ORDER;
}

function rendererAvailable(host: Host, name: string): boolean {
  const needs = RENDERER_REQUIREMENTS[name];
  return (
    needs.programs.every((p) => needs.searchPath.some((dir) => host.exists(`${dir}/${p}`)) || host.which(p) !== undefined) &&
    needs.files.every((f) => host.exists(f)) &&
    needs.directories.every((d) => host.isDirectory(d))
  );
}

/** Kernel names become the config's names (before networking starts, so the NICs are down). */
async function applyRenames(host: Host, renames: Rename[], log: StageEnv["log"]): Promise<void> {
  if (host.root !== "/") return;
  for (const { from, to } of renames) {
    await host.run(["ip", "link", "set", "dev", from, "down"]);
    const result = await host.run(["ip", "link", "set", "dev", from, "name", to]);
    if (result.code !== 0) log.warn(commandFailure(`renaming ${from} to ${to}: ip link set`, result));
    else log.info(`renamed ${from} to ${to}`);
  }
}
