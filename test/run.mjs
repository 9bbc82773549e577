// `npm test`'s runner. The QEMU boots are half of the run (about 17 minutes here), spent mostly
// in TCG, so their file runs in a vitest process of its own beside the process that runs every
// other file; each process runs its files one at a time (vitest.config.ts). Nothing they share
// is written by both: the rootfs cache is only read, loop devices and servers are asked of the
// kernel (--find, port 0), the QEMU file alone binds 127.0.0.1:80 (slirp's 169.254.169.254).
// The QEMU process's output is shown after the rest, then one summary line for both, the line
// CI reads. With arguments (files or filters), one vitest process runs them as given.
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const QEMU_FILE = "test/boot/qemu.test.ts";
const vitest = ["node_modules/vitest/vitest.mjs", "run"];

function run(args, { summary, output } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...vitest, ...args], {
      stdio: ["ignore", output ? "pipe" : "inherit", output ? "pipe" : "inherit"],
      env: summary ? { ...process.env, CLOUD_AGENT_TEST_SUMMARY: summary } : process.env,
    });
    if (output) {
      const log = createWriteStream(output);
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      child.on("close", (code) => log.end(() => resolve(code ?? 1)));
    } else {
      child.on("close", (code) => resolve(code ?? 1));
    }
  });
}

const given = process.argv.slice(2);
if (given.length) process.exit(await run(given));

const dir = mkdtempSync(join(tmpdir(), "cloud-agent-tests-"));
try {
  const qemu = run([QEMU_FILE], { summary: join(dir, "qemu.json"), output: join(dir, "qemu.log") });
  const rest = run(["--exclude", QEMU_FILE], { summary: join(dir, "rest.json") });
  const codes = [await rest, await qemu];
  process.stdout.write(`\n── ${QEMU_FILE} (run beside the files above) ──\n${readFileSync(join(dir, "qemu.log"), "utf8")}`);
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const part of ["rest", "qemu"]) {
    let found;
    try {
      found = JSON.parse(readFileSync(join(dir, `${part}.json`), "utf8"));
    } catch {
      // the process ended before its reporter ran (it crashed): its exit code says so
      found = { pass: 0, fail: 0, skip: 0 };
    }
    for (const key of Object.keys(counts)) counts[key] += found[key];
  }
  process.stdout.write(`\n${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped\n`);
  process.exitCode = codes.some((c) => c !== 0) ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
