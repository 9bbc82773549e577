// Ends the run with one plain line, "N passed, N failed, N skipped", that CI reads (or hands
// the counts to test/run.mjs, which prints that line for its two processes).
import { writeFileSync } from "node:fs";
import type { RunnerTestFile, RunnerTask } from "vitest";
import type { Reporter } from "vitest/reporters";

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    const counts = { pass: 0, fail: 0, skip: 0 };
    const visit = (task: RunnerTask) => {
      if (task.type === "suite") return task.tasks.forEach(visit);
      const state = task.result?.state;
      if (state === "pass") counts.pass++;
      else if (state === "fail") counts.fail++;
      else counts.skip++;
    };
    files.forEach(visit);
    // test/run.mjs runs two vitest processes and prints one line for both
    const file = process.env.CLOUD_AGENT_TEST_SUMMARY;
    if (file) writeFileSync(file, JSON.stringify(counts));
    else process.stdout.write(`\n${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped\n`);
  }
}
