// FAT12/16/32 (what cloud-localds -f vfat and some platforms write): long file names, the
// volume label from the root directory as blkid reads it, cluster chains guarded against loops.
import type { ReadAt, SeedImage } from "./image";
import { refuseLargeFile, splitPath } from "./image";

interface Geometry {
  bytesPerCluster: number;
  fatOffset: number;
  fatType: 12 | 16 | 32;
  rootOffset: number;
  rootEntries: number;
  rootCluster: number;
  dataOffset: number;
  clusterCount: number;
  bpbLabel: string;
}

interface Entry {
  name: string;
  cluster: number;
  size: number;
  directory: boolean;
}

/** A boot sector signature and a plausible BPB. */
export function isVfat(read: ReadAt, size: number): boolean {
  if (size < 512) return false;
  const boot = read(0, 512);
  const bps = boot.readUInt16LE(11);
  return boot[510] === 0x55 && boot[511] === 0xaa && [512, 1024, 2048, 4096].includes(bps) && boot[13] > 0 && boot[16] > 0;
}

export function openVfat(read: ReadAt): SeedImage {
  const g = geometry(read(0, 512));
  const root = rootDirectory(read, g);
  const labelEntry = root.raw.find((r) => (r[11] & 0x08) !== 0 && r[11] !== 0x0f && r[0] !== 0xe5);
  const label = labelEntry ? labelEntry.toString("latin1", 0, 11).trim() : g.bpbLabel;
  const lookup = (path: string): Entry | undefined => {
    let entries = root.entries;
    let found: Entry | undefined = { name: "", cluster: 0, size: 0, directory: true };
    for (const part of splitPath(path)) {
      found = entries.find((e) => e.name === part) ?? entries.find((e) => e.name.toLowerCase() === part.toLowerCase());
      if (!found) return undefined;
      if (found.directory) entries = parseEntries(readChain(read, g, found.cluster)).entries;
    }
    return found;
  };
  return {
    type: "vfat",
    label: label === "NO NAME" ? "" : label,
    list: (dir) => {
      const entry = lookup(dir);
      if (!entry?.directory) return [];
      return (entry.cluster === 0 ? root.entries : parseEntries(readChain(read, g, entry.cluster)).entries).map((e) => e.name);
    },
    readFile: (path) => {
      const entry = lookup(path);
      if (!entry || entry.directory) return undefined;
      refuseLargeFile("vfat", path, entry.size);
      return entry.size === 0 ? Buffer.alloc(0) : readChain(read, g, entry.cluster, entry.size).subarray(0, entry.size);
    },
  };
}

function geometry(boot: Buffer): Geometry {
  const bps = boot.readUInt16LE(11);
  const spc = boot[13];
  const reserved = boot.readUInt16LE(14);
  const fats = boot[16];
  const rootEntries = boot.readUInt16LE(17);
  const total = boot.readUInt16LE(19) || boot.readUInt32LE(32);
  const fatSize = boot.readUInt16LE(22) || boot.readUInt32LE(36);
  const rootSectors = Math.ceil((rootEntries * 32) / bps);
  const dataSector = reserved + fats * fatSize + rootSectors;
  const clusterCount = Math.floor((total - dataSector) / spc);
  if (!spc || !fats || !fatSize || clusterCount <= 0) throw new Error("vfat: the boot sector does not describe a FAT filesystem");
  const fatType = clusterCount < 4085 ? 12 : clusterCount < 65525 ? 16 : 32;
  return {
    bytesPerCluster: bps * spc,
    fatOffset: reserved * bps,
    fatType,
    rootOffset: (reserved + fats * fatSize) * bps,
    rootEntries,
    rootCluster: fatType === 32 ? boot.readUInt32LE(44) : 0,
    dataOffset: dataSector * bps,
    clusterCount,
    bpbLabel: boot.toString("latin1", fatType === 32 ? 71 : 43, fatType === 32 ? 82 : 54).trim(),
  };
}

function rootDirectory(read: ReadAt, g: Geometry) {
  const data = g.fatType === 32 ? readChain(read, g, g.rootCluster) : read(g.rootOffset, g.rootEntries * 32);
  return parseEntries(data);
}

/** The bytes of a cluster chain; a chain that loops or leaves the volume is an error. */
/** The clusters of a chain, up to `limit` bytes (a file's size; a directory reads them all). */
function readChain(read: ReadAt, g: Geometry, first: number, limit = Infinity): Buffer {
  const chunks: Buffer[] = [];
  let length = 0;
  const seen = new Set<number>();
  const end = g.fatType === 12 ? 0xff8 : g.fatType === 16 ? 0xfff8 : 0x0ffffff8;
  for (let cluster = first; cluster < end && length < limit; cluster = nextCluster(read, g, cluster)) {
    if (cluster < 2 || cluster >= g.clusterCount + 2) throw new Error(`vfat: cluster ${cluster} is outside the volume`);
    if (seen.has(cluster)) throw new Error(`vfat: cluster chain starting at ${first} loops`);
    seen.add(cluster);
    chunks.push(read(g.dataOffset + (cluster - 2) * g.bytesPerCluster, g.bytesPerCluster));
    length += g.bytesPerCluster;
  }
  return Buffer.concat(chunks);
}

function nextCluster(read: ReadAt, g: Geometry, cluster: number): number {
  if (g.fatType === 32) return read(g.fatOffset + cluster * 4, 4).readUInt32LE(0) & 0x0fffffff;
  if (g.fatType === 16) return read(g.fatOffset + cluster * 2, 2).readUInt16LE(0);
  const pair = read(g.fatOffset + Math.floor(cluster * 1.5), 2).readUInt16LE(0);
  return cluster % 2 === 0 ? pair & 0xfff : pair >> 4;
}

/** Directory entries with their long names; "." and ".." left out. */
function parseEntries(data: Buffer): { entries: Entry[]; raw: Buffer[] } {
  const entries: Entry[] = [];
  const raw: Buffer[] = [];
  let longName: string[] = [];
  for (let pos = 0; pos + 32 <= data.length; pos += 32) {
    const r = data.subarray(pos, pos + 32);
    if (r[0] === 0) break;
    raw.push(r);
    if (r[0] === 0xe5) {
      longName = [];
      continue;
    }
    if (r[11] === 0x0f) {
      const part = Buffer.concat([r.subarray(1, 11), r.subarray(14, 26), r.subarray(28, 32)]).toString("utf16le");
      longName[(r[0] & 0x1f) - 1] = part.split("\u0000")[0];
      continue;
    }
    if (r[11] & 0x08) continue; // the volume label
    const short = shortName(r);
    const name = longName.length ? longName.join("") : short;
    longName = [];
    if (short === "." || short === "..") continue;
    const cluster = (r.readUInt16LE(20) << 16) | r.readUInt16LE(26);
    entries.push({ name, cluster, size: r.readUInt32LE(28), directory: (r[11] & 0x10) !== 0 });
  }
  return { entries, raw };
}

function shortName(r: Buffer): string {
  const base = r.toString("latin1", 0, 8).trimEnd();
  const ext = r.toString("latin1", 8, 11).trimEnd();
  const name = ext ? `${base}.${ext}` : base;
  return name === "." || name === ".." ? name : name.toLowerCase();
}
