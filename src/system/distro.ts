// Distro differences as data, looked up once from /etc/os-release and system_info.
import type { Host } from "../host/host";

export interface Distro {
  /** cloud-init's distro name: debian, ubuntu, rhel, centos, fedora, ... */
  name: string;
  family: "debian" | "rhel" | "other";
  version: string;
  release: string;
  /** /etc/hostname holds the FQDN (RHEL) or the short name (Debian) unless configured. */
  preferFqdnDefault: boolean;
  /** The address /etc/hosts gives this machine's own names. */
  hostsAddress: "127.0.1.1" | "127.0.0.1";
  /** /etc/cloud/templates/hosts.<this>.tmpl */
  hostsTemplate: "debian" | "redhat";
}

/** cloud-init's distro names by OS family (its distros.OSFAMILIES). */
export const OS_FAMILIES: Record<string, string[]> = {
  alpine: ["alpine"],
  arch: ["arch"],
  debian: ["debian", "ubuntu"],
  freebsd: ["freebsd", "dragonfly"],
  gentoo: ["gentoo", "cos"],
  netbsd: ["netbsd"],
  openbsd: ["openbsd"],
  redhat: ["almalinux", "amazon", "centos", "cloudlinux", "eurolinux", "fedora", "mariner", "miraclelinux", "openmandriva", "photon", "rhel", "rocky", "virtuozzo"],
  suse: ["opensuse", "opensuse-leap", "opensuse-microos", "opensuse-tumbleweed", "sle_hpc", "sle-micro", "sles"],
  openeuler: ["openeuler"],
  OpenCloudOS: ["OpenCloudOS", "TencentOS"],
};

// Oracle Linux's os-release ID is "ol"; cloud-init names it rhel-like through ID_LIKE
const RHEL_LIKE = [...OS_FAMILIES.redhat, "ol"];

export function readOsRelease(host: Host): Record<string, string> {
  const text = host.readTextIfExists("/etc/os-release") ?? host.readTextIfExists("/usr/lib/os-release") ?? "";
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, "");
  }
  return out;
}

export function detectDistro(host: Host, systemInfo: Record<string, unknown> | undefined): Distro {
  const os = readOsRelease(host);
  const configured = typeof systemInfo?.distro === "string" ? systemInfo.distro : undefined;
  const name = (os.ID ?? configured ?? "debian").toLowerCase();
  const like = `${name} ${os.ID_LIKE ?? ""}`.split(/\s+/);
  const family = like.some((n) => n === "debian" || n === "ubuntu")
    ? "debian"
    : like.some((n) => RHEL_LIKE.includes(n))
      ? "rhel"
      : "other";
  const rhel = family === "rhel";
  return {
    name,
    family,
    version: os.VERSION_ID ?? "",
    release: os.VERSION_CODENAME ?? "",
    preferFqdnDefault: rhel,
    hostsAddress: family === "debian" ? "127.0.1.1" : "127.0.0.1",
    hostsTemplate: rhel ? "redhat" : "debian",
  };
}
