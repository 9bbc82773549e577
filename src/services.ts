// systemd services the modules touch (sshd, the NTP client): changed only on a running
// system, never in a root being prepared (--root) where no service manager is ours.
import { isPlainObject } from "./config/yaml";
import type { Host } from "./host/host";

export function systemdRunning(host: Host): boolean {
  return host.root === "/" && host.isDirectory("/run/systemd/system");
}

export async function isActive(host: Host, service: string): Promise<boolean> {
  return systemdRunning(host) && (await host.run(["systemctl", "is-active", "--quiet", service])).code === 0;
}

/** systemctl `action` on a running system; returns stderr of a failure. */
export async function manageService(host: Host, action: "restart" | "try-reload-or-restart" | "reload-or-restart", service: string): Promise<string | undefined> {
  if (!systemdRunning(host)) return undefined;
  const result = await host.run(["systemctl", action, service], { timeoutMs: 90_000 });
  return result.code === 0 ? undefined : result.stderr.trim() || `systemctl ${action} ${service} exited with ${result.code}`;
}

/** systemctl enable works offline too (it only makes links), so it runs under --root. */
export async function enableService(host: Host, service: string): Promise<string | undefined> {
  if (!host.which("systemctl")) return undefined;
  const result = await host.run(["systemctl", "enable", service], { timeoutMs: 90_000 });
  return result.code === 0 ? undefined : result.stderr.trim() || `systemctl enable ${service} exited with ${result.code}`;
}

/** system_info.ssh_svcname, "ssh" on Debian. */
export function sshService(config: Record<string, unknown>): string {
  const systemInfo = isPlainObject(config.system_info) ? config.system_info : {};
  return typeof systemInfo.ssh_svcname === "string" ? systemInfo.ssh_svcname : "ssh";
}
