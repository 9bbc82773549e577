// disk_setup and fs_setup (cloud-init's cc_disk_setup): partition tables on data disks, then
// filesystems, before `mounts` mounts them. Never destroys data: with overwrite false (the
// default) a disk or partition holding any signature is left as it is, and a request that
// would have needed to destroy it is an error naming the device and what is on it. A VM
// re-created on the same volumes (a new instance-id) finds its table and filesystem already
// there and keeps every file.
import { isPlainObject } from "../src/config/yaml";
import { diskNode } from "../src/disks/device-names";
import { type FsWish, mkfsArgv, parsePartition, planFs } from "../src/disks/fs-plan";
import { DiskConfigError, parseLayout, sfdiskScript, tableMatches, type TableType } from "../src/disks/layout";
import { isWholeDisk, probeDisk, probeNode, readTable, sectorCount } from "../src/disks/probe";
import type { Host } from "../src/host/host";
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { shellQuote } from "../src/scripts/shell";

const TOOL_MS = 10 * 60_000;
// the longest label each mkfs takes
const LABEL_BYTES: Record<string, number> = { ext2: 16, ext3: 16, ext4: 16, xfs: 12, btrfs: 255, swap: 16, vfat: 11 };

export const diskSetup: CloudConfigModule = {
  name: "disk_setup",
  frequency: "once-per-instance",
  // a second run plans from what the disks hold: tables and filesystems already made are kept
  idempotent: true,
  distros: "all",
  activateBy: ["disk_setup", "fs_setup"],
  schema: {
    properties: {
      device_aliases: { type: "object", additionalProperties: { type: "string" } },
      disk_setup: {
        type: "object",
        additionalProperties: {
          type: "object",
          properties: { table_type: { enum: ["mbr", "gpt"] }, layout: { oneOf: [{ type: "boolean" }, { type: "array" }, { enum: ["remove"] }] }, overwrite: { type: "boolean" } },
        },
      },
      fs_setup: {
        type: "array",
        items: {
          type: "object",
          properties: {
            label: { type: "string" },
            filesystem: { type: "string" },
            device: { type: "string" },
            partition: { oneOf: [{ type: "string" }, { type: "integer" }] },
            overwrite: { type: "boolean" },
            replace_fs: { type: "string" },
            extra_opts: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
            cmd: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
          },
        },
      },
    },
  },
  async run(ctx) {
    const { config, log } = ctx;
    const aliases = isPlainObject(config.device_aliases) ? config.device_aliases : {};
    const problems: string[] = [];
    const each = async (where: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (err) {
        problems.push(`${where}: ${(err as Error).message}`);
      }
    };
    const disks = isPlainObject(config.disk_setup) ? config.disk_setup : {};
    for (const [name, definition] of Object.entries(disks)) await each(`disk_setup.${name}`, () => partitionDisk(ctx, name, definition, aliases));
    const filesystems = Array.isArray(config.fs_setup) ? config.fs_setup : [];
    for (const [i, definition] of filesystems.entries()) await each(`fs_setup[${i}]`, () => makeFilesystem(ctx, i, definition, aliases));
    if (problems.length) {
      for (const p of problems) log.error(p);
      throw new Error(problems.join("; "));
    }
    if (!Object.keys(disks).length && !filesystems.length) return { skipped: "no disk_setup or fs_setup entries" };
  },
};

async function partitionDisk(ctx: ModuleContext, name: string, definition: unknown, aliases: Record<string, unknown>): Promise<void> {
  const { host, log } = ctx;
  const where = `disk_setup.${name}`;
  if (!isPlainObject(definition)) throw new DiskConfigError("expected a mapping with layout, table_type and overwrite");
  const tableType = (definition.table_type ?? "mbr") as TableType;
  if (tableType !== "mbr" && tableType !== "gpt") throw new DiskConfigError("table_type: expected mbr or gpt");
  const overwrite = definition.overwrite === true;
  if (definition.layout === undefined || definition.layout === false || definition.layout === null) return log.info(`${where}: no layout; the disk is not partitioned`);
  const found = await diskNode(host, ctx.instance, name, aliases);
  if (!found) return log.warn(`${where}: names no disk of this machine; skipped`);
  const disk = found.node;
  if (!isWholeDisk(host, disk)) throw new DiskConfigError(`${disk} is not a whole disk`);
  // the table first: a disk already laid out as asked needs nothing more probed
  const table = await readTable(host, disk);
  const layout = definition.layout === "remove" ? undefined : parseLayout(definition.layout, tableType, where);
  if (layout && tableMatches(tableType, table, layout)) return log.info(`${where}: ${disk} already has the ${tableType} layout asked for; left as it is`);
  const signatures = (await probeNode(host, disk)).signatures;
  // what is on the disk, in words: its table, and any other signature (a filesystem, LVM, RAID)
  const holding = [...(table ? [`a ${table.label} partition table with ${table.partitions.length} partition(s)`] : []), ...signatures.filter((s) => !["gpt", "dos", "PMBR"].includes(s))];
  const partitions = table?.partitions.map((p) => p.node) ?? [];
  if (!layout) {
    if (!overwrite) throw new DiskConfigError(`layout: remove would wipe ${disk}${holding.length ? ` (it holds ${holding.join(", ")})` : ""}; it is done only with overwrite: true`);
    await wipe(host, disk, partitions);
    return log.info(`${where}: ${disk} wiped (layout: remove, overwrite: true)`);
  }
  if (holding.length || signatures.length) {
    const what = holding.join(", ") || signatures.join(", ");
    if (!overwrite) throw new DiskConfigError(`${disk} holds ${what}, not the ${tableType} layout asked for; not partitioned (overwrite is false)`);
    log.warn(`${where}: overwrite is true: ${disk} (${what}) is wiped and partitioned again`);
    await wipe(host, disk, partitions);
  }
  const script = sfdiskScript(tableType, await sectorCount(host, disk), layout);
  await host.runChecked(["sfdisk", "--wipe", "always", "--wipe-partitions", "always", disk], { input: script, timeoutMs: TOOL_MS });
  await settle(host);
  const made = await readTable(host, disk);
  if (!tableMatches(tableType, made, layout)) throw new Error(`sfdisk ran, but ${disk} does not show the layout asked for`);
  log.info(`${where}: ${disk} partitioned (${tableType}, ${made?.partitions.length} partition(s))`);
}

