// A DHCPv4 lease as ISC dhclient writes it (its lease file), and the `ip` commands that put
// it on a NIC and take it off again, as cloud-init's ephemeral IPv4 network does. Pure: the
// lease comes from whoever answered on the wire, so every value is checked before it
// becomes an argument.
import { isIPv4 } from "node:net";
import { describe } from "./document";
import { inNetwork, parseCidr } from "./addresses";

export interface DhcpLease {
  address: string;
  prefix: number;
  broadcast?: string;
  routers: string[];
  /** RFC 3442 classless static routes; when given, routers are ignored (the RFC's rule). */
  staticRoutes: { to: string; via?: string }[];
}

/** One step of bringing the lease up, with the command that undoes it. */
export interface LeaseStep {
  up: string[];
  down: string[];
}

const MAX_LEASE_FILE = 64 * 1024;

/** The last `lease { ... }` block of a dhclient lease file. */
export function parseDhclientLease(text: string): DhcpLease {
  if (text.length > MAX_LEASE_FILE) throw new Error(`the lease file is over ${MAX_LEASE_FILE} bytes`);
  const body = statements(text).reduce<string[] | undefined>((last, block) => (block[0] === "lease" ? block.slice(1) : last), undefined);
  if (body === undefined) throw new Error("the lease file holds no lease");
  const values = new Map<string, string>();
  for (const statement of body) {
    const m = /^(option\s+)?([a-z0-9-]+)\s+(.*)$/s.exec(statement);
    if (m) values.set(m[2], m[3].trim().replace(/^"(.*)"$/s, "$1"));
  }
  const address = ipv4(values.get("fixed-address"), "fixed-address");
  const { prefix } = parseCidr(address, ipv4(values.get("subnet-mask"), "subnet-mask"), "the lease's subnet-mask");
  const broadcast = values.has("broadcast-address") ? ipv4(values.get("broadcast-address"), "broadcast-address") : undefined;
  const routers = (values.get("routers") ?? "").split(/[\s,]+/).filter(Boolean).map((r) => ipv4(r, "routers"));
  const classless = values.get("rfc3442-classless-static-routes");
  return { address, prefix, broadcast, routers, staticRoutes: classless ? parseClasslessRoutes(classless) : [] };
}

/**
 * The file's blocks, each as its head ("lease") followed by its statements. Quoted strings
 * (a domain name the server chose, say) are kept whole, so a ';' or '}' inside one cannot
 * end a statement and pass for another option.
 */
function statements(text: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] | undefined;
  let token = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      token += c;
      if (c === "\\") token += text[++i] ?? "";
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      token += c;
    } else if (c === "{") {
      current = [token.trim()];
      token = "";
    } else if (c === ";" || c === "}") {
      if (current && token.trim()) current.push(token.trim());
      token = "";
      if (c === "}" && current) {
        blocks.push(current);
        current = undefined;
      }
    } else token += c;
  }
  return blocks;
}

function ipv4(value: string | undefined, option: string): string {
  if (value === undefined || !isIPv4(value)) throw new Error(`the lease's ${option} is not an IPv4 address: ${describe(value)}`);
  return value;
}

/** RFC 3442's encoding as dhclient writes it: "24,10,0,1,10,0,0,1,0,10,0,0,254" (width, significant octets, gateway). */
export function parseClasslessRoutes(text: string): DhcpLease["staticRoutes"] {
  const bytes = text.split(/\s*,\s*/).map((b) => (/^\d{1,3}$/.test(b) && Number(b) <= 255 ? Number(b) : NaN));
  if (bytes.some(Number.isNaN)) throw new Error(`the lease's rfc3442-classless-static-routes is not a list of bytes: ${describe(text)}`);
  const routes: DhcpLease["staticRoutes"] = [];
  for (let i = 0; i < bytes.length; ) {
    const width = bytes[i];
    const octets = Math.ceil(width / 8);
    if (width > 32 || i + 1 + octets + 4 > bytes.length) throw new Error("the lease's rfc3442-classless-static-routes ends in the middle of a route");
    const net = [...bytes.slice(i + 1, i + 1 + octets), 0, 0, 0, 0].slice(0, 4).join(".");
    const gateway = bytes.slice(i + 1 + octets, i + 5 + octets).join(".");
    routes.push({ to: `${net}/${width}`, via: gateway === "0.0.0.0" ? undefined : gateway });
    i += 5 + octets;
  }
  return routes;
}

/**
 * The steps that put the lease on `nic` (its link already up), in order; undo them in
 * reverse. A default route is added only where there is none: an initramfs or an iSCSI root
 * may have the machine's route in place already, and keeps it.
 */
export function leaseSteps(lease: DhcpLease, nic: string, hasDefaultRoute: boolean): LeaseStep[] {
  const dev = ["dev", nic];
  const cidr = `${lease.address}/${lease.prefix}`;
  const broadcast = lease.broadcast ? ["broadcast", lease.broadcast] : [];
  const steps: LeaseStep[] = [{ up: ["ip", "-4", "addr", "add", cidr, ...broadcast, ...dev], down: ["ip", "-4", "addr", "del", cidr, ...dev] }];
  if (lease.staticRoutes.length) {
    for (const route of lease.staticRoutes) {
      const via = route.via ? ["via", route.via] : [];
      steps.push({ up: ["ip", "-4", "route", "append", route.to, ...via, ...dev], down: ["ip", "-4", "route", "del", route.to, ...via, ...dev] });
    }
    return steps;
  }
  const router = lease.routers[0];
  if (!router || hasDefaultRoute) return steps;
  // a router outside the leased subnet (a /32 lease) is reached through a host route first
  if (!inNetwork(router, lease.address, lease.prefix)) {
    steps.push({ up: ["ip", "-4", "route", "add", `${router}/32`, ...dev, "src", lease.address], down: ["ip", "-4", "route", "del", `${router}/32`, ...dev, "src", lease.address] });
  }
  steps.push({ up: ["ip", "-4", "route", "add", "default", "via", router, ...dev], down: ["ip", "-4", "route", "del", "default", "via", router, ...dev] });
  return steps;
}
