// grub_dpkg: tells grub's packages, through debconf, which disk (BIOS) or EFI partition to
// install the boot loader on, so a grub upgrade later neither asks nor picks a disk that an
// image build left behind. The device is grub-probe's answer, named by its /dev/disk/by-id link.
import * as path from "node:path";
import type { Schema } from "../src/config/schema";
import { isPlainObject } from "../src/config/yaml";
import { CommandError, commandFailure } from "../src/host/command-error";
import type { Host } from "../src/host/host";
import type { CloudConfigModule, ModuleContext } from "../src/module";

const BY_ID = "/dev/disk/by-id";
const DEVICE = /^\/dev\/[A-Za-z0-9._:+@=/-]+$/;
// cloud-init's util.is_true / is_false words, for the string spellings 22.4.2 accepted
const TRUE_WORDS = ["true", "1", "on", "yes"];
const FALSE_WORDS = ["false", "0", "off", "no"];

export interface GrubSettings {
  enabled: boolean;
  /** undefined: probe for it */
  pcDevices?: string;
  pcDevicesEmpty?: boolean;
  efiDevices?: string;
}

/** Reads grub_dpkg (or the older grub-dpkg); throws naming the key of a bad value, never echoing it. */
export function grubSettings(config: Record<string, unknown>): GrubSettings {
  const raw = Object.hasOwn(config, "grub_dpkg") ? config.grub_dpkg : config["grub-dpkg"];
  const settings = isPlainObject(raw) ? raw : {};
  return {
    enabled: settings.enabled === undefined ? true : truth(settings.enabled, "grub_dpkg.enabled"),
    pcDevices: devices(settings["grub-pc/install_devices"], "grub_dpkg.grub-pc/install_devices"),
    pcDevicesEmpty: settings["grub-pc/install_devices_empty"] === undefined ? undefined : truth(settings["grub-pc/install_devices_empty"], "grub_dpkg.grub-pc/install_devices_empty"),
    efiDevices: devices(settings["grub-efi/install_devices"], "grub_dpkg.grub-efi/install_devices"),
  };
}

function truth(value: unknown, key: string): boolean {
  if (typeof value === "boolean") return value;
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new Error(`${key}: expected true or false`);
}

/** "" or device paths separated by commas, written ", "-separated as debconf's multiselect lists are. */
function devices(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new Error(`${key}: expected a device path such as /dev/sda`);
  if (!value.trim()) return "";
  const list = value.split(",").map((d) => d.trim());
  if (!list.every((d) => DEVICE.test(d) && !d.split("/").includes(".."))) throw new Error(`${key}: expected /dev/ paths (comma-separated), without spaces or control characters`);
  return list.join(", ");
}

/** The debconf-set-selections input: grub-efi's question on EFI machines, grub-pc's two otherwise. */
export function selections(settings: GrubSettings, efi: boolean, probed: string): string {
  if (efi) return `grub-pc grub-efi/install_devices string ${settings.efiDevices ?? probed}\n`;
  const devices = settings.pcDevices ?? probed;
  const empty = settings.pcDevicesEmpty ?? !devices;
  return `grub-pc grub-pc/install_devices string ${devices}\ngrub-pc grub-pc/install_devices_empty boolean ${empty}\n`;
}

/** The device mounted on the longest mount point holding `target`, from /proc/mounts text. */
export function mountedDevice(mounts: string, target: string): string | undefined {
  let best: { point: string; device: string } | undefined;
  for (const line of mounts.split("\n")) {
    const [device, point] = line.split(" ").map(unescapeMount);
    if (!device || !point) continue;
    const holds = point === "/" || target === point || target.startsWith(`${point}/`);
    if (holds && (!best || point.length >= best.point.length)) best = { point, device };
  }
  return best?.device;
}

function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * The whole disk a block device belongs to, from /sys/block (disk name -> its entries, where
 * partitions appear as subdirectories): "/dev/vda1" -> "/dev/vda". Undefined when unknown.
 */
