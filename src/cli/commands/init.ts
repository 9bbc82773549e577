// `init [--local]`: the local and network boot stages.
import { stageEnv } from "../../stages/env";
import { initLocal, initNetwork } from "../../stages/stages";
import type { Command } from "../command";
import { welcome } from "./welcome";

export const init: Command = {
  spec: {
    name: "init",
    summary: "Initialize cloud-init and perform initial modules (the local and network stages).",
    options: [
      { name: "local", short: "l", help: "start in local mode (default: false)" },
      { name: "file", short: "f", value: true, repeat: true, help: "additional YAML configuration files to use" },
    ],
  },
  async run(args, io) {
    const local = Boolean(args.options.local);
    const env = stageEnv(io.host);
    welcome(env, local ? "init-local" : "init");
    return local ? initLocal(env) : initNetwork(env);
  },
};
