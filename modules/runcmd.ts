// runcmd: writes the commands as a script into the instance's scripts directory (config
// stage); scripts_user runs it in the final stage, after the user's own scripts.
import type { Schema } from "../src/config/schema";
import type { CloudConfigModule } from "../src/module";
import { instancePath } from "../src/state/paths";
import { shellify } from "../src/scripts/shell";

/** A list of commands: each a shell string or an argv list (cloud-init's schema). */
export const COMMAND_LIST: Schema = {
  type: "array",
  items: { oneOf: [{ type: "string" }, { type: "array", items: { type: ["string", "integer", "number", "boolean", "null"] } }, { type: "null" }] },
};

export const runcmd: CloudConfigModule = {
  name: "runcmd",
  frequency: "once-per-instance",
  idempotent: true, // it only writes the script; scripts_user, which runs it, is not idempotent
  distros: "all",
  activateBy: ["runcmd"],
  schema: { properties: { runcmd: COMMAND_LIST } },
  async run({ host, config, instance }) {
    if (!Array.isArray(config.runcmd)) throw new TypeError("runcmd must be a list");
    host.writeAtomic(instancePath(instance.instanceId, "scripts/runcmd"), shellify(config.runcmd, "runcmd"), 0o700);
  },
};
