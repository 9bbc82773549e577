// final_message: the "finished" line on the console and in the output log, then the
// instance's boot-finished file; warns when only the fallback datasource was found.
import type { CloudConfigModule } from "../src/module";
import { instancePath } from "../src/state/paths";
import { rfc2822 } from "../src/state/status";

const DEFAULT_MESSAGE =
  "## template: jinja\nCloud-init v. {{version}} finished at {{timestamp}}. Datasource {{datasource}}.  Up {{uptime}} seconds";

export const finalMessage: CloudConfigModule = {
  name: "final_message",
  frequency: "always",
  distros: "all",
  schema: { properties: { final_message: { type: "string" } } },
  async run({ host, config, args, instance, log, output, version }) {
    const uptime = host.uptime().toFixed(2);
    const timestamp = rfc2822(new Date());
    const vars: Record<string, string> = { uptime, timestamp, version, datasource: instance.description };
    for (const [k, v] of Object.entries(vars)) vars[k.toUpperCase()] = v;
    const template = String(args[0] ?? config.final_message ?? "") || DEFAULT_MESSAGE;
    const message = renderMessage(template, vars);
    output(`${message}\n`);
    log.info(message);
    host.writeAtomic(instancePath(instance.instanceId, "boot-finished"), `${uptime} - ${timestamp} - v. ${version}\n`);
    if (instance.datasource === "None") log.warn("Used fallback datasource");
  },
};

/** `{{ name }}` under a jinja header, `$name` / `${name}` otherwise (cloud-init's basic renderer). */
export function renderMessage(template: string, vars: Record<string, string>): string {
  const jinja = /^## template: *jinja[^\n]*\n/i.exec(template);
  if (jinja) return template.slice(jinja[0].length).replace(/\{\{\s*(\w+)\s*\}\}/g, (m, n: string) => vars[n] ?? m);
  return template.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => vars[a ?? b ?? ""] ?? m);
}
