// power_state_change: power off, reboot or halt once cloud-agent has finished, optionally only
// when a condition command succeeds. The shutdown waits for this process to exit (at most
// `timeout` seconds), so the boot's status is written first.
import { runAfterExit } from "../src/scripts/after-exit";
import { isPlainObject } from "../src/config/yaml";
import type { CloudConfigModule } from "../src/module";

const MODE_FLAGS: Record<string, string> = { poweroff: "-P", reboot: "-r", halt: "-H" };

export const powerStateChange: CloudConfigModule = {
  name: "power_state_change",
  frequency: "once-per-instance",
  idempotent: false, // a second shutdown after the next boot would be one the user never asked for
  distros: "all",
  activateBy: ["power_state"],
  schema: {
    properties: {
      power_state: {
        type: "object",
        required: ["mode"],
        properties: {
          mode: { enum: Object.keys(MODE_FLAGS) },
          delay: { type: ["string", "integer"] },
          message: { type: "string" },
          timeout: { type: ["integer", "number"] },
          condition: { type: ["boolean", "string", "array"] },
        },
      },
    },
  },
  async run({ host, config, log }) {
    const settings = isPlainObject(config.power_state) ? config.power_state : {};
    const condition = settings.condition ?? true;
    if (condition === false) return { skipped: "power_state condition is false" };
    const argv = shutdownCommand(settings);
    const timeoutSeconds = settings.timeout === undefined ? 30 : Number(settings.timeout);
    runAfterExit(host, argv, { timeoutSeconds, condition: Array.isArray(condition) ? condition.map(String) : condition === true ? true : String(condition) });
    log.info(`after cloud-agent exits (at most ${timeoutSeconds} s): ${argv.join(" ")}`);
  },
};

export function shutdownCommand(settings: Record<string, unknown>): string[] {
  const flag = MODE_FLAGS[String(settings.mode)];
  if (!flag) throw new Error(`power_state.mode: expected one of ${Object.keys(MODE_FLAGS).join(", ")}`);
  const delay = shutdownDelay(settings.delay ?? "now");
  const message = settings.message === undefined ? [] : [String(settings.message)];
  // "--": a message starting with "-" is words for the wall, not an option
  return ["shutdown", flag, "--", delay, ...message];
}

function shutdownDelay(value: unknown): string {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return `+${value}`;
  const text = String(value).trim();
  if (text === "now" || /^\+\d+$/.test(text)) return text;
  if (/^\d+$/.test(text)) return `+${text}`;
  throw new Error('power_state.delay: expected "now", minutes or "+minutes"');
}
