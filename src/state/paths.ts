// cloud-init's on-disk layout, in one place (cloudinit/helpers.py Paths).
import { createHash } from "node:crypto";

export const CLOUD_DIR = "/var/lib/cloud";
export const RUN_DIR = "/run/cloud-init";
export const INSTANCE_LINK = `${CLOUD_DIR}/instance`;
export const DATA_DIR = `${CLOUD_DIR}/data`;
export const SEED_DIR = `${CLOUD_DIR}/seed`;
export const CONFIG_FILE = "/etc/cloud/cloud.cfg";
export const CONFIG_DIR = "/etc/cloud/cloud.cfg.d";
export const DISABLED_MARKER = "/etc/cloud/cloud-init.disabled";

/** Subdirectories every stage makes sure of (stages.Init._initial_subdirs). */
export const INITIAL_DIRS = [
  CLOUD_DIR,
  `${CLOUD_DIR}/scripts/per-instance`,
  `${CLOUD_DIR}/scripts/per-once`,
  `${CLOUD_DIR}/scripts/per-boot`,
  `${CLOUD_DIR}/scripts/vendor`,
  SEED_DIR,
  `${CLOUD_DIR}/instances`,
  `${CLOUD_DIR}/handlers`,
  `${CLOUD_DIR}/sem`,
  DATA_DIR,
  RUN_DIR,
  `${RUN_DIR}/sem`,
];

/** Longer ids are hashed: a path component may be 255 bytes, and names are built from it. */
const MAX_ID_BYTES = 200;

/**
 * An instance-id as one directory name: "/" becomes "_", as cloud-init does. An id that is
 * empty, "." or "..", holds a control character (NUL, a newline) or is longer than 200 bytes
 * (where cloud-init fails with ENAMETOOLONG) becomes "iid-<the id's first safe characters>-
 * <sha256 of the whole id>": stable across boots, distinct for distinct ids.
 */
export function instanceDirName(instanceId: string): string {
  const name = instanceId.replace(/\//g, "_");
  if (name !== "" && name !== "." && name !== ".." && !/[\x00-\x1f\x7f]/.test(name) && Buffer.byteLength(name) <= MAX_ID_BYTES) return name;
  const readable = name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64);
  return `iid-${readable}-${createHash("sha256").update(instanceId).digest("hex")}`;
}

export function instanceDir(instanceId: string): string {
  return `${CLOUD_DIR}/instances/${instanceDirName(instanceId)}`;
}

export function instancePath(instanceId: string, name: string): string {
  return `${instanceDir(instanceId)}/${name}`;
}
