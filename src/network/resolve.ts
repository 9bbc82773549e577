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
export function resolveInterfaces(config: NetworkModel, nics: KernelNic[]): Resolved {
  const model = withPatternsExpanded(config, nics);
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

/**
 * A v2 match by name pattern ("en*", KubeVirt's and Ubuntu's habit) stands for every NIC it
 * matches: each becomes an interface by its kernel name (ifupdown and sysconfig cannot match
 * by pattern), and the entry's id, where bonds or vlans use it, means the first of them.
 */
function withPatternsExpanded(model: NetworkModel, nics: KernelNic[]): NetworkModel {
  const idToName = new Map<string, string>();
  const interfaces = model.interfaces.flatMap((iface): NetInterface[] => {
    if (iface.type !== "physical" || !iface.matchName || iface.mac) return [iface];
    const pattern = globPattern(iface.matchName);
    const matched = nics.filter((nic) => pattern.test(nic.name)).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
    if (!matched.length) throw new Error(`network config ${iface.name} matches no NIC of this machine (name ${iface.matchName})`);
    const { matchName: _pattern, ...concrete } = iface;
    // a set-name can name one NIC only: the first match is renamed, as netplan would
    if (iface.rename) return [{ ...concrete, mac: matched[0].mac.toLowerCase() }];
    idToName.set(iface.name, matched[0].name);
    return matched.map((nic) => ({ ...concrete, name: nic.name, rename: false }));
  });
  if (!idToName.size) return { ...model, interfaces };
  const rename = (name: string) => idToName.get(name) ?? name;
  return {
    ...model,
    interfaces: interfaces.map((iface): NetInterface => {
      if (iface.type === "vlan") return { ...iface, link: rename(iface.link) };
      if (iface.type === "bond" || iface.type === "bridge") return { ...iface, members: iface.members.map(rename) } as NetInterface;
      return iface;
    }),
  };
}

/** netplan's fnmatch-style name pattern: * ? and [...] classes. */
function globPattern(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}
