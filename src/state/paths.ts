// cloud-init's on-disk layout, in one place (cloudinit/helpers.py Paths).
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

/** An instance-id as a directory name: cloud-init replaces "/" with "_". */
export function instanceDir(instanceId: string): string {
  return `${CLOUD_DIR}/instances/${instanceId.replace(/\//g, "_")}`;
}

export function instancePath(instanceId: string, name: string): string {
  return `${instanceDir(instanceId)}/${name}`;
}
