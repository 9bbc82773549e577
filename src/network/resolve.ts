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
  /** One message per interface left out because the machine has no NIC with its MAC (an error
   * to report: the rest of the config is applied). */
  missing: string[];
  /** v2 entries whose name match found no NIC: inert, as netplan leaves them. */
  unmatched: string[];
}

/** Gives every interface found by MAC its kernel name (or lists the renames the config asks
 * for), and fixes the references to it. An interface whose NIC is absent is left out with what
 * is built only on it; throws when that leaves nothing to configure. */
export function resolveInterfaces(config: NetworkModel, nics: KernelNic[]): Resolved {
  const { model: expanded, unmatched } = withPatternsExpanded(config, nics);
  const byMac = new Map(nics.map((nic) => [nic.mac.toLowerCase(), nic.name]));
  const absent = expanded.interfaces.filter((iface) => iface.type === "physical" && iface.mac && !byMac.has(iface.mac));
  const missing = absent.map((iface) => `network config names a MAC this machine does not have: ${iface.mac} (${iface.name}); it is left out`);
  const model = withoutInterfaces(expanded, [...absent.map((iface) => iface.name), ...unmatched]);
  if (!model.interfaces.length && expanded.interfaces.length) {
    const macs = absent.map((iface) => `${iface.mac} (${iface.name})`);
    throw new Error(macs.length ? `network config names ${macs.length === 1 ? "a MAC" : "MACs"} this machine does not have: ${macs.join(", ")}` : "network config matches no NIC of this machine");
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
    return { ...iface, name, members: iface.members.map(rename), params: iface.type === "bond" ? withMembersRenamed(iface.params, rename) : iface.params } as NetInterface;
  });
  return { model: { ...model, interfaces }, renames, missing, unmatched };
}

/** The model without the named interfaces and what is built on them alone: a vlan on one, a
 * bond or bridge whose every member is gone; members and references to them dropped. */
function withoutInterfaces(model: NetworkModel, names: string[]): NetworkModel {
  const gone = new Set(names);
  let interfaces = model.interfaces;
  for (let before = -1; before !== gone.size; ) {
    before = gone.size;
    for (const iface of interfaces) {
      const parts = iface.type === "vlan" ? [iface.link] : iface.type === "physical" ? [] : iface.members;
      if (parts.length && parts.every((part) => gone.has(part))) gone.add(iface.name);
    }
  }
  if (!gone.size) return model;
  interfaces = interfaces.filter((iface) => !gone.has(iface.name)).map((iface): NetInterface => {
    if (iface.type !== "bond" && iface.type !== "bridge") return iface;
    const members = iface.members.filter((m) => !gone.has(m));
    if (iface.type === "bridge") return { ...iface, members };
    // a bond's primary must be one of its members
    const params = Object.fromEntries(Object.entries(iface.params).filter(([key, value]) => !((key === "primary" || key === "active_slave") && gone.has(value as string))));
    return { ...iface, members, params };
  });
  return { ...model, interfaces };
}

/**
 * A v2 match by name pattern ("en*", KubeVirt's and Ubuntu's habit) stands for every NIC it
 * matches: each becomes an interface by its kernel name (ifupdown and sysconfig cannot match
 * by pattern), and the entry's id, where bonds or vlans use it, means the first of them.
 */
function withPatternsExpanded(model: NetworkModel, nics: KernelNic[]): { model: NetworkModel; unmatched: string[] } {
  const idToName = new Map<string, string>();
  const unmatched: string[] = [];
  const interfaces = model.interfaces.flatMap((iface): NetInterface[] => {
    if (iface.type !== "physical" || !iface.matchName || iface.mac) return [iface];
    const pattern = globPattern(iface.matchName);
    const matched = nics.filter((nic) => pattern.test(nic.name)).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
    if (!matched.length) {
      // kept (for what refers to it) until withoutInterfaces leaves it out
      unmatched.push(iface.name);
      return [iface];
    }
    const { matchName: _pattern, ...concrete } = iface;
    // a set-name can name one NIC only: the first match is renamed, as netplan would
    if (iface.rename) return [{ ...concrete, mac: matched[0].mac.toLowerCase() }];
    idToName.set(iface.name, matched[0].name);
    return matched.map((nic) => ({ ...concrete, name: nic.name, rename: false }));
  });
  if (!idToName.size) return { model: { ...model, interfaces }, unmatched };
  const rename = (name: string) => idToName.get(name) ?? name;
  const renamed = interfaces.map((iface): NetInterface => {
    if (iface.type === "vlan") return { ...iface, link: rename(iface.link) };
    if (iface.type === "bond" || iface.type === "bridge") return { ...iface, members: iface.members.map(rename) } as NetInterface;
    return iface;
  });
  return { model: { ...model, interfaces: renamed }, unmatched };
}

/** netplan's fnmatch-style name pattern: * ? and [...] classes. */
function globPattern(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}

/** Bond options that name a member (which port is primary, which starts active) follow its rename. */
function withMembersRenamed(params: Record<string, unknown>, rename: (name: string) => string): Record<string, unknown> {
  const out = { ...params };
  for (const key of ["primary", "active_slave"]) if (typeof out[key] === "string") out[key] = rename(out[key] as string);
  return out;
}
