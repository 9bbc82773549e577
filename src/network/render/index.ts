// The renderers by cloud-init's names, what each needs on the image, and the choice among them.
import { renderEni } from "./eni";
import { renderNetplan } from "./netplan";
import { renderNetworkd } from "./networkd";
import { renderNetworkManager } from "./networkmanager";
import { renderSysconfig } from "./sysconfig";
import type { Renderer } from "./common";

export type { RenderOptions, RenderedFile, Renderer } from "./common";

export const RENDERERS: Record<string, Renderer> = {
  eni: renderEni,
  networkd: renderNetworkd,
  netplan: renderNetplan,
  "network-manager": renderNetworkManager,
  sysconfig: renderSysconfig,
};

/** What an image must have for a renderer to be usable, as cloud-init's `available()` checks:
 * every program found in one of `searchPath`, and every path present. Detection is the caller's. */
export interface RendererRequirements {
  programs: string[];
  searchPath: string[];
  files: string[];
  directories: string[];
}

export const RENDERER_REQUIREMENTS: Record<string, RendererRequirements> = {
  eni: { programs: ["ifquery", "ifup", "ifdown"], searchPath: ["/sbin", "/usr/sbin"], files: ["/etc/network/interfaces"], directories: [] },
  networkd: { programs: ["ip", "systemctl"], searchPath: ["/usr/sbin", "/bin"], files: ["/lib/systemd/systemd-networkd"], directories: [] },
  netplan: { programs: ["netplan"], searchPath: ["/usr/sbin", "/sbin"], files: [], directories: [] },
  "network-manager": { programs: ["nmcli", "NetworkManager"], searchPath: ["/usr/bin", "/usr/sbin", "/bin", "/sbin"], files: ["/etc/NetworkManager/NetworkManager.conf"], directories: [] },
  sysconfig: { programs: ["ifup", "ifdown"], searchPath: ["/sbin", "/usr/sbin"], files: [], directories: ["/etc/sysconfig/network-scripts"] },
};

/** cloud-init's default order when system_info.network.renderers is not set. */
export const DEFAULT_RENDERER_ORDER = ["eni", "sysconfig", "netplan", "network-manager", "networkd"];

/** The first name in `preference` that is a known renderer and available; undefined when none is. */
export function chooseRenderer(preference: string[], available: (name: string) => boolean): string | undefined {
  return preference.find((name) => name in RENDERERS && available(name));
}
