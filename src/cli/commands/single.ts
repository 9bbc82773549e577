// `single --name MODULE [--frequency F]`: one module, outside the lists, honouring semaphores.
import { moduleByName } from "../../../modules/index";
import { stageEnv } from "../../stages/env";
import { runModules } from "../../stages/run-modules";
import { mergedConfig } from "../../stages/stages";
import { describeError } from "../../log/logger";
import { restoreLast } from "../../state/instance";
import { lockRoot } from "../../state/lock";
import type { Frequency } from "../../state/semaphore";
import type { Command } from "../command";

const FREQUENCY: Record<string, Frequency> = { always: "always", instance: "once-per-instance", once: "once" };

export const single: Command = {
  spec: {
    name: "single",
    summary: "Run a single module.",
    options: [
      { name: "name", short: "n", value: true, help: "module name to run" },
      { name: "frequency", value: true, choices: ["always", "instance", "once"], help: "frequency of the module" },
      { name: "report", help: "enable reporting (accepted for compatibility)" },
      { name: "file", short: "f", value: true, repeat: true, help: "additional YAML configuration files to use" },
    ],
  },
  async run(args, io) {
    const name = args.options.name as string | undefined;
    if (!name) {
      io.stderr("error: the following arguments are required: --name/-n\n");
      return 2;
    }
    const mod = moduleByName(name);
    if (!mod) {
      io.stderr(`Could not find module named ${name}\n`);
      return 1;
    }
    const env = stageEnv(io.host);
    let lock;
    try {
      lock = await lockRoot(io.host, { holder: `single ${mod.name}`, onWait: (message) => env.log.warn(message) });
    } catch (err) {
      io.stderr(`module ${mod.name} not run: ${describeError(err)}\n`);
      return 1;
    }
    try {
      const data = restoreLast(io.host, (message) => env.log.warn(message));
      if (!data) {
        io.stderr("No instance datasource found; run the boot stages first.\n");
        return 1;
      }
      const frequency = args.options.frequency ? FREQUENCY[args.options.frequency as string] : undefined;
      const errors = await runModules(env, mergedConfig(env, data), data, [mod.name], { stage: "single", forceFrequency: frequency, ungated: true });
      for (const e of errors) io.stderr(`${e}\n`);
      return errors.length ? 1 : 0;
    } finally {
      await lock.release();
    }
  },
};
