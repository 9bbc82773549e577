// The OpenPGP facts apt_configure needs, read in-process so an image needs no gpg (Debian's
// cloud images have only gpgv): an armored public key turned into the binary keyring apt
// reads from trusted.gpg.d ("dearmored"), and the fingerprints it holds, so a key fetched
// by id from a keyserver is checked to be the key asked for. Secret keys are refused: apt's
// key files are world-readable.
import { createHash } from "node:crypto";

export class KeyError extends Error {}

const BEGIN = /^-----BEGIN PGP PUBLIC KEY BLOCK-----[ \t]*$/;
const END = /^-----END PGP PUBLIC KEY BLOCK-----[ \t]*$/;
const TAG_PUBLIC_KEY = 6;
const TAG_PUBLIC_SUBKEY = 14;
const SECRET_TAGS = new Set([5, 7]);

/** The binary packets of every armored public key block in the text; the CRC24 is checked when present. */
export function dearmor(text: string): Buffer {
  if (/-----BEGIN PGP (PRIVATE|SECRET) KEY BLOCK-----/.test(text)) throw new KeyError("is a secret key; apt needs the public key only");
  const blocks: Buffer[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!BEGIN.test(lines[i])) continue;
    i++;
    // armor headers ("Comment: ...") up to the blank line
    while (i < lines.length && lines[i].trim() !== "" && /^[A-Za-z][A-Za-z0-9-]*: /.test(lines[i])) i++;
    const body: string[] = [];
    let crc: string | undefined;
    for (; i < lines.length && !END.test(lines[i]); i++) {
      const line = lines[i].trim();
      if (line === "") continue;
      if (/^=[A-Za-z0-9+/]{4}$/.test(line)) crc = line.slice(1);
      else if (/^[A-Za-z0-9+/]+={0,2}$/.test(line)) body.push(line);
      else throw new KeyError(`has a line that is not base64 inside the key block (line ${i + 1})`);
    }
    if (i >= lines.length) throw new KeyError("has a key block without its END line");
    const bytes = Buffer.from(body.join(""), "base64");
    if (crc !== undefined && crc24(bytes) !== Buffer.from(crc, "base64").readUIntBE(0, 3)) throw new KeyError("fails its armor checksum (the key text is damaged)");
    blocks.push(bytes);
  }
  if (!blocks.length) throw new KeyError('holds no "-----BEGIN PGP PUBLIC KEY BLOCK-----"');
  const keyring = Buffer.concat(blocks);
  if (!fingerprints(keyring).length) throw new KeyError("holds no public key");
  return keyring;
}

/** RFC 4880 6.1. */
function crc24(bytes: Buffer): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

interface Packet {
  tag: number;
  body: Buffer;
  /** The whole packet, header included. */
  raw: Buffer;
}

/** The packets of a binary keyring; partial or indeterminate lengths (never in keys) are refused. */
export function packets(bytes: Buffer): Packet[] {
  const out: Packet[] = [];
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new KeyError("is cut short inside a packet");
  };
  while (at < bytes.length) {
    const start = at;
    const head = bytes[at++];
    if (!(head & 0x80)) throw new KeyError("is not OpenPGP data (bad packet header)");
    let tag: number;
    let length: number;
    if (head & 0x40) {
      tag = head & 0x3f;
      need(1);
      const first = bytes[at++];
      if (first < 192) length = first;
      else if (first < 224) {
        need(1);
        length = ((first - 192) << 8) + bytes[at++] + 192;
      } else if (first === 255) {
        need(4);
        length = bytes.readUInt32BE(at);
        at += 4;
      } else throw new KeyError("uses a partial-length packet, which keys never do");
    } else {
      tag = (head >> 2) & 0x0f;
      const type = head & 3;
      if (type === 3) throw new KeyError("uses an indeterminate-length packet, which keys never do");
      const size = [1, 2, 4][type];
      need(size);
      length = bytes.readUIntBE(at, size);
      at += size;
    }
    need(length);
    if (SECRET_TAGS.has(tag)) throw new KeyError("is a secret key; apt needs the public key only");
    out.push({ tag, body: bytes.subarray(at, at + length), raw: bytes.subarray(start, at + length) });
    at += length;
  }
  return out;
}

/** Upper-case hex fingerprints of the primary keys and subkeys (v4: SHA-1, v5/v6: SHA-256). */
export function fingerprints(keyring: Buffer): string[] {
  return keyFingerprints(packets(keyring));
}

function keyFingerprints(list: Packet[]): string[] {
  return list
    .filter((p) => (p.tag === TAG_PUBLIC_KEY || p.tag === TAG_PUBLIC_SUBKEY) && p.body.length > 0)
    .map(({ body }) => {
      const version = body[0];
      if (version === 4) return hash("sha1", Buffer.from([0x99, body.length >> 8, body.length & 0xff]), body);
      if (version === 5 || version === 6) {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        return hash("sha256", Buffer.from([version === 5 ? 0x9a : 0x9b]), len, body);
      }
      return undefined;
    })
    .filter((f): f is string => f !== undefined);
}

function hash(algorithm: string, ...parts: Buffer[]): string {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  return h.digest("hex").toUpperCase();
}

/** A key id as users write it ("0x" prefix, spaces between groups) reduced to hex; undefined when it is not one. */
export function normaliseKeyId(keyid: string): string | undefined {
  const hex = keyid.replace(/\s+/g, "").replace(/^0x/i, "").toUpperCase();
  return /^([0-9A-F]{8}|[0-9A-F]{16}|[0-9A-F]{40}|[0-9A-F]{64})$/.test(hex) ? hex : undefined;
}

/** Whether a fingerprint is the key an id names (a v4 id is the fingerprint's tail, a v6 id its head). */
function names(fingerprint: string, keyid: string): boolean {
  return fingerprint.length === 40 ? fingerprint.endsWith(keyid) : fingerprint.startsWith(keyid);
}

/**
 * Only the keys (a primary key with its user ids, signatures and subkeys) that the id names,
 * as gpg --recv-keys imports only what was asked for; undefined when none is.
 */
export function keysNamed(keyring: Buffer, keyid: string): Buffer | undefined {
  const keys: Packet[][] = [];
  for (const p of packets(keyring)) {
    if (p.tag === TAG_PUBLIC_KEY) keys.push([p]);
    else keys.at(-1)?.push(p);
  }
  const named = keys.filter((key) => keyFingerprints(key).some((f) => names(f, keyid)));
  return named.length ? Buffer.concat(named.flat().map((p) => p.raw)) : undefined;
}
