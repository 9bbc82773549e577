// Entry point of the single executable: the only place that exits the process.
import { main } from "./cli/main";
import { writeStderr } from "./host/stdio";

main(process.argv.slice(2), process.argv[1] ?? process.argv0).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    writeStderr(`cloud-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
