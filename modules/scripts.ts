// scripts_user, scripts_vendor and scripts_per_{once,boot,instance}: run-parts over their
// directories in the final stage; any failed script fails the module, naming them all.
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { CLOUD_DIR, instancePath } from "../src/state/paths";
import { runParts } from "../src/scripts/run-parts";
import type { Frequency } from "../src/state/semaphore";
import { instanceIdLine } from "../src/state/instance";

function scriptsModule(name: string, frequency: Frequency, dir: (ctx: ModuleContext) => string): CloudConfigModule {
  return {
    name,
    frequency,
    idempotent: false, // the user's scripts: never run twice
    distros: "all",
    schema: {},
    async run(ctx) {
      const path = dir(ctx);
      const prefix = name === "scripts_vendor" ? vendorPrefix(ctx) : undefined;
      const failed = await runParts(ctx.host, path, ctx.log, {
        output: ctx.output,
        env: { INSTANCE_ID: instanceIdLine(ctx.instance.instanceId) },
        prefix,
      });
      if (failed.length) throw new Error(`${failed.length} script(s) in ${path} failed: ${failed.join(", ")}`);
    },
  };
}

function vendorPrefix(ctx: ModuleContext): string[] | undefined {
  const vendor = ctx.config.vendor_data as { prefix?: unknown } | undefined;
  const prefix = vendor?.prefix;
  if (typeof prefix === "string" && prefix) return [prefix];
  if (Array.isArray(prefix) && prefix.length) return prefix.map(String);
  return undefined;
}

export const scriptsUser = scriptsModule("scripts_user", "once-per-instance", (ctx) => instancePath(ctx.instance.instanceId, "scripts"));
export const scriptsVendor = scriptsModule("scripts_vendor", "once-per-instance", (ctx) =>
  instancePath(ctx.instance.instanceId, "scripts/vendor"),
);
export const scriptsPerOnce = scriptsModule("scripts_per_once", "once", () => `${CLOUD_DIR}/scripts/per-once`);
export const scriptsPerBoot = scriptsModule("scripts_per_boot", "always", () => `${CLOUD_DIR}/scripts/per-boot`);
export const scriptsPerInstance = scriptsModule("scripts_per_instance", "once-per-instance", () => `${CLOUD_DIR}/scripts/per-instance`);
