// The machine's NICs as /sys/class/net shows them (under the root), for matching a config's
// MACs to kernel names and for choosing the fallback NIC.
import type { Host } from "../host/host";
import type { MachineNic } from "./fallback";

const SYS_NET = "/sys/class/net";

export function readMachineNics(host: Host): MachineNic[] {
  return host.list(SYS_NET).map((name) => {
    const attr = (key: string) => readAttribute(host, `${SYS_NET}/${name}/${key}`);
    const driver = host.readlink(`${SYS_NET}/${name}/device/driver`)?.split("/").pop();
    // no backing device: a bridge, bond, veth or tunnel the kernel or a tool made
    const virtual = !host.exists(`${SYS_NET}/${name}/device`) || attr("type") !== "1";
    return { name, mac: attr("address")?.toLowerCase(), carrier: attr("carrier") === "1", dormant: attr("dormant") === "1", operstate: attr("operstate"), driver, virtual };
  });
}

/** A sysfs attribute; reading carrier of a NIC that is down fails with EINVAL, read as absent. */
function readAttribute(host: Host, path: string): string | undefined {
  try {
    return host.readTextIfExists(path)?.trim();
  } catch {
    return undefined;
  }
}
