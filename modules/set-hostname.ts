// set_hostname: names the machine once per instance from `fqdn`, `hostname` or the
// datasource's local-hostname; remembers what it set in /var/lib/cloud/data/set-hostname.
import type { CloudConfigModule } from "../src/module";
import { stateJson } from "../src/state/status-store";
import { applyRunningHostname, HOSTNAME_FILE, namesToApply, nameToWrite, SET_HOSTNAME_FILE, writeHostnameFile } from "../src/system/hostname";

export const HOSTNAME_SCHEMA = {
  properties: {
    hostname: { type: "string" as const },
    fqdn: { type: "string" as const },
    preserve_hostname: { type: "boolean" as const },
    prefer_fqdn_over_hostname: { type: "boolean" as const },
    create_hostname_file: { type: "boolean" as const },
  },
};

export const setHostname: CloudConfigModule = {
  name: "set_hostname",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  schema: HOSTNAME_SCHEMA,
  async run({ host, config, instance, distro, log }) {
    const names = namesToApply(host, config, instance);
    if ("skipped" in names) return names;
    const record = stateJson({ fqdn: names.fqdn, hostname: names.hostname });
    if (host.readTextIfExists(SET_HOSTNAME_FILE) === record) return { skipped: `hostname ${names.hostname} already set` };
    const name = nameToWrite(names, config, distro);
    if (host.exists(HOSTNAME_FILE) || config.create_hostname_file !== false) writeHostnameFile(host, name);
    await applyRunningHostname(host, name);
    host.writeAtomic(SET_HOSTNAME_FILE, record);
    log.info(`hostname set to ${name} (fqdn ${names.fqdn})`);
  },
};
