// `boot`: the process cloud-agent-main.service runs; it lives through the boot and runs
// each stage when that stage's unit signals it (see src/stages/boot-process.ts).
import { runBootProcess } from "../../stages/boot-process";
import type { Command } from "../command";
import { welcome } from "./welcome";

const ACTIONS = { local: "init-local", network: "init", config: "modules:config", final: "modules:final" };

export const boot: Command = {
  spec: {
    name: "boot",
    summary: "Run all four boot stages in one process, each when its systemd unit signals it.",
    options: [],
  },
  async run(_args, io) {
    const failed = await runBootProcess(io.host, (stage, env) => welcome(env, ACTIONS[stage]));
    return failed ? 1 : 0;
  },
};
