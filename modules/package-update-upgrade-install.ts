// package_update_upgrade_install: refresh the package index, upgrade, install `packages`
// with the image's package manager (apt, dnf or yum); reboot afterwards when asked and the
// system says it needs one. Names apt does not know are reported, the others still installed.
import { runAfterExit } from "../src/scripts/after-exit";
import type { CloudConfigModule } from "../src/module";
import { knownPackages, packageArguments, packageManager, refreshPackageIndex, runPackageManager } from "../src/packages/package-manager";

const REBOOT_MARKERS = ["/var/run/reboot-required", "/run/reboot-needed"];

export const packageUpdateUpgradeInstall: CloudConfigModule = {
  name: "package_update_upgrade_install",
  frequency: "once-per-instance",
  idempotent: true, // installing what is installed does nothing
  distros: "all",
  activateBy: ["packages", "package_update", "package_upgrade", "package_reboot_if_required", "apt_update", "apt_upgrade", "apt_reboot_if_required"],
  schema: {
    properties: {
      packages: { type: "array" },
      package_update: { type: "boolean" },
      package_upgrade: { type: "boolean" },
      package_reboot_if_required: { type: "boolean" },
      apt_update: { type: "boolean", deprecated: "apt_update is deprecated: use package_update" },
      apt_upgrade: { type: "boolean", deprecated: "apt_upgrade is deprecated: use package_upgrade" },
      apt_reboot_if_required: { type: "boolean", deprecated: "apt_reboot_if_required is deprecated: use package_reboot_if_required" },
    },
  },
  async run({ host, config, instance, log, output }) {
    const packages = Array.isArray(config.packages) ? config.packages : [];
    const upgrade = config.package_upgrade === true || config.apt_upgrade === true;
    const update = config.package_update === true || config.apt_update === true || upgrade || packages.length > 0;
    if (!update) return { skipped: "nothing to update, upgrade or install" };
    const manager = packageManager(host);
    if (!manager) throw new Error("no package manager (apt-get, dnf or yum) in this image");
    const { names, refused } = packageArguments(packages, manager);
    await refreshPackageIndex(host, manager, instance.instanceId, output);
    if (upgrade) await runPackageManager(host, manager, "upgrade", [], output);
    const known = names.length ? await knownPackages(host, manager) : undefined;
    const missing = known ? names.filter((n) => !known.has(n.split(/[=/]/)[0])) : [];
    const install = names.filter((n) => !missing.includes(n));
    if (install.length) await runPackageManager(host, manager, "install", install, output);
    if (refused.length) log.warn(`packages: ${refused.length} item(s) are not a name, [name, version] or {apt: [...]}; skipped`);
    if (missing.length) log.warn(`packages ${manager} does not know: ${missing.join(", ")}`);
    const rebootAsked = config.package_reboot_if_required === true || config.apt_reboot_if_required === true;
    if (rebootAsked && (upgrade || install.length) && REBOOT_MARKERS.some((m) => host.exists(m))) {
      log.info("a reboot is required after package changes: rebooting once cloud-agent has finished");
      runAfterExit(host, ["/sbin/reboot"], { timeoutSeconds: 30, condition: true });
    }
  },
};
