// An IPv4 address for the local stage, where a datasource must reach its metadata service
// before the image's networking starts (cloud-init's EphemeralDHCPv4). The image's DHCP
// client asks once on the primary NIC and only writes its lease (its script is /bin/true);
// the lease is put on the NIC with ip, the datasource reads, and every step is taken back
// in reverse: no address, route, client process or lease file stays behind.
import { randomBytes } from "node:crypto";
import { parseJson } from "../config/yaml";
import { CommandError } from "../host/command-error";
import type { Host } from "../host/host";
import type { Logger } from "../log/logger";
import { RUN_DIR } from "../state/paths";
import { leaseSteps, parseDhclientLease, type LeaseStep } from "./dhcp-lease";
import { fallbackCandidates } from "./fallback";
import { readMachineNics } from "./machine";

/** dhclient's own default: how long one attempt may take before it gives up. */
const LEASE_TIMEOUT_S = 60;
// RFC 3442 routes are not among dhclient's built-in options; the metadata service may sit behind one
const DHCLIENT_CONF = `option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
request subnet-mask, broadcast-address, routers, rfc3442-classless-static-routes;
timeout ${LEASE_TIMEOUT_S};
`;

const LEASE_DIRS = `${RUN_DIR}/tmp`;
const UNDO_FILE = "undo.json";

/** No lease came (no DHCP client, no NIC, no answer): the network stage may try again. */
export class LeaseUnavailable extends Error {}

/** Runs `use` while the primary NIC holds a DHCP lease; throws LeaseUnavailable before `use` when none came. */
export async function withEphemeralLease<T>(host: Host, log: Logger, use: () => Promise<T>): Promise<T> {
  const nic = fallbackCandidates(readMachineNics(host))[0]?.name;
  if (!nic) throw new LeaseUnavailable("no NIC to ask for a DHCP lease on");
  const dhclient = host.which("dhclient");
  if (!dhclient) throw new LeaseUnavailable("the image has no DHCP client cloud-agent can drive (dhclient)");
  await takeDownLeftovers(host, log);
  const dir = `${LEASE_DIRS}/dhcp-${randomBytes(6).toString("hex")}`;
  const undo: string[][] = [];
  // each step is noted before it is made (a run killed midway is taken down by the next
  // one, even between a step and its note) and dropped again when it changed nothing
  const note = () => host.writeAtomic(`${dir}/${UNDO_FILE}`, JSON.stringify(undo), 0o600);
  const make = async (step: LeaseStep) => {
    undo.push(step.down);
    note();
    let changed = false;
    try {
      changed = await apply(host, step);
    } finally {
      if (!changed) {
        undo.pop();
        note();
      }
    }
  };
  try {
    host.mkdirp(dir, 0o700);
    if (!(await linkIsUp(host, nic))) await make({ up: ["ip", "-4", "link", "set", "dev", nic, "up"], down: ["ip", "-4", "link", "set", "dev", nic, "down"] });
    const lease = await askForLease(host, dhclient, nic, dir);
    log.info(`ephemeral DHCP lease ${lease.address}/${lease.prefix} on ${nic}${lease.routers.length ? ` (router ${lease.routers[0]})` : ""}`);
    const hasDefaultRoute = (await host.runChecked(["ip", "-4", "route", "show", "default"])).stdout.trim() !== "";
    for (const step of leaseSteps(lease, nic, hasDefaultRoute)) await make(step);
  } catch (err) {
    await takeDown(host, log, undo, dir);
    throw err instanceof LeaseUnavailable ? err : new LeaseUnavailable(`no DHCP lease on ${nic}: ${(err as Error).message}`);
  }
  try {
    return await use();
  } finally {
    await takeDown(host, log, undo, dir);
    log.info(`ephemeral DHCP lease on ${nic} taken down`);
  }
}

async function linkIsUp(host: Host, nic: string): Promise<boolean> {
  const shown = (await host.runChecked(["ip", "-o", "link", "show", "dev", nic])).stdout;
  return /<[^>]*\bUP\b[^>]*>/.test(shown);
}

/** One DISCOVER..ACK exchange; the client is stopped as soon as it says it is bound. */
async function askForLease(host: Host, dhclient: string, nic: string, dir: string) {
  host.writeAtomic(`${dir}/dhclient.conf`, DHCLIENT_CONF, 0o600);
  const bound = new AbortController();
  let said = "";
  const result = await host.run([dhclient, "-4", "-d", "-1", "-v", "-cf", `${dir}/dhclient.conf`, "-lf", `${dir}/lease`, "-pf", `${dir}/pid`, "-sf", "/bin/true", nic], {
    timeoutMs: (LEASE_TIMEOUT_S + 5) * 1000,
    signal: bound.signal,
    onOutput: (chunk) => {
      said = (said + chunk.toString("utf8")).slice(-4096);
      if (/^bound to /m.test(said)) bound.abort();
    },
  });
  if (!bound.signal.aborted) throw new LeaseUnavailable(`no DHCP lease on ${nic}: ${new CommandError("dhclient", result).message}`);
  return parseDhclientLease(host.readText(`${dir}/lease`));
}

/** Whether the step changed anything to undo: an address or route already there is left as found. */
async function apply(host: Host, step: LeaseStep): Promise<boolean> {
  const result = await host.run(step.up);
  if (result.code === 0) return true;
  // iproute2's words for an address or route that is there already
  if (/File exists|already assigned/.test(result.stderr)) return false;
  throw new CommandError(step.up.join(" "), result);
}

/**
 * The steps a run killed while it held a lease left noted (this boot's /run only), taken
 * back before a new lease is asked for. Only `ip` commands of the noted shape are run.
 */
async function takeDownLeftovers(host: Host, log: Logger): Promise<void> {
  for (const name of host.list(LEASE_DIRS).filter((n) => n.startsWith("dhcp-"))) {
    const dir = `${LEASE_DIRS}/${name}`;
    let steps: unknown;
    try {
      steps = parseJson(host.readTextIfExists(`${dir}/${UNDO_FILE}`) ?? "[]");
    } catch {
      steps = [];
    }
    const valid = Array.isArray(steps) ? steps.filter((s): s is string[] => Array.isArray(s) && s[0] === "ip" && s.every((a) => typeof a === "string")) : [];
    log.info(`taking down the ephemeral lease an interrupted run left (${valid.length} steps)`);
    await takeDown(host, log, valid, dir);
  }
}

async function takeDown(host: Host, log: Logger, undo: string[][], dir: string): Promise<void> {
  for (const argv of undo.reverse()) {
    const result = await host.run(argv);
    if (result.code !== 0) log.warn(`taking the ephemeral lease down: ${new CommandError(argv.join(" "), result).message}`);
  }
  undo.length = 0;
  host.remove(dir);
}
