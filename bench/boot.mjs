// `npm run bench`: boots cloud-agent and Debian's cloud-init 22.4.2 on the same NoCloud seed
// in the same kind of rootfs under systemd-nspawn, first boot and warm boot (same instance),
// and reports the time spent in the four stage units and their peak RSS, as ratios; then the
// start of each bare executable (`--version` under env -i) and what each installs.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareMachine, bootUnsupported } from "../test/boot/harness.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SEED = {
  "meta-data": "instance-id: iid-bench-0001\nlocal-hostname: bench.example.org\n",
  "user-data": `#cloud-config
hostname: bench
bootcmd:
  - echo "bootcmd $INSTANCE_ID" >> /var/tmp/bench.log
write_files:
  - path: /etc/bench.conf
    content: "bench=1\\n"
    permissions: '0640'
runcmd:
  - echo runcmd >> /var/tmp/bench.log
`,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * What the boot report says beyond the units' sum: the span from the product's first unit
 * starting (the agent's boot process; cloud-init's local unit) to the final unit's exit, so
 * time moved out of the units is still counted; and when the agent's process was ready.
 */
function withSpan(machine, report) {
  const units = Object.keys(report.units).map((u) => machine.props(u));
  const main = report.processes["cloud-agent-main.service"];
  const starts = [...units, ...(main ? [main] : [])].map((p) => Number(p.ExecMainStartTimestampMonotonic));
  const spanMs = (Number(units.at(-1).ExecMainExitTimestampMonotonic) - Math.min(...starts)) / 1000;
  const readyMs = main ? (Number(main.ActiveEnterTimestampMonotonic) - Number(main.ExecMainStartTimestampMonotonic)) / 1000 : undefined;
  return { ...report, spanMs, readyMs, console: undefined, journal: undefined };
}

/** Median wall time of `argv` run N times under env -i (as systemd starts units), in ms. */
function startMs(argv, runs = 21) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync("env", ["-i", ...argv], { stdio: "ignore" });
    if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

/** KiB installed by dpkg in a root, per package. */
function installed(root) {
  const out = execFileSync("chroot", [root, "dpkg-query", "-W", "-f", "${Package} ${Installed-Size}\\n"], { encoding: "utf8" });
  return new Map(out.trim().split("\n").map((l) => l.split(" ")).map(([p, k]) => [p, Number(k)]));
}

/**
 * The agent's .deb with its boot process replaced by bench/floor-boot.sh (in sh, no runtime,
 * no work): what the four units cost when the process answers every stage at once.
 */
function prepareFloor() {
  const machine = prepareMachine("agent");
  writeFileSync(machine.path("usr/local/bin/floor-boot"), readFileSync(new URL("./floor-boot.sh", import.meta.url)), { mode: 0o755 });
  const dropin = machine.path("etc/systemd/system/cloud-agent-main.service.d/rss.conf");
  writeFileSync(dropin, readFileSync(dropin, "utf8").replace("/usr/bin/cloud-agent boot", "/usr/local/bin/floor-boot"));
  return machine;
}

async function sample(kind) {
  const machine = kind === "floor" ? prepareFloor() : prepareMachine(kind);
  try {
    machine.writeSeed(SEED);
    const first = withSpan(machine, await machine.boot());
    const warm = withSpan(machine, await machine.boot());
    return { first, warm };
  } finally {
    machine.dispose();
  }
}

/** The bare executables' start, and what installing each product adds to the same Debian root. */
function footprint() {
  const agent = prepareMachine("agent");
  const cloudInit = prepareMachine("cloud-init");
  try {
    const withAgent = installed(agent.root);
    const withCloudInit = installed(cloudInit.root);
    // cloud-init's root is the agent's base root plus `apt-get install cloud-init`: what it pulled in
    const added = [...withCloudInit].filter(([p]) => !withAgent.has(p));
    return {
      versionMs: { agent: startMs(["/usr/sbin/chroot", agent.root, "/usr/bin/cloud-agent", "--version"]), "cloud-init": startMs(["/usr/sbin/chroot", cloudInit.root, "/usr/bin/cloud-init", "--version"]) },
      chrootMs: startMs(["/usr/sbin/chroot", agent.root, "/bin/true"]),
      executableMB: statSync(join(agent.root, "usr/bin/cloud-agent")).size / 1e6,
      installedMB: { agent: withAgent.get("cloud-agent") / 1024, "cloud-init": added.reduce((sum, [, k]) => sum + k, 0) / 1024 },
      cloudInitPackages: added.length,
    };
  } finally {
    agent.dispose();
    cloudInit.dispose();
  }
}