export function wholeDisk(device: string, sysBlock: Record<string, string[]>): string | undefined {
  const name = path.posix.basename(device);
  if (Object.hasOwn(sysBlock, name)) return `/dev/${name}`;
  const disk = Object.keys(sysBlock).find((d) => sysBlock[d].includes(name));
  return disk ? `/dev/${disk}` : undefined;
}

/** The first (sorted) /dev/disk/by-id link to `device`, or the device itself, as cloud-init picks. */
export function byIdName(device: string, links: { name: string; target: string }[]): string {
  const names = links.filter((l) => path.posix.resolve(BY_ID, l.target) === device).map((l) => `${BY_ID}/${l.name}`);
  return names.sort()[0] ?? device;
}

/** What grub would be installed on: grub-probe's answer, or the mount table's without it. */
async function probeDevice({ host, log }: Pick<ModuleContext, "host" | "log">, efi: boolean): Promise<string> {
  const [target, mountPoint] = efi ? ["device", "/boot/efi"] : ["disk", "/boot"];
  let device: string | undefined;
  if (host.which("grub-probe")) {
    const result = await host.run(["grub-probe", "-t", target, mountPoint], { timeoutMs: 60_000 });
    // in a container the host's disks are in /sys but not in /dev: nothing to install on
    if (result.code !== 0 && !result.stderr.includes("failed to get canonical path")) throw new CommandError(`grub-probe -t ${target} ${mountPoint}`, result);
    device = result.code === 0 ? result.stdout.trim() : undefined;
  } else {
    const mounted = mountedDevice(host.readTextIfExists("/proc/mounts") ?? "", mountPoint);
    device = mounted && (efi ? mounted : wholeDisk(mounted, sysBlock(host)));
  }
  if (!device || !host.exists(device)) {
    log.info(`no install device found for ${mountPoint}`);
    return "";
  }
  const links = host.list(BY_ID).flatMap((name) => {
    const target = host.readlink(`${BY_ID}/${name}`);
    return target ? [{ name, target }] : [];
  });
  return byIdName(device, links);
}

function sysBlock(host: Host): Record<string, string[]> {
  return Object.fromEntries(host.list("/sys/block").map((disk) => [disk, host.list(`/sys/block/${disk}`)]));
}

const SETTINGS: Schema = {
  type: "object",
  properties: {
    enabled: { type: ["boolean", "string"] },
    "grub-pc/install_devices": { type: "string" },
    "grub-pc/install_devices_empty": { type: ["boolean", "string"] },
    "grub-efi/install_devices": { type: "string" },
  },
  additionalProperties: false,
};

export const grubDpkg: CloudConfigModule = {
  name: "grub_dpkg",
  frequency: "once-per-instance",
  idempotent: true,
  distros: ["ubuntu", "debian"],
  schema: { properties: { grub_dpkg: SETTINGS, "grub-dpkg": { ...SETTINGS, deprecated: "grub-dpkg is deprecated: use grub_dpkg" } } },
  async run({ host, config, log }) {
    const settings = grubSettings(config);
    if (!settings.enabled) return { skipped: "disabled by grub_dpkg.enabled" };
    // grub-pc and grub-efi-* both bring grub-install; without it nobody asks these questions
    if (!host.which("grub-install")) return { skipped: "grub is not installed in this image" };
    const efi = host.exists("/sys/firmware/efi");
    const needsProbe = efi ? settings.efiDevices === undefined : settings.pcDevices === undefined;
    const probed = needsProbe ? await probeDevice({ host, log }, efi) : "";
    const input = selections(settings, efi, probed);
    log.info(`debconf selections for grub: ${input.trim().replaceAll("\n", "; ")}`);
    const result = await host.run(["debconf-set-selections"], { input, timeoutMs: 120_000 });
    // as cloud-init: the boot goes on, the failure is a warning
    if (result.code !== 0 || result.timedOut) log.warn(commandFailure("debconf-set-selections", result));
  },
};
