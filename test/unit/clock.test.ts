// Deadlines run on the monotonic clock. A wall-clock step is replayed by moving Date (all a
// step changes in this process: performance.now and timers follow CLOCK_MONOTONIC) while a
// real retry loop runs against a real local server. A real step of CLOCK_REALTIME needs
// CAP_SYS_TIME on the whole machine (time namespaces offset only monotonic and boottime),
// which a test must not do to a shared host.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { monotonicDeadline } from "../../src/host/clock";
import { requestWithRetry } from "../../src/http/client";

afterEach(() => vi.useRealTimers());

describe("monotonicDeadline", () => {
  it("counts on the clock it is given", () => {
    let now = 1000;
    const deadline = monotonicDeadline(500, () => now);
    expect([deadline.left(), deadline.passed()]).toEqual([500, false]);
    now = 1499;
    expect([deadline.left(), deadline.passed()]).toEqual([1, false]);
    now = 1600;
    expect([deadline.left(), deadline.passed()]).toEqual([0, true]);
    expect(monotonicDeadline(Infinity, () => now).left()).toBe(Infinity);
  });

  it("ignores the wall clock (Date) stepping either way", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const deadline = monotonicDeadline(60_000);
    vi.setSystemTime(Date.now() + 3_600_000);
    expect(deadline.passed()).toBe(false);
    vi.setSystemTime(Date.now() - 7_200_000);
    expect(deadline.left()).toBeLessThanOrEqual(60_000);
  });
});

/** A server answering 503 to everything; `onRequest` runs on each request. */
async function failingServer(onRequest: () => void): Promise<{ url: string; close(): void; count(): number }> {
  let count = 0;
  const server = http.createServer((_req, res) => {
    count++;
    onRequest();
    res.writeHead(503).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close(), count: () => count };
}

describe("requestWithRetry across a wall-clock step (finding: +1 h ended the wait at once, -1 h stretched it by an hour)", () => {
  it("+1 h after the first attempt: retries go on until the deadline", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    let stepped = false;
    const server = await failingServer(() => {
      if (!stepped) vi.setSystemTime(Date.now() + 3_600_000);
      stepped = true;
    });
    const started = performance.now();
    await expect(requestWithRetry(server.url, { timeoutMs: 1000 }, { retries: 1000, delayMs: 40, deadline: monotonicDeadline(600) })).rejects.toThrow(/HTTP 503/);
    const took = performance.now() - started;
    server.close();
    expect(took).toBeGreaterThanOrEqual(590);
    expect(server.count()).toBeGreaterThan(3);
  });

  it("-1 h after the first attempt: the deadline still comes on time", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const server = await failingServer(() => vi.setSystemTime(Date.now() - 3_600_000));
    const started = performance.now();
    await expect(requestWithRetry(server.url, { timeoutMs: 1000 }, { retries: 1000, delayMs: 40, deadline: monotonicDeadline(300) })).rejects.toThrow(/HTTP 503/);
    server.close();
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

it("an attempt the deadline cuts short does not hide the answer before it (finding: CI saw 'no answer within 1 ms' for a 500)", async () => {
  let count = 0;
  const server = http.createServer((_req, res) => {
    if (count++ === 0) res.writeHead(500).end("oops");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await expect(requestWithRetry(url, { timeoutMs: 5000 }, { retries: 3, delayMs: 10, deadline: monotonicDeadline(300) })).rejects.toThrow(/HTTP 500/);
  server.closeAllConnections();
  server.close();
  expect(count).toBe(2);
});

it("no deadline in src/ or modules/ is computed from Date.now() (only timestamps are)", () => {
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
  const top = join(__dirname, "../..");
  const uses = [...files(join(top, "src")), ...files(join(top, "modules"))].flatMap((f) =>
    fs.readFileSync(f, "utf8").split("\n").flatMap((line) => (/Date\.now\(\)/.test(line) ? [`${f.slice(top.length + 1)}: ${line.trim()}`] : [])),
  );
  // timestamps written down (semaphores, status) come from the one wall-clock reader
  expect(uses).toEqual(["src/host/clock.ts: export const epochSeconds = (): number => Date.now() / 1000;"]);
});
