// phone_home: tells a URL the instance is up, POSTing (form-encoded) its host keys, id and
// names. The URL may name $INSTANCE_ID. Like cloud-init, a failure is a warning: the
// machine is configured whether or not the listener heard.
import { isPlainObject } from "../src/config/yaml";
import { currentHostname, resolveNames } from "../src/system/hostname";
import { requestWithRetry } from "../src/http/client";
import { monotonicDeadline } from "../src/host/clock";
import type { CloudConfigModule } from "../src/module";
import { renderTemplate } from "../src/config/template";

// DSA as cloud-init lists it: no image makes that key any more, so it is posted as N/A
const KEY_FILES: Record<string, string> = {
  pub_key_dsa: "/etc/ssh/ssh_host_dsa_key.pub",
  pub_key_rsa: "/etc/ssh/ssh_host_rsa_key.pub",
  pub_key_ecdsa: "/etc/ssh/ssh_host_ecdsa_key.pub",
  pub_key_ed25519: "/etc/ssh/ssh_host_ed25519_key.pub",
};
const ALL = [...Object.keys(KEY_FILES), "instance_id", "hostname", "fqdn"];

export const phoneHome: CloudConfigModule = {
  name: "phone_home",
  frequency: "once-per-instance",
  idempotent: false, // a second call home is a second event for the listener
  distros: "all",
  activateBy: ["phone_home"],
  schema: {
    properties: {
      phone_home: {
        type: "object",
        required: ["url"],
        properties: { url: { type: "string" }, post: { oneOf: [{ enum: ["all"] }, { type: "array", items: { enum: ALL } }] }, tries: { type: "integer" } },
      },
    },
  },
  async run({ host, config, instance, log, backgroundIdle }) {
    const settings = isPlainObject(config.phone_home) ? config.phone_home : {};
    const url = renderTemplate(String(settings.url), { INSTANCE_ID: instance.instanceId });
    if (!/^https?:\/\//.test(url)) throw new Error("phone_home.url: expected an http(s) URL");
    const tries = Math.max(1, Number(settings.tries ?? 10));
    const wanted = settings.post === undefined || settings.post === "all" ? ALL : (settings.post as string[]);
    // the RSA host key may still be in the making
    await backgroundIdle();
    const names = resolveNames(config, instance, currentHostname(host));
    const values: Record<string, string | undefined> = { instance_id: instance.instanceId, hostname: names.hostname, fqdn: names.fqdn };
    for (const [key, file] of Object.entries(KEY_FILES)) values[key] = host.readTextIfExists(file);
    const form = new URLSearchParams(wanted.map((k): [string, string] => [k, values[k] ?? "N/A"])).toString();
    try {
      const res = await requestWithRetry(
        url,
        { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" }, timeoutMs: 10_000 },
        { retries: tries - 1, delayMs: 3_000, deadline: monotonicDeadline(tries * 13_000) },
      );
      if (res.status >= 400) throw new Error(`HTTP ${res.status}`);
      log.info(`phoned home to phone_home.url (${wanted.join(", ")})`);
    } catch (err) {
      log.warn(`phone_home: posting to phone_home.url failed after ${tries} tries: ${(err as Error).message}`);
    }
  },
};
