// Opens a seed drive (or an image file) whatever filesystem it holds: ISO 9660 or vfat.
import * as fs from "node:fs";
import { boundedReader, type SeedImage } from "./image";
import { isIso9660, openIso9660 } from "./iso9660";
import { isVfat, openVfat } from "./vfat";

export type { SeedImage } from "./image";

/**
 * Opens the device or file at `path` (a real path on this machine) without mounting it and
 * hands the image to `use` while it is open; undefined when it holds neither filesystem.
 */
export function withSeedImage<T>(path: string, use: (image: SeedImage) => T): T | undefined {
  const fd = fs.openSync(path, "r");
  try {
    const size = deviceSize(fd);
    const read = boundedReader(
      (offset, length) => {
        const buffer = Buffer.alloc(length);
        const n = fs.readSync(fd, buffer, 0, length, offset);
        if (n !== length) throw new Error(`${path}: short read at ${offset}`);
        return buffer;
      },
      size,
      path,
    );
    const image = isIso9660(read, size) ? openIso9660(read) : isVfat(read, size) ? openVfat(read) : undefined;
    return image && use(image);
  } finally {
    fs.closeSync(fd);
  }
}

/** Block devices report size 0 to fstat: seek to the end instead. */
function deviceSize(fd: number): number {
  const st = fs.fstatSync(fd);
  if (st.isFile()) return st.size;
  const probe = Buffer.alloc(1);
  let low = 0;
  let high = 1 << 20;
  while (fs.readSync(fd, probe, 0, 1, high - 1) === 1) {
    low = high;
    high *= 2;
    if (high > 2 ** 40) break;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fs.readSync(fd, probe, 0, 1, mid - 1) === 1) low = mid;
    else high = mid;
  }
  return low;
}
