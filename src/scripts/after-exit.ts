// Commands that must run after the agent has finished (power off, reboot): a detached
// /bin/sh waits for this process to go (so status and boot-finished are on disk), up to a
// timeout, then checks an optional condition and runs the command. Everything user-given
// reaches that shell as positional parameters, never as script text, except a string
// condition, which is shell by the user's choice (as in cloud-init).
import type { Host } from "../host/host";
import { shellQuote } from "./shell";

const WAITER = `pid=$1 timeout=$2 condition=$3; shift 3
n=0
while [ -e "/proc/$pid" ] && [ "$n" -lt $((timeout * 4)) ]; do sleep 0.25; n=$((n + 1)); done
if [ -n "$condition" ]; then
  sh -c "$condition"; rc=$?
  [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] || echo "cloud-agent: condition exited with $rc; not running $*" >&2; exit 0; }
fi
exec "$@"`;

/** `condition`: true (always), a shell string, or an argv list (run without a shell). */
export function runAfterExit(host: Host, argv: string[], options: { timeoutSeconds: number; condition: true | string | string[] }): void {
  const condition = options.condition === true ? "" : typeof options.condition === "string" ? options.condition : options.condition.map(shellQuote).join(" ");
  host.startDetached(["/bin/sh", "-c", WAITER, "cloud-agent-after-exit", String(process.pid), String(Math.max(0, Math.floor(options.timeoutSeconds))), condition, ...argv]);
}
