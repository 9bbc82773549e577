// Every cloud-config module cloud-agent has, by cloud-init's name. Static imports: a
// single executable cannot scan a folder. test/unit/registry.test.ts checks none is missing.
import type { CloudConfigModule } from "../src/module";
import { aptConfigure } from "./apt-configure";
import { aptPipelining } from "./apt-pipelining";
import { bootcmd } from "./bootcmd";
import { caCerts } from "./ca-certs";
import { diskSetup } from "./disk-setup";
import { finalMessage } from "./final-message";
import { growpart } from "./growpart";
import { grubDpkg } from "./grub-dpkg";
import { keysToConsole } from "./keys-to-console";
import { locale } from "./locale";
import { mounts } from "./mounts";
import { ntp } from "./ntp";
import { packageUpdateUpgradeInstall } from "./package-update-upgrade-install";
import { phoneHome } from "./phone-home";
import { powerStateChange } from "./power-state-change";
import { resizefs } from "./resizefs";
import { resolvConf } from "./resolv-conf";
import { rsyslog } from "./rsyslog";
import { runcmd } from "./runcmd";
import { scriptsPerBoot, scriptsPerInstance, scriptsPerOnce, scriptsUser, scriptsVendor } from "./scripts";
import { seedRandom } from "./seed-random";
import { setHostname } from "./set-hostname";
import { setPasswords } from "./set-passwords";
import { ssh } from "./ssh";
import { sshAuthkeyFingerprints } from "./ssh-authkey-fingerprints";
import { timezone } from "./timezone";
import { updateEtcHosts } from "./update-etc-hosts";
import { updateHostname } from "./update-hostname";
import { usersGroups } from "./users-groups";
import { writeFiles, writeFilesDeferred } from "./write-files";
import { yumAddRepo } from "./yum-add-repo";

export const MODULES: readonly CloudConfigModule[] = [
  aptConfigure,
  aptPipelining,
  bootcmd,
  caCerts,
  diskSetup,
  finalMessage,
  growpart,
  grubDpkg,
  keysToConsole,
  locale,
  mounts,
  ntp,
  packageUpdateUpgradeInstall,
  phoneHome,
  powerStateChange,
  resizefs,
  resolvConf,
  rsyslog,
  runcmd,
  scriptsPerBoot,
  scriptsPerInstance,
  scriptsPerOnce,
  scriptsUser,
  scriptsVendor,
  seedRandom,
  setHostname,
  setPasswords,
  ssh,
  sshAuthkeyFingerprints,
  timezone,
  updateEtcHosts,
  updateHostname,
  usersGroups,
  writeFiles,
  writeFilesDeferred,
  yumAddRepo,
];

/** Finds a module by any spelling cloud.cfg uses: "write-files", "cc_write_files", "write_files.py". */
export function moduleByName(name: string): CloudConfigModule | undefined {
  const normal = normalModuleName(name);
  return MODULES.find((m) => m.name === normal);
}

export function normalModuleName(name: string): string {
  return name.trim().replace(/\.py$/, "").replace(/^cc_/, "").replace(/-/g, "_");
}
