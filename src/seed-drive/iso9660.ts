// ISO 9660 (what cloud-localds, Proxmox and KubeVirt write for cidata): names from Rock Ridge
// when present, else Joliet, else plain ISO names (";1" and a trailing "." dropped, lower-cased).
import type { ReadAt, SeedImage } from "./image";
import { refuseLargeFile, splitPath } from "./image";

const SECTOR = 2048;
const MAX_ENTRIES = 100_000;

interface Entry {
  name: string;
  extent: number;
  size: number;
  directory: boolean;
}

interface Tree {
  root: Entry;
  nameOf(record: Buffer): string;
}

/** "CD001" at sector 16: an ISO 9660 volume. */
export function isIso9660(read: ReadAt, size: number): boolean {
  return size >= 17 * SECTOR && read(16 * SECTOR + 1, 5).toString("latin1") === "CD001";
}

export function openIso9660(read: ReadAt): SeedImage {
  let primary: Buffer | undefined;
  let joliet: Buffer | undefined;
  for (let sector = 16; sector < 16 + 64; sector++) {
    const vd = read(sector * SECTOR, SECTOR);
    if (vd.toString("latin1", 1, 6) !== "CD001") throw new Error(`iso9660: no volume descriptor at sector ${sector}`);
    if (vd[0] === 255) break;
    if (vd[0] === 1) primary ??= vd;
    if (vd[0] === 2 && /^%\/[@CE]/.test(vd.toString("latin1", 88, 91))) joliet ??= vd;
  }
  if (!primary) throw new Error("iso9660: no primary volume descriptor");
  const label = primary.toString("latin1", 40, 72).trim();
  const tree = chooseTree(read, primary, joliet);
  const lookup = (path: string): Entry | undefined => {
    let entry: Entry | undefined = tree.root;
    for (const part of splitPath(path)) {
      if (!entry?.directory) return undefined;
      entry = readDirectory(read, entry, tree).find((e) => e.name === part);
    }
    return entry;
  };
  return {
    type: "iso9660",
    label,
    list: (dir) => {
      const entry = lookup(dir);
      return entry?.directory ? readDirectory(read, entry, tree).map((e) => e.name) : [];
    },
    readFile: (path) => {
      const entry = lookup(path);
      if (!entry || entry.directory) return undefined;
      refuseLargeFile("iso9660", path, entry.size);
      return read(entry.extent * SECTOR, entry.size);
    },
  };
}

function chooseTree(read: ReadAt, primary: Buffer, joliet: Buffer | undefined): Tree {
  const root = rootEntry(primary);
  const first = read(root.extent * SECTOR, Math.min(root.size, SECTOR));
  const skip = suspSkip(first);
  if (skip !== undefined) return { root, nameOf: (r) => rockRidgeName(r, skip) ?? plainName(r) };
  if (joliet) return { root: rootEntry(joliet), nameOf: (r) => nameBytes(r).swap16().toString("utf16le").replace(/;\d+$/, "") };
  return { root, nameOf: plainName };
}

function rootEntry(descriptor: Buffer): Entry {
  const record = descriptor.subarray(156, 156 + 34);
  return { name: "", extent: record.readUInt32LE(2), size: record.readUInt32LE(10), directory: true };
}

function readDirectory(read: ReadAt, dir: Entry, tree: Tree): Entry[] {
  const data = read(dir.extent * SECTOR, dir.size);
  const entries: Entry[] = [];
  let pos = 0;
  while (pos < data.length && entries.length < MAX_ENTRIES) {
    const length = data[pos];
    if (length === 0) {
      pos = (Math.floor(pos / SECTOR) + 1) * SECTOR; // records never cross a sector
      continue;
    }
    if (length < 34 || pos + length > data.length) throw new Error(`iso9660: directory record at byte ${dir.extent * SECTOR + pos} is malformed`);
    const record = data.subarray(pos, pos + length);
    pos += length;
    const nameLength = record[32];
    if (nameLength === 1 && (record[33] === 0 || record[33] === 1)) continue; // "." and ".."
    const extent = record.readUInt32LE(2);
    if (extent === dir.extent) continue; // a record pointing at its own directory would loop
    entries.push({ name: tree.nameOf(record), extent, size: record.readUInt32LE(10), directory: (record[25] & 2) !== 0 });
  }
  return entries;
}

function nameBytes(record: Buffer): Buffer {
  return Buffer.from(record.subarray(33, 33 + record[32]));
}

function plainName(record: Buffer): string {
  return nameBytes(record).toString("latin1").replace(/;\d+$/, "").replace(/\.$/, "").toLowerCase();
}

/** System Use Sharing Protocol: the "SP" entry of the root's "." record says Rock Ridge is there. */
function suspSkip(firstSector: Buffer): number | undefined {
  if (firstSector.length < 34) return undefined;
  const length = firstSector[0];
  const nameLength = firstSector[32];
  const start = 33 + nameLength + (nameLength % 2 === 0 ? 1 : 0);
  const use = firstSector.subarray(start, length);
  return use.length >= 7 && use.toString("latin1", 0, 2) === "SP" && use[4] === 0xbe && use[5] === 0xef ? use[6] : undefined;
}

/** The Rock Ridge "NM" entries of a record (continued ones joined), if any. */
function rockRidgeName(record: Buffer, skip: number): string | undefined {
  const nameLength = record[32];
  let pos = 33 + nameLength + (nameLength % 2 === 0 ? 1 : 0) + skip;
  let name: string | undefined;
  while (pos + 4 <= record.length) {
    const sig = record.toString("latin1", pos, pos + 2);
    const len = record[pos + 2];
    if (len < 4 || pos + len > record.length) break;
    if (sig === "NM" && len >= 5 && (record[pos + 4] & 6) === 0) name = (name ?? "") + record.toString("utf8", pos + 5, pos + len);
    if (sig === "ST") break;
    pos += len;
  }
  return name;
}
