// `modules --mode config|final`: the config and final boot stages.
import { stageEnv } from "../../stages/env";
import { modulesStage } from "../../stages/stages";
import type { Command } from "../command";
import { welcome } from "./welcome";

export const modules: Command = {
  spec: {
    name: "modules",
    summary: "Activate modules using a given configuration key (the config and final stages).",
    options: [
      { name: "mode", short: "m", value: true, choices: ["init", "config", "final"], help: "module configuration name to use (default: config)" },
      { name: "file", short: "f", value: true, repeat: true, help: "additional YAML configuration files to use" },
    ],
  },
  async run(args, io) {
    const mode = (args.options.mode as string | undefined) ?? "config";
    if (mode === "init") {
      io.stderr("modules --mode init is deprecated in cloud-init and not supported; the init modules run in `init`\n");
      return 1;
    }
    const env = stageEnv(io.host);
    welcome(env, `modules:${mode}`);
    return modulesStage(env, mode as "config" | "final");
  },
};
