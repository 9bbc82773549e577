// The image's package manager (apt, else dnf, else yum) driven the way cloud-init drives it:
// non-interactive, keeping changed config files, with a bounded wait for the dpkg lock so a
// busy or broken package system is a reported error and never a hung boot.
import { isPlainObject } from "../config/yaml";
import type { Host } from "../host/host";
import { RUN_DIR } from "../state/paths";

export type PackageManagerName = "apt" | "dnf" | "yum";

/** Debian policy names, with an optional =version or /release; never an option ("-x"). */
const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9.+~:_-]*([=/][A-Za-z0-9.+~:_-]+)?$/;
const APT = [
  "apt-get",
  "--option=Dpkg::Options::=--force-confold",
  "--option=Dpkg::options::=--force-unsafe-io",
  "--option=DPkg::Lock::Timeout=30",
  "--assume-yes",
  "--quiet",
];
// a safety net far above any sane run; apt and dnf have their own network timeouts
const TIMEOUT_MS = 60 * 60_000;

export function packageManager(host: Host): PackageManagerName | undefined {
  if (host.which("apt-get")) return "apt";
  if (host.which("dnf")) return "dnf";
  if (host.which("yum")) return "yum";
  return undefined;
}

/** `packages:` items: "name", ["name", "version"] or {apt: [...]}; anything else is refused. */
export function packageArguments(items: unknown[], manager: PackageManagerName): { names: string[]; refused: string[] } {
  const names: string[] = [];
  const refused: string[] = [];
  for (const item of items) {
    if (isPlainObject(item)) {
      const own = manager === "apt" ? item.apt : undefined;
      const inner = packageArguments(Array.isArray(own) ? own : [], manager);
      names.push(...inner.names);
      refused.push(...inner.refused, ...Object.keys(item).filter((k) => !(manager === "apt" && k === "apt")).map((k) => `${k}: ${JSON.stringify(item[k])}`));
      continue;
    }
    const parts = typeof item === "string" ? [item] : Array.isArray(item) && item.length >= 1 && item.length <= 2 ? item.map(String) : undefined;
    const arg = parts && (parts.length === 1 ? parts[0] : manager === "apt" ? `${parts[0]}=${parts[1]}` : `${parts[0]}-${parts[1]}`);
    if (arg && PACKAGE.test(arg)) names.push(arg);
    else refused.push(JSON.stringify(item));
  }
  return { names, refused };
}

function command(manager: PackageManagerName, host: Host, action: "update" | "upgrade" | "install", names: string[] = []): string[] {
  if (manager === "apt") {
    const verb = { update: "update", upgrade: "dist-upgrade", install: "install" }[action];
    return [...(host.which("eatmydata") ? ["eatmydata"] : []), ...APT, verb, ...names];
  }
  const verb = { update: "makecache", upgrade: "upgrade", install: "install" }[action];
  return manager === "dnf" ? ["dnf", "-y", verb, ...names] : ["yum", "-t", "-y", verb, ...names];
}

export async function runPackageManager(
  host: Host,
  manager: PackageManagerName,
  action: "update" | "upgrade" | "install",
  names: string[] = [],
  onOutput?: (chunk: Buffer) => void,
): Promise<void> {
  const argv = command(manager, host, action, names);
  await host.runChecked(argv, { env: { DEBIAN_FRONTEND: "noninteractive" }, timeoutMs: TIMEOUT_MS, onOutput });
}

// which instance's package index this boot refreshed (a reboot refreshes it again: harmless)
const INDEX_REFRESHED = `${RUN_DIR}/package-index-refreshed`;

/**
 * Refreshes the package index once per instance and boot, as cloud-init's
 * update_package_sources does: apt_configure asks after writing new sources, and
 * package_update_upgrade_install then installs from them without asking the mirror again.
 */
export async function refreshPackageIndex(host: Host, manager: PackageManagerName, instanceId: string, onOutput?: (chunk: Buffer) => void): Promise<void> {
  if (host.readTextIfExists(INDEX_REFRESHED) === instanceId) return;
  await runPackageManager(host, manager, "update", [], onOutput);
  host.writeAtomic(INDEX_REFRESHED, instanceId, 0o644, { thisBootOnly: true });
}

/** Names apt knows about (after an update); undefined on other managers. */
export async function knownPackages(host: Host, manager: PackageManagerName): Promise<Set<string> | undefined> {
  if (manager !== "apt") return undefined;
  const result = await host.run(["apt-cache", "pkgnames"], { timeoutMs: 120_000 });
  return result.code === 0 ? new Set(result.stdout.split("\n").filter(Boolean)) : undefined;
}
