// What the side-by-side comparisons with cloud-init 22.4.2 share: one seed booted under
// systemd-nspawn once with cloud-agent's .deb and once with Debian's cloud-init (same Debian 12
// rootfs), what each boot left read into named items, and every item where the two differ
// either listed as a known difference (with its reason and both values) or a failure.
// @ts-expect-error plain JS shared with the benchmark
import { prepareMachine } from "./harness.mjs";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Machine = any;
export type Report = { status: string; statusCode: number; cloudId: string; hostname: string; sshd: string; units: Record<string, { status: number; result: string }> };
export type Items = Record<string, string>;

/**
 * Why an item may differ:
 * - "README": a deliberate difference README's "Deliberate differences" section documents;
 * - "cloud-init fails": cloud-init 22.4.2 fails at it on Debian 12, cloud-agent does what was asked;
 * - "cosmetic": no effect on the system.
 * A difference that is none of these is a bug in cloud-agent, and is not listed here.
 */
export type Kind = "README" | "cloud-init fails" | "cosmetic";
export type Known = { item: string; kind: Kind; reason: string; agent: string; cloudInit: string };
export type Difference = { item: string; agent: string; cloudInit: string };

export function differencesOf(agent: Items, cloudInit: Items): Difference[] {
  return Object.keys(agent)
    .filter((item) => agent[item] !== cloudInit[item])
    .map((item) => ({ item, agent: agent[item], cloudInit: cloudInit[item] }));
}

/** The differences as the known list records them, in item order: what the test compares. */
export function expectedDifferences(known: Known[], items: Items): Difference[] {
  const keys = Object.keys(items);
  return known.map(({ item, agent, cloudInit }) => ({ item, agent, cloudInit })).sort((x, y) => keys.indexOf(x.item) - keys.indexOf(y.item));
}

function lineDiff(a: string, b: string): string {
  const al = a.split("\n");
  const bl = b.split("\n");
  const onlyA = al.filter((l) => !bl.includes(l)).map((l) => `      agent only:      ${JSON.stringify(l)}`);
  const onlyB = bl.filter((l) => !al.includes(l)).map((l) => `      cloud-init only: ${JSON.stringify(l)}`);
  return [...onlyA, ...onlyB].join("\n") || "      (the same lines in another order)";
}

function logProblems(m: Machine): string[] {
  return m
    .lines("var/log/cloud-init.log")
    .filter((l: string) => /\b(WARNING|ERROR|CRITICAL)\b|\[(WARN|ERROR)\]|^\w+(\.\w+)*(Error|Exception):|^(Command|Exit code|Reason|Stdout|Stderr):/.test(l))
    .slice(0, 16)
    .map((l: string) => `      ${l.slice(0, 240)}`);
}

function statusLong(m: Machine): string[] {
  return m.lines("var/tmp/boot-report/status.txt").map((l: string) => `      ${l.slice(0, 240)}`);
}

export function summary(title: string, agent: Items, cloudInit: Items, known: Known[], machines: { agent: Machine; cloudInit: Machine }): string {
  const differences = differencesOf(agent, cloudInit);
  const out = ["", `=== cloud-agent vs cloud-init 22.4.2, one seed, two nspawn boots (${title}) ===`];
  for (const item of Object.keys(agent)) {
    const k = known.find((d) => d.item === item);
    if (agent[item] === cloudInit[item]) {
      const v = agent[item];
      out.push(`  same         ${item}: ${v.includes("\n") || v.length > 110 ? `(${v.split("\n").length} lines)` : JSON.stringify(v)}`);
      continue;
    }
    out.push(k ? `  KNOWN DIFF   ${item} [${k.kind}]: ${k.reason}` : `  UNEXPECTED   ${item}`);
    if (!agent[item].includes("\n") && !cloudInit[item].includes("\n")) out.push(`      agent:      ${JSON.stringify(agent[item])}`, `      cloud-init: ${JSON.stringify(cloudInit[item])}`);
    else out.push(lineDiff(agent[item], cloudInit[item]));
  }
  const unexpected = differences.filter((d) => !known.some((k) => k.item === d.item));
  const vanished = known.filter((k) => !differences.some((d) => d.item === k.item));
  out.push(
    `${Object.keys(agent).length} items compared: ${Object.keys(agent).length - differences.length} the same, ${differences.length - unexpected.length} known differences, ${unexpected.length} unexpected${vanished.length ? `; known differences that no longer differ: ${vanished.map((k) => k.item).join(", ")}` : ""}`,
    "  cloud-agent's status --long:",
    ...statusLong(machines.agent),
    "  cloud-init's status --long:",
    ...statusLong(machines.cloudInit),
    "  warnings and errors in cloud-agent's /var/log/cloud-init.log:",
    ...logProblems(machines.agent),
    "  warnings and errors in cloud-init's /var/log/cloud-init.log:",
    ...logProblems(machines.cloudInit),
  );
  return out.join("\n");
}

/** systemd's own exit codes (200-243) say a unit's process never ran, whatever it would have done. */
function processNeverRan(r: Report): boolean {
  return Object.values(r.units).some((u) => u.status >= 200 && u.status <= 243);
}

export interface Booted<S> {
  machine: Machine;
  report: Report;
  /** What `prepare` read from the image before the boot. */
  before: S;
}

/**
 * Both machines made (`prepare` may add to the image and returns what it read before the
 * boot), seeded and booted at once (each guest has its own network namespace and overlay).
 */
export async function bootPair<S>(seed: Record<string, string>, prepare: (m: Machine) => S): Promise<{ agent: Booted<S>; cloudInit: Booted<S> }> {
  const make = (kind: "agent" | "cloud-init") => {
    const machine = prepareMachine(kind);
    const before = prepare(machine);
    machine.writeSeed(seed);
    return { machine, before };
  };
  const a = make("agent");
  let c = make("cloud-init");
  let [agentReport, cloudInitReport] = await Promise.all([a.machine.boot({ timeoutMs: 240_000 }), c.machine.boot({ timeoutMs: 240_000 })]);
  if (processNeverRan(cloudInitReport)) {
    // the reference boot says nothing about cloud-init when systemd could not start one of its
    // units (seen once on CI: 219, its cgroup not set up): boot a fresh reference machine again
    console.log(`cloud-init's reference boot lost a unit to systemd (${JSON.stringify(cloudInitReport.units)}); booting it again`);
    c.machine.dispose();
    c = make("cloud-init");
    cloudInitReport = await c.machine.boot({ timeoutMs: 240_000 });
  }
  return { agent: { ...a, report: agentReport }, cloudInit: { ...c, report: cloudInitReport } };
}
