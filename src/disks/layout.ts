// disk_setup's partition tables, pure: a `layout` (true, or percentages with optional types)
// turned into an sfdisk script for an MBR or GPT table, and a table read back (sfdisk --json)
// compared with it, as cloud-init compares: the number of partitions and any type asked for.
export type TableType = "mbr" | "gpt";

export class DiskConfigError extends Error {}

/** One partition asked for: a share of the disk in percent, and a type when given. */
export interface PartitionWish {
  percent: number;
  type?: string;
}

/** What sfdisk --json says of a table: dos or gpt, and each partition's type (hex code or GUID). */
export interface TableRead {
  label: "dos" | "gpt" | string;
  partitions: { node: string; type: string }[];
}

// sgdisk's short codes (cloud-init's GPT types are those, "83" meaning "8300") to GUIDs
const GPT_TYPES: Record<string, string> = {
  "8300": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
  "8200": "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F",
  "8E00": "E6D6D379-F507-44C2-A23C-238F2A3DF928",
  FD00: "A19D880F-05FC-4D3B-A006-743F0F84911E",
  EF00: "C12A7328-F81F-11D2-BA4B-00A0C93EC3B8",
  EF02: "21686148-6449-6E6F-744E-656564454649",
  "0700": "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
  "8302": "933AC7E1-2EB4-4F13-B844-0E14E2AEF915",
  "8304": "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709",
};
const GUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/** `layout: true` (one partition, whole disk) or a list of percentages / [percent, type]. */
export function parseLayout(layout: unknown, tableType: TableType, where: string): true | PartitionWish[] {
  if (layout === true) return true;
  if (!Array.isArray(layout) || !layout.length) throw new DiskConfigError(`${where}.layout: expected true or a list of partition sizes in percent`);
  if (tableType === "mbr" && layout.length > 4) throw new DiskConfigError(`${where}.layout: an MBR table holds at most 4 primary partitions`);
  const wishes = layout.map((item, i) => {
    const [size, type] = Array.isArray(item) ? (item.length === 2 ? item : [undefined, undefined]) : [item, undefined];
    const percent = typeof size === "number" ? size : typeof size === "string" && /^\d+(\.\d+)?$/.test(size) ? Number(size) : NaN;
    if (!(percent > 0 && percent <= 100)) throw new DiskConfigError(`${where}.layout[${i}]: expected a size in percent (1-100) or [percent, type]`);
    return { percent, type: type === undefined || type === null ? undefined : partitionType(type, tableType, `${where}.layout[${i}]`) };
  });
  const total = wishes.reduce((sum, w) => sum + w.percent, 0);
  if (total > 100.0001) throw new DiskConfigError(`${where}.layout: the sizes add up to ${total}%, more than the disk`);
  return wishes;
}

/** An MBR type (hex, "83", 82) or a GPT type (sgdisk code "8300"/"83", or a GUID) as sfdisk takes it. */
function partitionType(type: unknown, tableType: TableType, where: string): string {
  const text = String(type).trim().toUpperCase();
  if (tableType === "mbr") {
    if (!/^[0-9A-F]{1,2}$/.test(text)) throw new DiskConfigError(`${where}: an MBR partition type is a hex code such as 83 (Linux) or 82 (swap)`);
    return text.toLowerCase();
  }
  if (GUID.test(text)) return text;
  const code = /^[0-9A-F]{1,4}$/.test(text) ? text.padEnd(4, "0") : "";
  const guid = GPT_TYPES[code];
  if (!guid) throw new DiskConfigError(`${where}: a GPT partition type is a GUID or one of the codes ${Object.keys(GPT_TYPES).join(", ")}`);
  return guid;
}

const GRAIN = 2048; // sfdisk's (and sgdisk's) 1 MiB alignment, in 512-byte sectors

/**
 * The sfdisk script for the table: each partition its share of the disk's sectors (the
 * last one what is left, as cloud-init does), type Linux unless asked. On GPT the last
 * partition runs to the last usable sector, as cloud-init's sgdisk makes it (sfdisk alone
 * would stop it at the last 1 MiB boundary).
 */
export function sfdiskScript(tableType: TableType, sectors: number, layout: true | PartitionWish[], sectorSize = 512): string {
  const wishes = layout === true ? [{ percent: 100 } as PartitionWish] : layout;
  const grain = Math.max(1, (GRAIN * 512) / sectorSize);
  // GPT keeps its backup header and 128 entries of 128 bytes at the end of the disk
  const lastUsable = sectors - 2 - Math.ceil(16384 / sectorSize);
  let start = grain;
  const lines = wishes.map((w, i) => {
    const type = w.type ?? (tableType === "mbr" ? "83" : GPT_TYPES["8300"]);
    const last = i === wishes.length - 1;
    const size = Math.floor((sectors * w.percent) / 100);
    const line = !last ? `size=${size}, type=${type}` : tableType === "gpt" ? `start=${start}, size=${lastUsable - start + 1}, type=${type}` : `type=${type}`;
    start = Math.ceil((start + size) / grain) * grain;
    return line;
  });
  return `label: ${tableType === "mbr" ? "dos" : "gpt"}\n${lines.join("\n")}\n`;
}

/** Whether the table on the disk is the one asked for (its kind, how many partitions, the types given). */
export function tableMatches(tableType: TableType, read: TableRead | undefined, layout: true | PartitionWish[]): boolean {
  if (!read || read.label !== (tableType === "mbr" ? "dos" : "gpt")) return false;
  // an extended partition's container and its empty slots are not partitions of the layout
  const parts = read.partitions.filter((p) => !["5", "f", "85"].includes(p.type.toLowerCase()));
  if (layout === true) return parts.length >= 1;
  if (parts.length !== layout.length) return false;
  return layout.every((w, i) => w.type === undefined || sameType(w.type, parts[i].type, tableType));
}

function sameType(wanted: string, found: string, tableType: TableType): boolean {
  return tableType === "mbr" ? parseInt(wanted, 16) === parseInt(found, 16) : wanted.toUpperCase() === found.toUpperCase();
}
