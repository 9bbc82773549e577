// The line each stage starts with, in cloud-init's words, to the output log and the journal.
// "Cloud-init v." is what cloud-init's `analyze` (and people's greps) take a stage start from.
import type { StageEnv } from "../../stages/env";
import { rfc2822 } from "../../state/status";

export function welcome(env: StageEnv, action: string): void {
  const line = `Cloud-init v. ${env.version} (cloud-agent) running '${action}' at ${rfc2822(new Date())}. Up ${env.host.uptime().toFixed(2)} seconds.`;
  env.log.info(line);
  env.sink.output(`${line}\n`);
}
