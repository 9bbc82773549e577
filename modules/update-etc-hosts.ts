// update_etc_hosts: with `manage_etc_hosts: true` /etc/hosts is rendered every boot from
// /etc/cloud/templates/hosts.<family>.tmpl (or the built-in equivalent); with "localhost"
// only this machine's own line is kept right; false leaves the file alone.
import type { CloudConfigModule } from "../src/module";
import { currentHostname, resolveNames, type Names } from "../src/system/hostname";
import type { Distro } from "../src/system/distro";
import { renderJinja } from "../src/userdata/jinja";

export const updateEtcHosts: CloudConfigModule = {
  name: "update_etc_hosts",
  frequency: "always",
  idempotent: true,
  distros: "all",
  activateBy: ["manage_etc_hosts"],
  schema: { properties: { manage_etc_hosts: { oneOf: [{ type: "boolean" }, { enum: ["template", "localhost"] }] } } },
  async run({ host, config, instance, distro, log }) {
    const mode = String(config.manage_etc_hosts).toLowerCase();
    if (["false", "no", "off", "0"].includes(mode)) return { skipped: "manage_etc_hosts is false" };
    const names = resolveNames(config, instance, currentHostname(host));
    if (mode === "localhost") {
      host.writeAtomic("/etc/hosts", withOwnLine(host.readTextIfExists("/etc/hosts") ?? "", distro.hostsAddress, names));
      return;
    }
    if (mode === "template") log.deprecated("manage_etc_hosts: template is deprecated; use true");
    const template = host.readTextIfExists(`/etc/cloud/templates/hosts.${distro.hostsTemplate}.tmpl`);
    const text = template ? renderJinja(template.replace(/^## template: *jinja[^\n]*\n/i, "## template: jinja\n"), { ...names }).text : builtinHosts(distro, names);
    host.writeAtomic("/etc/hosts", text);
  },
};

/** The entries of cloud-init's hosts templates for the distro family. */
export function builtinHosts(distro: Distro, { fqdn, hostname }: Names): string {
  const header = "# Written by cloud-agent at every boot because manage_etc_hosts is true.\n# Edit /etc/cloud/templates/hosts." + `${distro.hostsTemplate}.tmpl, or turn manage_etc_hosts off, to change it.\n`;
  if (distro.hostsTemplate === "redhat") {
    return `${header}127.0.0.1 ${fqdn} ${hostname}\n127.0.0.1 localhost.localdomain localhost\n127.0.0.1 localhost4.localdomain4 localhost4\n\n::1 ${fqdn} ${hostname}\n::1 localhost.localdomain localhost\n::1 localhost6.localdomain6 localhost6\n`;
  }
  return `${header}127.0.1.1 ${fqdn} ${hostname}\n127.0.0.1 localhost\n\n::1 localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n`;
}

/** "localhost" mode: the address's lines move to the end, with "fqdn hostname" first. */
export function withOwnLine(text: string, address: string, { fqdn, hostname }: Names): string {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const mine = (l: string) => l.trim().split(/\s+/)[0] === address;
  const present = lines.some((l) => mine(l) && l.trim().split(/\s+/)[1] === fqdn && l.includes(hostname));
  if (present) return `${lines.join("\n")}\n`;
  const others = lines.filter((l) => !mine(l));
  const aliases = [fqdn, ...(hostname !== fqdn ? [hostname] : [])];
  const kept = lines.filter(mine).flatMap((l) => l.trim().split(/\s+/).slice(1)).filter((n) => !aliases.includes(n));
  return `${[...others, `${address}\t${[...aliases, ...kept].join("\t")}`].join("\n")}\n`;
}
