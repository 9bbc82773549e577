// run-parts on real scripts (a Host for "/" runs them as the machine would): every executable
// regular file in name order, as cloud-init's; never a file named as our writer names its temps.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { Host } from "../../src/host/host";
import { tempName } from "../../src/host/replace-file";
import { Logger, LogSink } from "../../src/log/logger";
import { runParts } from "../../src/scripts/run-parts";

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), "run-parts-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const script = (name: string, body: string, mode = 0o700) => fs.writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode });

it("runs executables in name order (dotfiles too), warns about the rest, and never runs a temp of ours", async () => {
  const ran = join(dir, "ran");
  script("20-second", `echo 20 >> ${ran}`);
  script("10-first", `echo 10 >> ${ran}; exit 3`);
  script(".hidden", `echo hidden >> ${ran}`);
  script("30-not-executable", `echo 30 >> ${ran}`, 0o644);
  // what a crash mid-write of runcmd left in an older layout: executable, cut in half
  script(tempName("runcmd"), `echo temp >> ${ran}; echo cut-in-ha`);
  fs.mkdirSync(join(dir, "sub"));
  const host = new Host({ root: "/" });
  const sink = new LogSink(host, { files: false });
  const failed = await runParts(host, dir, new Logger(sink, "test"), { output: () => undefined });
  expect(fs.readFileSync(ran, "utf8")).toBe("hidden\n10\n20\n");
  expect(failed).toEqual(["10-first"]);
  expect(sink.records.map((r) => r.message)).toEqual([`${dir}/10-first exited with 3`, `${dir}/30-not-executable is not executable; skipped`]);
});
