// The one error a command that failed becomes (Host.runChecked): one type, one message
// format, so every module reports `<what> exited with N: <its last line>` the same way.
import type { RunResult } from "./exec";

export class CommandError extends Error {
  constructor(
    /** What ran, as the message names it: argv joined, or a label given by the caller. */
    readonly what: string,
    readonly result: RunResult,
    quoteOutput = true,
  ) {
    super(commandFailure(what, result, quoteOutput));
  }
}

/**
 * `what exited with 3: its last line of output`; a signal or a timeout said as such. The
 * user's own commands are not quoted (`quoteOutput` false): their output may hold what they
 * handle, and it is in cloud-init-output.log already.
 */
export function commandFailure(what: string, result: RunResult, quoteOutput = true): string {
  const how = result.timedOut ? "did not finish in time" : result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
  const said = quoteOutput ? (lastLine(result.stderr) ?? lastLine(result.stdout)) : undefined;
  return said ? `${what} ${how}: ${said}` : `${what} ${how}`;
}

function lastLine(text: string): string | undefined {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .pop();
}
