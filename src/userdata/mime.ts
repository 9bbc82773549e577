// Splits user-data into parts: a gzip blob is unpacked, a message with a MIME-Version
// header is split along its boundaries (nested multiparts too), anything else is one part.
// Unpacked size, nesting and the number of parts are bounded: the bytes come from outside.
import { gunzipSync } from "node:zlib";

export interface Part {
  contentType?: string;
  filename?: string;
  headers: Record<string, string>;
  body: Buffer;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Most bytes one gzip blob of user-data, vendor-data or an include may unpack to. */
export const MAX_UNPACKED_BYTES = 16 * 1024 * 1024;
/** Most parts one user-data (with its includes) may hold. */
export const MAX_PARTS = 20_000;
/** multipart inside multipart, at most this deep. */
const MAX_MULTIPART_NESTING = 16;

/** Unpacks gzip when the bytes start with its magic; throws on a truncated or oversized blob. */
export function maybeGunzip(data: Buffer): Buffer {
  if (data[0] !== GZIP_MAGIC[0] || data[1] !== GZIP_MAGIC[1]) return data;
  try {
    return gunzipSync(data, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw new Error(`gzip data unpacks to more than ${MAX_UNPACKED_BYTES} bytes; refused`);
    throw err;
  }
}

/** The parts of a message; `room` is how many more parts the caller takes (MAX_PARTS in all). */
export function splitParts(data: Buffer, room = MAX_PARTS): Part[] {
  const text = data.toString("latin1");
  const headerEnd = findHeaderEnd(text);
  const headers = headerEnd < 0 ? {} : parseHeaders(text.slice(0, headerEnd));
  if (!headers["mime-version"]) return [{ headers: {}, body: data }];
  const parts: Part[] = [];
  splitMessage(headers, data.subarray(bodyStart(text, headerEnd)), parts, room, 0);
  return parts;
}

function splitMessage(headers: Record<string, string>, body: Buffer, parts: Part[], room: number, nesting: number): void {
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary) {
    if (parts.length >= room) throw new Error(`more than ${MAX_PARTS} parts; refused`);
    parts.push({ contentType: type.split(";")[0].trim().toLowerCase(), filename: filenameOf(headers), headers, body: decodeBody(headers, body) });
    return;
  }
  if (nesting >= MAX_MULTIPART_NESTING) throw new Error(`multipart messages nested deeper than ${MAX_MULTIPART_NESTING}; refused`);
  const text = body.toString("latin1");
  const delimiter = `--${boundary}`;
  const chunks = text.split(new RegExp(`\\r?\\n?${escapeRegExp(delimiter)}`));
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith("--")) break;
    const content = chunk.replace(/^[ \t]*\r?\n/, "");
    const end = findHeaderEnd(content);
    const partHeaders = end < 0 ? {} : parseHeaders(content.slice(0, end));
    const partBody = Buffer.from(end < 0 ? content : content.slice(bodyStart(content, end)), "latin1");
    splitMessage(partHeaders, partBody, parts, room, nesting + 1);
  }
}

function findHeaderEnd(text: string): number {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return -1;
  const head = text.slice(0, m.index);
  return /^[A-Za-z0-9-]+:/.test(head) ? m.index : -1;
}

function bodyStart(text: string, headerEnd: number): number {
  return headerEnd + (/^\r?\n\r?\n/.exec(text.slice(headerEnd))?.[0].length ?? 0);
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last = "";
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      out[last] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    out[last] = line.slice(colon + 1).trim();
  }
  return out;
}

function filenameOf(headers: Record<string, string>): string | undefined {
  const disposition = headers["content-disposition"] ?? "";
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? /name="?([^";]+)"?/i.exec(headers["content-type"] ?? "")?.[1];
}

function decodeBody(headers: Record<string, string>, body: Buffer): Buffer {
  const encoding = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  if (encoding === "base64") return Buffer.from(body.toString("latin1").replace(/\s+/g, ""), "base64");
  if (encoding === "quoted-printable") {
    const text = body.toString("latin1").replace(/=\r?\n/g, "");
    return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1");
  }
  return body;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
