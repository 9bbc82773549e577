// final_message: the "finished" line on the console and in the output log, then the
// instance's boot-finished file; warns when only the fallback datasource was found.
import type { CloudConfigModule } from "../src/module";
import { instancePath } from "../src/state/paths";
import { rfc2822 } from "../src/state/status";
import { renderTemplate } from "../src/config/template";

const DEFAULT_MESSAGE =
  "## template: jinja\nCloud-init v. {{version}} finished at {{timestamp}}. Datasource {{datasource}}.  Up {{uptime}} seconds";

export const finalMessage: CloudConfigModule = {
  name: "final_message",
  frequency: "always",
  idempotent: true,
  distros: "all",
  schema: { properties: { final_message: { type: "string" } } },
  async run({ host, config, args, instance, log, output, version }) {
    const uptime = host.uptime().toFixed(2);
    const timestamp = rfc2822(new Date());
    const vars: Record<string, string> = { uptime, timestamp, version, datasource: instance.description };
    for (const [k, v] of Object.entries(vars)) vars[k.toUpperCase()] = v;
    const template = String(args[0] ?? config.final_message ?? "") || DEFAULT_MESSAGE;
    const message = renderTemplate(template, vars);
    output(`${message}\n`);
    log.info(message);
    host.writeAtomic(instancePath(instance.instanceId, "boot-finished"), `${uptime} - ${timestamp} - v. ${version}\n`);
    if (instance.datasource === "None") log.warn("Used fallback datasource");
  },
};
