// keys_to_console: the host keys' fingerprints and public keys on the console, between the
// BEGIN/END markers that cloud tooling scrapes from the console log to trust a new machine.
import { isPlainObject, toList } from "../src/config/yaml";
import type { CloudConfigModule } from "../src/module";
import { commandFailure } from "../src/host/command-error";

export const keysToConsole: CloudConfigModule = {
  name: "keys_to_console",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  schema: {
    properties: {
      ssh: { type: "object", properties: { emit_keys_to_console: { type: "boolean" } } },
      ssh_fp_console_blacklist: { type: "array", items: { type: "string" } },
      ssh_key_console_blacklist: { type: "array", items: { type: "string" } },
    },
  },
  async run({ host, config, log, output, backgroundIdle }) {
    if (isPlainObject(config.ssh) && config.ssh.emit_keys_to_console === false) return { skipped: "ssh.emit_keys_to_console is false" };
    if (!host.which("ssh-keygen")) return { skipped: "OpenSSH is not in this image" };
    // the RSA key may still be in the making (ssh runs it in the background)
    await backgroundIdle();
    const fpHidden = toList(config.ssh_fp_console_blacklist ?? []);
    const keyHidden = toList(config.ssh_key_console_blacklist ?? ["ssh-dss"]);
    const keys = host
      .list("/etc/ssh")
      .filter((name) => /^ssh_host_.*key\.pub$/.test(name))
      .map((name) => ({ file: `/etc/ssh/${name}`, text: host.readText(`/etc/ssh/${name}`).trim() }))
      .map((k) => ({ ...k, type: k.text.split(/\s+/)[0] }));
    const fingerprints: string[] = [];
    for (const key of keys.filter((k) => !fpHidden.includes(k.type))) {
      const result = await host.run(["ssh-keygen", "-l", "-f", key.file]);
      if (result.code === 0) fingerprints.push(result.stdout.trim());
      else log.warn(commandFailure(`ssh-keygen -l -f ${key.file}`, result));
    }
    const text = [
      "",
      "#############################################################",
      "-----BEGIN SSH HOST KEY FINGERPRINTS-----",
      ...fingerprints,
      "-----END SSH HOST KEY FINGERPRINTS-----",
      "#############################################################",
      "-----BEGIN SSH HOST KEY KEYS-----",
      ...keys.filter((k) => !keyHidden.includes(k.type)).map((k) => k.text),
      "-----END SSH HOST KEY KEYS-----",
    ].join("\n");
    output(`${text}\n`);
    log.info(`host key fingerprints: ${fingerprints.join("; ")}`);
  },
};