/** Every signature off the partitions, then the disk (only ever with overwrite: true). */
async function wipe(host: Host, disk: string, partitions: string[]): Promise<void> {
  for (const node of [...partitions, disk]) await host.runChecked(["wipefs", "--all", node], { timeoutMs: TOOL_MS });
  await settle(host);
}

/** The new partitions' nodes and links in place before anything looks for them. */
async function settle(host: Host): Promise<void> {
  if (host.which("udevadm")) await host.run(["udevadm", "settle", "--timeout=30"], { timeoutMs: 40_000 });
}

async function makeFilesystem(ctx: ModuleContext, i: number, definition: unknown, aliases: Record<string, unknown>): Promise<void> {
  const { host, log } = ctx;
  const where = `fs_setup[${i}]`;
  if (!isPlainObject(definition)) throw new DiskConfigError("expected a mapping with device, filesystem and label");
  if (typeof definition.device !== "string" || !definition.device) throw new DiskConfigError("device: expected the disk (a name, alias or /dev path)");
  const filesystem = definition.filesystem === undefined ? undefined : String(definition.filesystem);
  if (filesystem !== undefined && !/^[a-z0-9]+$/.test(filesystem)) throw new DiskConfigError("filesystem: expected a type such as ext4, xfs, btrfs, swap or vfat");
  const label = definition.label === undefined || definition.label === null ? undefined : String(definition.label);
  if (label !== undefined && (/[\0-\x1f\x7f]/.test(label) || Buffer.byteLength(label) > (LABEL_BYTES[filesystem ?? ""] ?? 255))) {
    throw new DiskConfigError(`label: at most ${LABEL_BYTES[filesystem ?? ""] ?? 255} bytes for ${filesystem ?? "this filesystem"}, without control characters`);
  }
  const found = await diskNode(host, ctx.instance, definition.device, aliases);
  if (!found) return log.warn(`${where}: ${definition.device} names no disk of this machine; skipped`);
  const wish: FsWish = {
    filesystem,
    label,
    partition: found.partition !== undefined ? String(found.partition) : parsePartition(definition.partition, where),
    overwrite: definition.overwrite === true,
    replaceFs: typeof definition.replace_fs === "string" ? definition.replace_fs : undefined,
  };
  // a partition named directly is the one node to use
  const whole = isWholeDisk(host, found.node);
  const tree = whole ? await probeDisk(host, found.node) : { disk: await probeNode(host, found.node), partitions: [] };
  const plan = planFs(whole ? wish : { ...wish, partition: "none" }, tree);
  if (plan.action === "keep") return log.info(`${where}: ${plan.why}; used as it is`);
  if (plan.action === "refuse") throw new DiskConfigError(plan.why);
  if (definition.cmd !== undefined) return runUserCommand(ctx, where, definition.cmd, { label: label ?? "", filesystem: filesystem ?? "", device: plan.node });
  if (!filesystem) throw new DiskConfigError("filesystem: needed to make one (or give cmd)");
  const program = host.which(`mkfs.${filesystem}`) ?? host.which(`mk${filesystem}`);
  if (!program) throw new DiskConfigError(`no mkfs.${filesystem} in this image`);
  const extra = Array.isArray(definition.extra_opts) ? definition.extra_opts.map(String) : typeof definition.extra_opts === "string" ? definition.extra_opts.split(/\s+/).filter(Boolean) : [];
  await host.runChecked(mkfsArgv(program, filesystem, plan.node, label, plan.force, extra), { timeoutMs: TOOL_MS });
  await settle(host);
  log.info(`${where}: ${filesystem}${label ? ` labelled ${JSON.stringify(label)}` : ""} made on ${plan.node} (${plan.why})`);
}

/** `cmd`: the user's own command, as in cloud-init with %(label)s, %(filesystem)s and %(device)s filled in, each quoted for the shell. */
async function runUserCommand(ctx: ModuleContext, where: string, cmd: unknown, values: Record<string, string>): Promise<void> {
  const text = Array.isArray(cmd) ? cmd.map((w) => shellQuote(String(w))).join(" ") : String(cmd);
  const script = text.replace(/%\((label|filesystem|device)\)s/g, (_m, key: string) => shellQuote(values[key]));
  const result = await ctx.host.run(["/bin/sh", "-c", script], { timeoutMs: TOOL_MS, onOutput: ctx.output });
  if (result.code !== 0) throw new Error(`${where}.cmd exited with ${result.code}`);
  ctx.log.info(`${where}: cmd made the filesystem on ${values.device}`);
}
