// Looks users and groups up in the root's own /etc/passwd and /etc/group (not the
// machine's: under --root they differ).
import type { Host } from "./host";

function lookup(host: Host, file: string, name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of (host.readTextIfExists(file) ?? "").split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && fields.length > 2) return Number(fields[2]);
  }
  return undefined;
}

export function userId(host: Host, name: string): number | undefined {
  return lookup(host, "/etc/passwd", name);
}

export function groupId(host: Host, name: string): number | undefined {
  return lookup(host, "/etc/group", name);
}
