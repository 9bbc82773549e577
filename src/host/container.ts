// Whether the guest is a container, decided as systemd decides it: the name systemd records
// in /run/systemd/container, or `container=` in PID 1's environment (what nspawn, LXD and
// podman set). No systemd-detect-virt process: the stages read two small files instead.
import type { Host } from "./host";

/** The container manager's name ("systemd-nspawn", "lxc", ...), or undefined on a machine of its own. */
export function containerName(host: Host): string | undefined {
  const recorded = host.readTextIfExists("/run/systemd/container");
  if (recorded) return recorded.trim() || "container";
  const entry = (host.readTextIfExists("/proc/1/environ") ?? "").split("\0").find((e) => e.startsWith("container="));
  return entry === undefined ? undefined : entry.slice("container=".length) || "container";
}
