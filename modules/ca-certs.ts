// ca_certs: adds the configured CA certificates to the system trust store (one file per
// certificate, so each gets its own hash link) and can distrust the distro's defaults.
import { X509Certificate } from "node:crypto";
import { isPlainObject } from "../src/config/yaml";
import type { Distro } from "../src/system/distro";
import type { CloudConfigModule, ModuleContext } from "../src/module";

interface TrustStore {
  dir: string;
  update: string[];
}

const STORES: Record<"debian" | "rhel", TrustStore> = {
  debian: { dir: "/usr/local/share/ca-certificates", update: ["update-ca-certificates"] },
  rhel: { dir: "/usr/share/pki/ca-trust-source/anchors", update: ["update-ca-trust"] },
};
const FILE_PREFIX = "cloud-init-ca-cert-";
// cloud-init only clears the defaults on these RHEL-family names
const RHEL_REMOVE_DEFAULTS = ["rhel", "amazon", "photon"];

const SETTINGS = {
  type: "object" as const,
  properties: { trusted: { type: "array" as const, items: { type: "string" as const } }, remove_defaults: { type: "boolean" as const }, "remove-defaults": { type: "boolean" as const } },
};

export const caCerts: CloudConfigModule = {
  name: "ca_certs",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  activateBy: ["ca_certs", "ca-certs"],
  schema: { properties: { ca_certs: SETTINGS, "ca-certs": { ...SETTINGS, deprecated: "ca-certs is deprecated: use ca_certs" } } },
  async run({ host, config, distro, log }) {
    const raw = config.ca_certs ?? config["ca-certs"];
    const settings = isPlainObject(raw) ? raw : {};
    const store = storeFor(distro);
    if (!host.which(store.update[0])) throw new Error(`${store.update[0]} is not in this image (install ca-certificates)`);
    if (settings.remove_defaults === true || settings["remove-defaults"] === true) await removeDefaults({ host, distro, log });
    for (const name of host.list(store.dir).filter((n) => n.startsWith(FILE_PREFIX))) host.remove(`${store.dir}/${name}`);
    const trusted = Array.isArray(settings.trusted) ? settings.trusted.map(String) : [];
    let written = 0;
    trusted.forEach((pem, i) => {
      const problem = certificateProblem(pem);
      if (problem) return log.warn(`ca_certs.trusted[${i}] is not a PEM certificate: ${problem}`);
      host.writeAtomic(`${store.dir}/${FILE_PREFIX}${++written}.crt`, pem.endsWith("\n") ? pem : `${pem}\n`, 0o644);
    });
    await host.runChecked(store.update, { timeoutMs: 120_000 });
    log.info(`${written} CA certificate(s) added to ${store.dir}`);
  },
};

function storeFor(distro: Distro): TrustStore {
  if (distro.family === "other") throw new Error(`ca_certs does not know the trust store of ${distro.name}`);
  return STORES[distro.family];
}

export function certificateProblem(pem: string): string | undefined {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) return "no BEGIN CERTIFICATE line";
  try {
    new X509Certificate(pem);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** "!" before every active line of ca-certificates.conf: those CAs are no longer trusted. */
export function distrustAll(conf: string): string {
  return conf
    .split("\n")
    .map((line) => (line.trim() && !line.startsWith("#") && !line.startsWith("!") ? `!${line}` : line))
    .join("\n");
}

async function removeDefaults({ host, distro, log }: Pick<ModuleContext, "host" | "distro" | "log">): Promise<void> {
  if (distro.family === "debian") {
    const conf = host.readTextIfExists("/etc/ca-certificates.conf");
    if (conf !== undefined) host.writeAtomic("/etc/ca-certificates.conf", distrustAll(conf), 0o644);
    // keep newly packaged CAs from becoming trusted again on upgrade
    if (host.which("debconf-set-selections")) await host.run(["debconf-set-selections"], { input: "ca-certificates ca-certificates/trust_new_crts select no\n" });
  } else if (RHEL_REMOVE_DEFAULTS.includes(distro.name)) {
    for (const dir of ["/etc/pki/ca-trust/source", "/usr/share/pki/ca-trust-source"]) for (const name of host.list(dir)) host.remove(`${dir}/${name}`);
  } else {
    log.info(`remove_defaults does nothing on ${distro.name}, as with cloud-init`);
  }
}
