// mounts: `mounts:` entries and a swap file in /etc/fstab (lines marked comment=cloudconfig,
// rewritten as a set each run), mount points made, then swapon -a and mount -a on a running
// system. Cloud names (ephemeral0, swap, ebsN) resolve through the meta-data's
// block-device-mapping; short kernel names get /dev/ and prefer their first partition.
import * as fs from "node:fs";
import { isPlainObject } from "../src/config/yaml";
import { completeEntry, fstabLine, humanToBytes, parseFstab, renderFstab, suggestedSwapSize, withoutRemoved, type Field } from "../src/disks/fstab";
import { commandFailure } from "../src/host/command-error";
import type { Host } from "../src/host/host";
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { fstabDevice } from "../src/disks/device-names";
import { mountOf, readMounts } from "../src/disks/mounts";
import { systemdRunning } from "../src/system/services";


export const mounts: CloudConfigModule = {
  name: "mounts",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  schema: {
    properties: {
      mounts: { type: "array" },
      mount_default_fields: { type: "array", minItems: 6 },
      swap: { type: "object", properties: { filename: { type: "string" }, size: { type: ["string", "integer"] }, maxsize: { type: ["string", "integer"] } } },
      device_aliases: { type: "object" },
    },
  },
  async run(ctx) {
    const { host, config, log } = ctx;
    const defaultOptions = host.isDirectory("/run/systemd/system") || host.exists("/lib/systemd/systemd") ? "defaults,nofail,x-systemd.after=cloud-agent-network.service,_netdev" : "defaults,nobootwait";
    const defaults: Field[] = Array.isArray(config.mount_default_fields)
      ? config.mount_default_fields.map((f) => (f === null ? null : String(f)))
      : [null, null, "auto", defaultOptions, "0", "2"];
    const aliases = isPlainObject(config.device_aliases) ? config.device_aliases : {};
    const fstab = parseFstab(host.readTextIfExists("/etc/fstab") ?? "");
    const entries: Field[][] = [];
    (Array.isArray(config.mounts) ? config.mounts : []).forEach((item, i) => {
      const entry = completeEntry(item, defaults);
      if (!entry || entry[0] === null) return log.warn(`mounts.${i}: expected a list starting with a device`);
      // a blank inside a field would split (or, as a newline, add) an fstab line
      if (entry.some((f) => f !== null && /\s/.test(f))) return log.warn(`mounts.${i}: a field contains white space`);
      const device = fstabDevice(ctx.host, ctx.instance, entry[0], aliases);
      if (device === undefined) return log.info(`mounts[${i}]: ${entry[0]} names no device of this machine; skipped`);
      if (fstab.devices.has(device)) return log.info(`mounts[${i}]: ${device} is already in /etc/fstab; left as it is`);
      entries.push([device, ...entry.slice(1)]);
    });
    for (const fallback of [["ephemeral0", "/mnt", "auto", defaults[3], "0", "2"], ["swap", "none", "swap", "sw", "0", "0"]]) {
      const device = fstabDevice(ctx.host, ctx.instance, fallback[0]!, aliases);
      if (device && !fstab.devices.has(device) && !entries.some((e) => e[0] === device)) entries.push([device, ...fallback.slice(1)]);
    }
    const active = withoutRemoved(entries);
    const swapFile = await setUpSwapFile(ctx);
    if (swapFile) active.push([swapFile, "none", "swap", "sw", "0", "0"]);
    const lines = active.map(fstabLine);
    const changed = lines.join("\n") !== fstab.managed.join("\n");
    if (!lines.length && !fstab.managed.length) return { skipped: "no mounts or swap to configure" };
    for (const entry of active) if (entry[1].startsWith("/")) host.mkdirp(entry[1]);
    host.writeAtomic("/etc/fstab", renderFstab(fstab, lines), 0o644);
    log.info(`/etc/fstab: ${lines.length} managed line(s)${changed ? "" : ", unchanged"}`);
    await activate(ctx, active, changed);
  },
};

/** The swap file asked for (made if missing) or undefined; a failure is reported, not thrown. */
async function setUpSwapFile({ host, config, log }: ModuleContext): Promise<string | undefined> {
  const settings = isPlainObject(config.swap) ? config.swap : {};
  const file = String(settings.filename ?? "/swap.img");
  if (!settings.size) return undefined;
  if (!file.startsWith("/") || /\s/.test(file)) {
    log.warn("swap.filename: expected an absolute path without white space");
    return undefined;
  }
  if (host.exists(file)) return file;
  try {
    const dir = file.slice(0, file.lastIndexOf("/")) || "/";
    host.mkdirp(dir);
    const maxsize = settings.maxsize === undefined || settings.maxsize === null ? undefined : humanToBytes(settings.maxsize);
    const size = String(settings.size).toLowerCase() === "auto" ? suggestedSwapSize(memoryBytes(host), freeBytes(host, dir), maxsize) : humanToBytes(settings.size);
    const mib = Math.floor(size / 2 ** 20);
    if (mib <= 0) return undefined;
    await createSwapFile(host, file, mib, mountOf(readMounts(host), dir)?.fstype);
    log.info(`swap file ${file} of ${mib} MiB made`);
    return file;
  } catch (err) {
    host.remove(file);
    log.warn(`swap file ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

async function createSwapFile(host: Host, file: string, mib: number, fstype: string | undefined): Promise<void> {
  const run = (argv: string[]) => host.runChecked(argv, { timeoutMs: 600_000 });
  // btrfs needs copy-on-write off before the file has blocks
  if (fstype === "btrfs") {
    await run(["truncate", "-s", "0", file]);
    await run(["chattr", "+C", file]);
  }
  try {
    await run(["fallocate", "-l", `${mib}M`, file]);
  } catch {
    await run(["dd", "if=/dev/zero", `of=${file}`, "bs=1M", `count=${mib}`]);
  }
  host.chmod(file, 0o600);
  await run(["mkswap", file]);
}

function memoryBytes(host: Host): number {
  const kib = /^MemTotal:\s+(\d+)/m.exec(host.readTextIfExists("/proc/meminfo") ?? fs.readFileSync("/proc/meminfo", "utf8"));
  return Number(kib?.[1] ?? 0) * 1024;
}

function freeBytes(host: Host, dir: string): number | undefined {
  try {
    const st = fs.statfsSync(host.path(dir));
    return st.bsize * st.bfree;
  } catch {
    return undefined;
  }
}

/** swapon -a and mount -a on the running system only: under --root they would act on this machine. */
async function activate({ host, log }: ModuleContext, entries: string[][], changed: boolean): Promise<void> {
  if (host.root !== "/") return;
  const mounted = new Set(readMounts(host).map((m) => m.mountPoint));
  const commands: string[][] = [];
  if (entries.some((e) => e[2] === "swap")) commands.push(["swapon", "-a"]);
  if (changed || entries.some((e) => e[1].startsWith("/") && !mounted.has(e[1]))) {
    if (systemdRunning(host)) commands.push(["systemctl", "daemon-reload"]);
    commands.push(["mount", "-a"]);
  }
  for (const argv of commands) {
    const r = await host.run(argv, { timeoutMs: 300_000 });
    // as cloud-init: fstab is written; a device that cannot be activated now is a warning
    if (r.code !== 0) log.warn(commandFailure(argv.join(" "), r));
  }
}