const unsupported = bootUnsupported();
if (unsupported) {
  console.error(`bench needs the boot harness: ${unsupported}`);
  process.exit(1);
}
const samples = { agent: [], "cloud-init": [], floor: [] };
for (let i = 0; i < RUNS; i++) {
  for (const kind of ["agent", "cloud-init", "floor"]) samples[kind].push(await sample(kind));
  process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
}

const footprintNow = footprint();
const summary = {};
for (const [kind, runs] of Object.entries(samples)) {
  summary[kind] = {};
  for (const boot of ["first", "warm"]) {
    const reports = runs.map((r) => r[boot]);
    const units = Object.keys(reports[0].units);
    summary[kind][boot] = {
      totalMs: median(reports.map((r) => r.totalMs)),
      spanMs: median(reports.map((r) => r.spanMs)),
      readyMs: reports[0].readyMs === undefined ? undefined : median(reports.map((r) => r.readyMs)),
      unitsMs: units.map((u) => median(reports.map((r) => r.units[u].ms))),
      peakRssKiB: Math.max(...reports.map((r) => r.peakRssKiB)),
      statusCodes: reports.map((r) => r.statusCode),
    };
  }
}

const fmt = (n) => n.toFixed(0);
const lines = [
  `Boot benchmark: ${RUNS} runs each, medians; time = sum of the four stage units (ExecMainStart..ExecMainExit)`,
  "",
  "| boot | cloud-agent | cloud-init 22.4.2 | ratio | agent units (local/network/config/final) | cloud-init units | span agent / cloud-init | agent process ready after | peak RSS agent / cloud-init |",
  "|---|---|---|---|---|---|---|---|---|",
];
for (const boot of ["first", "warm"]) {
  const a = summary.agent[boot];
  const c = summary["cloud-init"][boot];
  lines.push(
    `| ${boot} | ${fmt(a.totalMs)} ms | ${fmt(c.totalMs)} ms | 1/${(c.totalMs / a.totalMs).toFixed(1)} | ${a.unitsMs.map(fmt).join(" / ")} | ${c.unitsMs.map(fmt).join(" / ")} | ${fmt(a.spanMs)} / ${fmt(c.spanMs)} ms | ${fmt(a.readyMs)} ms | ${(a.peakRssKiB / 1024).toFixed(1)} / ${(c.peakRssKiB / 1024).toFixed(1)} MiB |`,
  );
}
lines.push("", `status exit codes: agent ${JSON.stringify(summary.agent.first.statusCodes)} first / ${JSON.stringify(summary.agent.warm.statusCodes)} warm; cloud-init ${JSON.stringify(summary["cloud-init"].first.statusCodes)} / ${JSON.stringify(summary["cloud-init"].warm.statusCodes)}`);
const floor = summary.floor.warm;
lines.push(
  "",
  `floor (the same units and shims, the boot process replaced by bench/floor-boot.sh, which answers every stage at once): ${fmt(floor.totalMs)} ms (${floor.unitsMs.map(fmt).join(" / ")}), 1/${(summary["cloud-init"].warm.totalMs / floor.totalMs).toFixed(1)} of cloud-init's warm boot; the warm boot's stage work is ${fmt(summary.agent.warm.totalMs - floor.totalMs)} ms above it`,
);
const f = footprintNow;
lines.push(
  "",
  `bare start (--version under env -i, median of 21, chroot included: ${f.chrootMs.toFixed(1)} ms): cloud-agent ${f.versionMs.agent.toFixed(1)} ms, cloud-init ${f.versionMs["cloud-init"].toFixed(1)} ms (1/${(f.versionMs["cloud-init"] / f.versionMs.agent).toFixed(1)})`,
  `installed: cloud-agent ${f.installedMB.agent.toFixed(1)} MiB (one executable of ${f.executableMB.toFixed(1)} MB); cloud-init ${f.installedMB["cloud-init"].toFixed(1)} MiB (cloud-init and the ${f.cloudInitPackages - 1} packages it pulls in, Python included)`,
);
console.log(lines.join("\n"));
writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify({ runs: RUNS, summary, footprint: f, samples }, null, 1)}\n`);
