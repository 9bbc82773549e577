// cloud-init's mirror search: `search:` is a list of candidate mirrors and `search_dns: true`
// asks for <distro>-mirror names in the machine's domain; the first whose host name resolves
// wins. A resolver that answers every name (DNS redirection) is recognised by the names that
// cannot exist, and its address does not count as an answer.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

const LOOKUP_MS = 2000;
const NEVER_EXIST = ["does-not-exist.example.com.", "example.invalid."];

export type Resolve = (name: string) => Promise<string[]>;

/** The addresses the system resolver gives, [] when none come within the time. */
export const systemResolve: Resolve = async (name) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((r) => (timer = setTimeout(() => r([]), LOOKUP_MS)));
  try {
    return await Promise.race([lookup(name, { all: true }).then((all) => all.map((a) => a.address), () => []), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

export async function firstResolvable(candidates: string[], resolve: Resolve = systemResolve): Promise<string | undefined> {
  let redirected: Set<string> | undefined;
  for (const candidate of candidates) {
    let host: string;
    try {
      host = new URL(candidate).hostname.replace(/^\[|\]$/g, "");
    } catch {
      continue;
    }
    if (isIP(host)) return candidate;
    const addresses = await resolve(host);
    if (!addresses.length) continue;
    redirected ??= new Set((await Promise.all(NEVER_EXIST.map(resolve))).flat());
    if (!redirected.has(addresses[0])) return candidate;
  }
  return undefined;
}

/** search_dns's candidates: <distro>-mirror (security: -security-mirror) in the machine's domain, .localdomain, then bare. */
export function dnsCandidates(distro: string, kind: "primary" | "security", fqdn: string): string[] {
  const name = `${distro}-${kind === "primary" ? "mirror" : "security-mirror"}`;
  const domain = fqdn.split(".").slice(1).join(".");
  return [...(domain ? [`.${domain}`] : []), ".localdomain", ""].map((suffix) => `http://${name}${suffix}/${distro}`);
}
