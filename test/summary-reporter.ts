// Ends the run with one plain line, "N passed, N failed, N skipped", that CI reads.
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
    process.stdout.write(`\n${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped\n`);
  }
}
