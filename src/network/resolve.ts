// Interfaces in a config are found by MAC; here they meet the NICs the kernel named.
import type { NetInterface, NetworkModel } from "./model";

export interface KernelNic {
  name: string;
  mac: string;
}

/** A NIC the config renames: `ip link set <from> name <to>` before the config applies. */
export interface Rename {
  mac: string;
  from: string;
  to: string;
}

export interface Resolved {
  model: NetworkModel;
  renames: Rename[];
}

/** Gives every interface found by MAC its kernel name (or lists the renames the config asks
 * for), and fixes the references to it. Throws naming every MAC the machine lacks. */
export function resolveInterfaces(model: NetworkModel, nics: KernelNic[]): Resolved {
  const byMac = new Map(nics.map((nic) => [nic.mac.toLowerCase(), nic.name]));
  const missing = model.interfaces.filter((iface) => iface.type === "physical" && iface.mac && !byMac.has(iface.mac));
  if (missing.length) {
    const list = missing.map((iface) => `${iface.mac} (${iface.name})`).join(", ");
    throw new Error(`network config names ${missing.length === 1 ? "a MAC" : "MACs"} this machine does not have: ${list}`);
  }
  const newName = new Map<string, string>();
  const renames: Rename[] = [];
  for (const iface of model.interfaces) {
    if (iface.type !== "physical" || !iface.mac) continue;
    const kernelName = byMac.get(iface.mac) as string;
    if (!iface.rename) newName.set(iface.name, kernelName);
    else if (kernelName !== iface.name) renames.push({ mac: iface.mac, from: kernelName, to: iface.name });
  }
  const rename = (name: string) => newName.get(name) ?? name;
  const interfaces = model.interfaces.map((iface): NetInterface => {
    const name = rename(iface.name);
    if (iface.type === "physical") return { ...iface, name };
    if (iface.type === "vlan") {
      // A vlan named after its provisional parent (OpenStack's <link>.<id>) follows the parent.
      const followsLink = iface.name === `${iface.link}.${iface.id}`;
      return { ...iface, name: followsLink ? `${rename(iface.link)}.${iface.id}` : name, link: rename(iface.link) };
    }
    const params = iface.type === "bond" && typeof iface.params.primary === "string" ? { ...iface.params, primary: rename(iface.params.primary) } : iface.params;
    return { ...iface, name, members: iface.members.map(rename), params } as NetInterface;
  });
  return { model: { ...model, interfaces }, renames };
}
