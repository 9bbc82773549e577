// An IPv4 address for the local stage, where a datasource must reach its metadata service
// before the image's networking starts (cloud-init's EphemeralDHCPv4). The image's DHCP
// client asks once on the primary NIC and only writes its lease (its script is /bin/true);
// the lease is put on the NIC with ip, the datasource reads, and every step is taken back
// in reverse: no address, route, client process or lease file stays behind.
import { randomBytes } from "node:crypto";
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

/** No lease came (no DHCP client, no NIC, no answer): the network stage may try again. */
export class LeaseUnavailable extends Error {}

/** Runs `use` while the primary NIC holds a DHCP lease; throws LeaseUnavailable before `use` when none came. */
export async function withEphemeralLease<T>(host: Host, log: Logger, use: () => Promise<T>): Promise<T> {
  const nic = fallbackCandidates(readMachineNics(host))[0]?.name;
  if (!nic) throw new LeaseUnavailable("no NIC to ask for a DHCP lease on");
  const dhclient = host.which("dhclient");
  if (!dhclient) throw new LeaseUnavailable("the image has no DHCP client cloud-agent can drive (dhclient)");
  const dir = `${RUN_DIR}/tmp/dhcp-${randomBytes(6).toString("hex")}`;
  const undo: string[][] = [];
  try {
    host.mkdirp(dir, 0o700);
    if (!(await linkIsUp(host, nic))) {
      await host.runChecked(["ip", "-4", "link", "set", "dev", nic, "up"]);
      undo.push(["ip", "-4", "link", "set", "dev", nic, "down"]);
    }
    const lease = await askForLease(host, dhclient, nic, dir);
    log.info(`ephemeral DHCP lease ${lease.address}/${lease.prefix} on ${nic}${lease.routers.length ? ` (router ${lease.routers[0]})` : ""}`);
    const hasDefaultRoute = (await host.runChecked(["ip", "-4", "route", "show", "default"])).stdout.trim() !== "";
    for (const step of leaseSteps(lease, nic, hasDefaultRoute)) if (await apply(host, step)) undo.push(step.down);
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
  if (/File exists/.test(result.stderr)) return false;
  throw new CommandError(step.up.join(" "), result);
}

async function takeDown(host: Host, log: Logger, undo: string[][], dir: string): Promise<void> {
  for (const argv of undo.reverse()) {
    const result = await host.run(argv);
    if (result.code !== 0) log.warn(`taking the ephemeral lease down: ${new CommandError(argv.join(" "), result).message}`);
  }
  undo.length = 0;
  host.remove(dir);
}
