// What the filesystem readers share: bounded reads of an image (a block device or a file)
// and the small interface a datasource uses to read a seed drive without mounting it.
export type ReadAt = (offset: number, length: number) => Buffer;

export interface SeedImage {
  type: "iso9660" | "vfat";
  /** Volume label as blkid reports it (e.g. "cidata", "CIDATA", "config-2"). */
  label: string;
  /** Names in a directory ("" is the root), as the filesystem shows them when mounted. */
  list(dir: string): string[];
  /** A file's bytes, or undefined when there is no such file. */
  readFile(path: string): Buffer | undefined;
}

/** Largest file read from a seed drive: its size field is the drive's word, and memory is ours. */
export const MAX_SEED_FILE_BYTES = 64 * 1024 * 1024;

export function refuseLargeFile(fs: string, path: string, size: number): void {
  if (size > MAX_SEED_FILE_BYTES) throw new Error(`${fs}: ${path} is ${size} bytes, more than ${MAX_SEED_FILE_BYTES}; refused`);
}

/** Reads inside [0, size) only: a corrupt image must fail with a message, never read elsewhere. */
export function boundedReader(read: ReadAt, size: number, what: string): ReadAt {
  return (offset, length) => {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new Error(`${what}: reading ${length} bytes at ${offset} runs past the end of the image (${size} bytes)`);
    }
    return read(offset, length);
  };
}

export function splitPath(path: string): string[] {
  return path.split("/").filter((p) => p && p !== ".");
}
