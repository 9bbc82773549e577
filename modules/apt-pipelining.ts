// apt_pipelining: apt's HTTP pipeline depth (some mirrors and proxies mishandle pipelined
// requests). false turns it off, 0-5 sets it, none/unchanged/os leaves apt's default.
import type { CloudConfigModule } from "../src/module";
import { PIPELINING_FILE, pipeliningSnippet } from "../src/packages/apt/apt-conf";

export const aptPipelining: CloudConfigModule = {
  name: "apt_pipelining",
  frequency: "once-per-instance",
  idempotent: true,
  distros: ["debian", "ubuntu"],
  activateBy: ["apt_pipelining"],
  schema: { properties: { apt_pipelining: { oneOf: [{ type: "boolean" }, { type: "integer" }, { enum: ["none", "unchanged", "os", "false"] }, { type: "string" }] } } },
  async run({ host, config }) {
    const text = pipeliningSnippet(config.apt_pipelining);
    if (text === undefined) return { skipped: `apt_pipelining is ${String(config.apt_pipelining)}: apt's default is kept` };
    host.writeAtomic(PIPELINING_FILE, text, 0o644);
  },
};
