// A public key fetched by id from an HKP keyserver (what `gpg --recv-keys` asks), in-process:
// no gpg or dirmngr in the image, no key left in root's own keyring. What comes back is kept
// only if it holds the key asked for, so a keyserver (or anyone on a plain hkp:// path) cannot
// slip another key into apt's trust.
import { request } from "../../http/client";
import { dearmor, KeyError, keysNamed, normaliseKeyId } from "./openpgp";

/** cloud-init's default keyserver. */
export const DEFAULT_KEYSERVER = "keyserver.ubuntu.com";
const KEY_BYTES = 1024 * 1024;
const TIMEOUT_MS = 30_000;

/** The lookup URL: hkp:// is HTTP on 11371 unless a port is given, hkps:// is HTTPS. */
export function lookupUrl(keyserver: string, keyid: string): string {
  const m = /^(?:(hkps?|https?):\/\/)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?\/?$/.exec(keyserver.trim());
  if (!m) throw new KeyError(`keyserver "${keyserver}" is not host, host:port or hkp(s)://host[:port]`);
  const scheme = m[1] ?? "hkp";
  const secure = scheme === "hkps" || scheme === "https";
  const port = m[3] ?? (scheme === "hkp" ? "11371" : undefined);
  return `${secure ? "https" : "http"}://${m[2]}${port ? `:${port}` : ""}/pks/lookup?op=get&options=mr&search=0x${keyid}`;
}

export async function fetchKey(keyserver: string, keyid: string): Promise<Buffer> {
  const id = normaliseKeyId(keyid);
  if (!id) throw new KeyError("keyid is not a hex key id or fingerprint");
  const url = lookupUrl(keyserver, id);
  const res = await request(url, { timeoutMs: TIMEOUT_MS, maxBytes: KEY_BYTES });
  if (res.status !== 200) throw new KeyError(`keyserver ${keyserver} answered HTTP ${res.status} for key ${id}`);
  const key = keysNamed(dearmor(res.body.toString("utf8")), id);
  if (!key) throw new KeyError(`keyserver ${keyserver} sent no key ${id}; what it sent was refused`);
  return key;
}
