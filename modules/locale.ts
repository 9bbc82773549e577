// locale: the system locale (LANG) in /etc/default/locale (Debian: the locale is enabled in
// /etc/locale.gen and generated first) or /etc/locale.conf (RHEL). Without `locale:` the
// current setting is kept, or cloud-init's distro default applied; an image without the
// locale tools is then left alone with a log line, not an error.
import type { CloudConfigModule, ModuleContext } from "../src/module";

// When the image has none: C.UTF-8 on Debian (cloud-init 23.1+; 22.4's en_US.UTF-8 costs a
// locale-gen of seconds on first boot, and fails there), en_US.UTF-8 on RHEL as cloud-init
const DEFAULT_LOCALE = { debian: "C.UTF-8", other: "en_US.UTF-8" };
const BUILT_IN = ["C", "C.UTF-8", "C.utf8", "POSIX"];

export const locale: CloudConfigModule = {
  name: "locale",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  schema: { properties: { locale: { type: ["string", "boolean"] }, locale_configfile: { type: "string" } } },
  async run(ctx) {
    const { config, distro } = ctx;
    if (config.locale === false) return { skipped: "locale is false" };
    const asked = typeof config.locale === "string" && config.locale.trim() !== "";
    if (asked && !/^[A-Za-z0-9_.@-]+$/.test(String(config.locale).trim())) throw new Error("locale: expected a locale name");
    if (distro.family === "rhel") return setLocaleConf(ctx, String(config.locale ?? "") || DEFAULT_LOCALE.other);
    const file = String(config.locale_configfile ?? "/etc/default/locale");
    const current = readLang(ctx.host.readTextIfExists(file));
    const wanted = asked ? String(config.locale).trim() : (current ?? DEFAULT_LOCALE[distro.family === "debian" ? "debian" : "other"]);
    if (current === wanted) return { skipped: `locale is already ${wanted}` };
    const builtIn = BUILT_IN.includes(wanted);
    for (const tool of builtIn ? ["update-locale"] : ["locale-gen", "update-locale"]) {
      if (ctx.host.which(tool)) continue;
      if (asked) throw new Error(`locale ${wanted} asked for, but ${tool} is not in this image (install the locales package)`);
      return { skipped: `${tool} is not in this image (no locales package) and no locale was asked for` };
    }
    if (!builtIn) await generate(ctx, wanted);
    await ctx.host.runChecked(["update-locale", `--locale-file=${file}`, `LANG=${wanted}`], { what: "update-locale" });
    ctx.log.info(`locale set to ${wanted} in ${file}`);
  },
};

export function readLang(text: string | undefined): string | undefined {
  const m = /^\s*LANG=["']?([^"'\s]+)/m.exec(text ?? "");
  return m?.[1];
}

/** Enables `name charset` in /etc/locale.gen (from the list glibc supports), then locale-gen. */
async function generate({ host }: ModuleContext, name: string): Promise<void> {
  const supported = (host.readTextIfExists("/usr/share/i18n/SUPPORTED") ?? "").split("\n").find((l) => l.split(" ")[0] === name);
  if (!supported) throw new Error(`locale ${name} is not one glibc supports (not in /usr/share/i18n/SUPPORTED)`);
  host.writeAtomic("/etc/locale.gen", enableLocale(host.readTextIfExists("/etc/locale.gen") ?? "", supported.trim()), 0o644);
  await host.runChecked(["locale-gen", "--keep-existing"], { timeoutMs: 300_000, what: "locale-gen" });
}

/** Uncomments the line for `entry` ("en_US.UTF-8 UTF-8"), or appends it. */
export function enableLocale(localeGen: string, entry: string): string {
  const lines = localeGen.split("\n");
  const at = lines.findIndex((l) => l.replace(/^#\s*/, "").trim() === entry);
  if (at >= 0) lines[at] = entry;
  else lines.splice(lines.at(-1) === "" ? -1 : lines.length, 0, entry);
  return lines.join("\n").replace(/^\n/, "");
}

function setLocaleConf({ host, log }: ModuleContext, wanted: string): void {
  const conf = host.readTextIfExists("/etc/locale.conf") ?? "";
  const kept = conf.split("\n").filter((l) => l.trim() && !/^\s*LANG=/.test(l));
  host.writeAtomic("/etc/locale.conf", `${[...kept, `LANG=${wanted}`].join("\n")}\n`, 0o644);
  log.info(`locale set to ${wanted} in /etc/locale.conf`);
}
