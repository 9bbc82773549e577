// `features`: the feature flags tools probe for, as cloud-init prints them.
import type { Command } from "../command";

export const features: Command = {
  spec: { name: "features", summary: "List defined features.", options: [] },
  async run(_args, io) {
    io.stdout("NETWORK_CONFIG_V1\nNETWORK_CONFIG_V2\n");
    return 0;
  },
};
