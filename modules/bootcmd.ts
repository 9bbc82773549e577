// bootcmd: commands run early in every boot (init stage), through /bin/sh, with
// INSTANCE_ID set; a failing command fails the module.
import type { CloudConfigModule } from "../src/module";
import { RUN_DIR } from "../src/state/paths";
import { shellify } from "../src/scripts/shell";
import { COMMAND_LIST } from "./runcmd";
import { instanceIdLine } from "../src/state/instance";

export const bootcmd: CloudConfigModule = {
  name: "bootcmd",
  frequency: "always",
  idempotent: false, // the user's commands: never run twice
  distros: "all",
  activateBy: ["bootcmd"],
  schema: { properties: { bootcmd: COMMAND_LIST } },
  async run({ host, config, instance, output }) {
    const script = shellify(config.bootcmd as unknown[], "bootcmd");
    const file = `${RUN_DIR}/tmp/bootcmd-${process.pid}.sh`;
    host.writeAtomic(file, script, 0o700);
    try {
      await host.runChecked(["/bin/sh", file], { env: { INSTANCE_ID: instanceIdLine(instance.instanceId) }, onOutput: output, what: "bootcmd", quoteOutput: false });
    } finally {
      host.remove(file);
    }
  },
};
