// The EC2 meta-data crawl against the IMDS stand-in with 5 ms of latency per request:
// cloud-agent's parallel crawl next to a sequential one (cloud-init's way) of the same tree.
import { ec2 } from "../src/datasources/ec2";
import { Host } from "../src/host/host";
import { Logger, LogSink } from "../src/log/logger";
import { startImds } from "../test/integration/imds-server";

const LATENCY_MS = 5;
const RUNS = 5;

async function timeCrawl(url: string, concurrency: number): Promise<number> {
  const host = new Host({ root: "/nonexistent-root" });
  const log = new Logger(new LogSink(host, { files: false }), "bench");
  const settings = { metadata_urls: [url], max_wait: 30, crawl_concurrency: concurrency };
  const started = performance.now();
  await ec2.read({ host, cmdline: "", config: { datasource_list: ["Ec2"] }, settings, log, stage: "network", withNetwork: (read) => read() });
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const imds = await startImds({ token: "optional", latencyMs: LATENCY_MS, userData: "#cloud-config\n" });
  const parallel: number[] = [];
  const sequential: number[] = [];
  let requests = 0;
  for (let i = 0; i < RUNS; i++) {
    const before = imds.requests.length;
    parallel.push(await timeCrawl(imds.url, 16));
    requests = imds.requests.length - before;
    sequential.push(await timeCrawl(imds.url, 1));
}
await imds.close();
const p = median(parallel);
const s = median(sequential);
console.log(`\nEC2 crawl, ${LATENCY_MS} ms per request, ${requests} requests, median of ${RUNS}:`);
console.log(`| crawl | time | round trips of ${LATENCY_MS} ms |\n|---|---|---|`);
console.log(`| parallel (cloud-agent) | ${p.toFixed(0)} ms | ${(p / LATENCY_MS).toFixed(1)} |`);
console.log(`| sequential | ${s.toFixed(0)} ms | ${(s / LATENCY_MS).toFixed(1)} |`);
console.log(`ratio: 1/${(s / p).toFixed(1)}`);
}

void main();
