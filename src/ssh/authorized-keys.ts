// ~/.ssh/authorized_keys as cloud-init writes it: the directory 0700 and the file 0600,
// both owned by the user; existing lines kept, a key already there (same base64 body)
// replaced by the new entry, new keys appended. The home is the user's: read and written
// through Host's user-file walk, so a planted symlink or hard link is refused, not followed.
import type { Host } from "../host/host";

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function account(host: Host, name: string): Account | undefined {
  for (const line of (host.readTextIfExists("/etc/passwd") ?? "").split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 7) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
  }
  return undefined;
}

export interface KeyLine {
  options?: string;
  type: string;
  body: string;
  comment?: string;
}

const KEY_TYPE = /^(ssh-|ecdsa-|sk-)/;

/** "[options] type base64 [comment]"; options may hold quoted spaces (command="a b"). */
export function parseKeyLine(line: string): KeyLine | undefined {
  const text = line.trim();
  if (!text || text.startsWith("#")) return undefined;
  let rest = text;
  let options: string | undefined;
  if (!KEY_TYPE.test(text)) {
    let quoted = false;
    let i = 0;
    for (; i < text.length && (quoted || !/\s/.test(text[i])); i++) {
      if (text[i] === "\\") i++;
      else if (text[i] === '"') quoted = !quoted;
    }
    options = text.slice(0, i);
    rest = text.slice(i).trim();
  }
  const [type, body, ...comment] = rest.split(/\s+/);
  if (!type || !body || !KEY_TYPE.test(type)) return undefined;
  return { options, type, body, comment: comment.length ? comment.join(" ") : undefined };
}

function keyBody(line: string): string | undefined {
  return parseKeyLine(line)?.body;
}

export function mergeKeys(existing: string, keys: string[]): string {
  const lines = existing.split("\n").filter((l, i, all) => !(i === all.length - 1 && l === ""));
  for (const key of keys.map((k) => k.trim()).filter(Boolean)) {
    const body = keyBody(key);
    const at = body === undefined ? -1 : lines.findIndex((l) => keyBody(l) === body);
    if (at >= 0) lines[at] = key;
    else if (!lines.includes(key)) lines.push(key);
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/** Throws, naming the user and the path, when the home holds something planted. */
export function addAuthorizedKeys(host: Host, user: Account, keys: string[]): void {
  if (!keys.length) return;
  const file = `${user.home}/.ssh/authorized_keys`;
  const owner = { uid: user.uid, gid: user.gid };
  try {
    const existing = host.readUserFile(file, user.uid)?.toString("utf8") ?? "";
    host.writeUserFile(file, mergeKeys(existing, keys), { mode: 0o600, owner, parent: { mode: 0o700, owner } });
  } catch (err) {
    throw new Error(`authorized_keys of user ${user.name}: ${(err as Error).message}`);
  }
}
