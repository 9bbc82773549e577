// update_hostname: keeps the hostname in step with the configuration every boot, unless
// someone changed it by hand since cloud-agent last set it (previous-hostname tells).
import type { CloudConfigModule } from "../src/module";
import { applyRunningHostname, namesToApply, nameToWrite, PREVIOUS_HOSTNAME_FILE, readHostnameFile, writeHostnameFile } from "../src/system/hostname";
import { HOSTNAME_SCHEMA } from "./set-hostname";

export const updateHostname: CloudConfigModule = {
  name: "update_hostname",
  frequency: "always",
  idempotent: true,
  distros: "all",
  schema: HOSTNAME_SCHEMA,
  async run({ host, config, instance, distro, log }) {
    const names = namesToApply(host, config, instance);
    if ("skipped" in names) return names;
    const wanted = nameToWrite(names, config, distro);
    const previous = host.readTextIfExists(PREVIOUS_HOSTNAME_FILE)?.trim() || undefined;
    const system = readHostnameFile(host);
    if (previous && system && system !== previous) {
      return { skipped: `hostname was changed to ${system} by hand (cloud-agent set ${previous}); leaving it` };
    }
    if (previous !== wanted) host.writeAtomic(PREVIOUS_HOSTNAME_FILE, `${wanted}\n`);
    if (system === wanted) return;
    writeHostnameFile(host, wanted);
    await applyRunningHostname(host, wanted);
    log.info(`hostname updated to ${wanted}`);
  },
};
