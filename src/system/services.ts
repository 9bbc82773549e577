// systemd services the modules touch (sshd, the NTP client): changed only on a running
// system, never in a root being prepared (--root) where no service manager is ours.
import { isPlainObject } from "../config/yaml";
import type { Host } from "../host/host";

export function systemdRunning(host: Host): boolean {
  return host.root === "/" && host.isDirectory("/run/systemd/system");
}

export async function isActive(host: Host, service: string): Promise<boolean> {
  return systemdRunning(host) && (await host.run(["systemctl", "is-active", "--quiet", service])).code === 0;
}

/** systemctl `action` on a running system; a failure throws (CommandError). */
export async function manageService(host: Host, action: "restart" | "try-reload-or-restart" | "reload-or-restart", service: string): Promise<void> {
  if (systemdRunning(host)) await host.runChecked(["systemctl", action, service], { timeoutMs: 90_000 });
}

/** systemctl enable works offline too (it only makes links), so it runs under --root. */
export async function enableService(host: Host, service: string): Promise<void> {
  if (host.which("systemctl")) await host.runChecked(["systemctl", "enable", service], { timeoutMs: 90_000 });
}

/** system_info.ssh_svcname, "ssh" on Debian. */
export function sshService(config: Record<string, unknown>): string {
  const systemInfo = isPlainObject(config.system_info) ? config.system_info : {};
  return typeof systemInfo.ssh_svcname === "string" ? systemInfo.ssh_svcname : "ssh";
}
