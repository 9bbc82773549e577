// `npm run bench`: boots cloud-agent and Debian's cloud-init 22.4.2 on the same NoCloud seed
// in the same kind of rootfs under systemd-nspawn, first boot and warm boot (same instance),
// and reports the time spent in the four stage units and their peak RSS, as ratios.
import { writeFileSync } from "node:fs";
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

async function sample(kind) {
  const machine = prepareMachine(kind);
  try {
    machine.writeSeed(SEED);
    const first = await machine.boot();
    const warm = await machine.boot();
    return { first, warm };
  } finally {
    machine.dispose();
  }
}

const unsupported = bootUnsupported();
if (unsupported) {
  console.error(`bench needs the boot harness: ${unsupported}`);
  process.exit(1);
}
const samples = { agent: [], "cloud-init": [] };
for (let i = 0; i < RUNS; i++) {
  for (const kind of ["agent", "cloud-init"]) samples[kind].push(await sample(kind));
  process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
}

const summary = {};
for (const [kind, runs] of Object.entries(samples)) {
  summary[kind] = {};
  for (const boot of ["first", "warm"]) {
    const reports = runs.map((r) => r[boot]);
    const units = Object.keys(reports[0].units);
    summary[kind][boot] = {
      totalMs: median(reports.map((r) => r.totalMs)),
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
  "| boot | cloud-agent | cloud-init 22.4.2 | ratio | agent units (local/network/config/final) | cloud-init units | peak RSS agent / cloud-init |",
  "|---|---|---|---|---|---|---|",
];
for (const boot of ["first", "warm"]) {
  const a = summary.agent[boot];
  const c = summary["cloud-init"][boot];
  lines.push(
    `| ${boot} | ${fmt(a.totalMs)} ms | ${fmt(c.totalMs)} ms | 1/${(c.totalMs / a.totalMs).toFixed(1)} | ${a.unitsMs.map(fmt).join(" / ")} | ${c.unitsMs.map(fmt).join(" / ")} | ${(a.peakRssKiB / 1024).toFixed(1)} / ${(c.peakRssKiB / 1024).toFixed(1)} MiB |`,
  );
}
lines.push("", `status exit codes: agent ${JSON.stringify(summary.agent.first.statusCodes)} first / ${JSON.stringify(summary.agent.warm.statusCodes)} warm; cloud-init ${JSON.stringify(summary["cloud-init"].first.statusCodes)} / ${JSON.stringify(summary["cloud-init"].warm.statusCodes)}`);
console.log(lines.join("\n"));
writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify({ runs: RUNS, summary, samples }, null, 1)}\n`);
