// Whether an OpenSSH private key file and its .pub are whole and belong together, read in
// process (OpenSSH's PROTOCOL.key layout), so the every-boot host key check needs no
// `ssh-keygen -y` per key. It checks what `ssh-keygen -y` shows (the public part stored in
// the private key) and more: every length, both check integers, the padding, and the public
// key inside the private section. Formats it does not know answer "unknown" and the caller
// asks ssh-keygen.

const MAGIC = "openssh-key-v1\0";
const BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END = "-----END OPENSSH PRIVATE KEY-----";

/**
 * Per key type: how many fields (strings or mpints) follow the type in the private section,
 * and which of them, in order, make the public blob's fields.
 */
const ECDSA = { fields: 3, publicOf: (f: Buffer[]) => [f[0], f[1]] }; // curve Q d; public: curve Q
const PRIVATE_LAYOUT: Record<string, { fields: number; publicOf: (f: Buffer[]) => Buffer[] }> = {
  "ssh-rsa": { fields: 6, publicOf: (f) => [f[1], f[0]] }, // n e d iqmp p q; public: e n
  "ssh-ed25519": { fields: 2, publicOf: (f) => [f[0]] }, // pk sk (sk = seed || pk); public: pk
  "ecdsa-sha2-nistp256": ECDSA,
  "ecdsa-sha2-nistp384": ECDSA,
  "ecdsa-sha2-nistp521": ECDSA,
};

/** A problem reads after the file's name: "<key> is empty", "<key>.pub does not match it". */
export type KeyCheck = { ok: true } | { ok: false; file: "private" | "public"; problem: string } | { ok: "unknown" };

class Reader {
  private at = 0;
  constructor(private readonly data: Buffer) {}
  get rest(): number {
    return this.data.length - this.at;
  }
  uint32(): number {
    if (this.rest < 4) throw new Error("ends early");
    const value = this.data.readUInt32BE(this.at);
    this.at += 4;
    return value;
  }
  string(): Buffer {
    const length = this.uint32();
    if (length > this.rest) throw new Error("has a length that runs past its end");
    const value = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return value;
  }
  bytes(n: number): Buffer {
    if (n > this.rest) throw new Error("ends early");
    const value = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return value;
  }
}

/** The base64 body between the armour lines, or undefined when the text is not armoured so. */
function armouredBody(text: string): Buffer | undefined {
  const lines = text.split("\n").map((l) => l.trim());
  const begin = lines.indexOf(BEGIN);
  const end = lines.indexOf(END);
  if (begin !== 0 || end < begin) return undefined;
  const body = lines.slice(begin + 1, end).join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return undefined;
  return Buffer.from(body, "base64");
}

/** The fields of a public key blob after its type. */
function blobFields(blob: Buffer, count: number): { fields: Buffer[] } {
  const reader = new Reader(blob);
  reader.string(); // the type
  const fields = Array.from({ length: count }, () => reader.string());
  if (reader.rest !== 0) throw new Error("has bytes after its public key's fields");
  return { fields };
}

const bad = (problem: string): KeyCheck => ({ ok: false, file: "private", problem });

export function checkOpenSshKey(privateText: string, publicText: string): KeyCheck {
  const trimmed = privateText.trimStart();
  if (!trimmed.startsWith(BEGIN)) return trimmed.startsWith("-----BEGIN ") ? { ok: "unknown" } : bad("is not a private key");
  const body = armouredBody(trimmed);
  if (!body) return bad("has broken armour or base64");
  try {
    if (body.subarray(0, MAGIC.length).toString("latin1") !== MAGIC) return bad("lacks the openssh-key-v1 header");
    const reader = new Reader(body.subarray(MAGIC.length));
    const cipher = reader.string().toString("latin1");
    const kdf = reader.string().toString("latin1");
    const kdfOptions = reader.string();
    if (cipher !== "none" || kdf !== "none") return { ok: "unknown" }; // encrypted: ssh-keygen says what it makes of it
    if (kdfOptions.length) return bad("has key derivation options without a cipher");
    if (reader.uint32() !== 1) return { ok: "unknown" };
    const publicBlob = reader.string();
    const section = reader.string();
    if (reader.rest !== 0) return bad("has bytes after its private section");
    const type = new Reader(publicBlob).string().toString("latin1");
    const layout = PRIVATE_LAYOUT[type];
    if (!layout) return { ok: "unknown" };
    const priv = new Reader(section);
    if (priv.uint32() !== priv.uint32()) return bad("has check integers that differ");
    if (priv.string().toString("latin1") !== type) return bad("holds a private key of another type");
    const fields = Array.from({ length: layout.fields }, () => priv.string());
    priv.string(); // comment
    const padding = priv.bytes(priv.rest);
    if (padding.length >= 8 || padding.some((b, i) => b !== i + 1)) return bad("has wrong padding");
    if ((section.length % 8) !== 0) return bad("has a private section of partial blocks");
    const publicInPrivate = layout.publicOf(fields);
    const publicKey = blobFields(publicBlob, publicInPrivate.length);
    if (!publicInPrivate.every((f, i) => f.equals(publicKey.fields[i]))) return bad("holds a private part of another key");
    if (type === "ssh-ed25519" && !(fields[1].length === 64 && fields[1].subarray(32).equals(fields[0]))) return bad("holds an ed25519 secret of another key");

    const pub = publicText.trim().split(/\s+/);
    if (pub.length < 2 || pub[0] !== type) return { ok: false, file: "public", problem: "is not a key of its type" };
    if (!Buffer.from(pub[1], "base64").equals(publicBlob)) return { ok: false, file: "public", problem: "does not match it" };
    return { ok: true };
  } catch (err) {
    return bad((err as Error).message);
  }
}
