// Every cloud-config module cloud-agent has, by cloud-init's name. Static imports: a
// single executable cannot scan a folder. test/unit/registry.test.ts checks none is missing.
import type { CloudConfigModule } from "../src/module";
import { bootcmd } from "./bootcmd";
import { finalMessage } from "./final-message";
import { growpart } from "./growpart";
import { resizefs } from "./resizefs";
import { runcmd } from "./runcmd";
import { scriptsPerBoot, scriptsPerInstance, scriptsPerOnce, scriptsUser, scriptsVendor } from "./scripts";
import { setHostname } from "./set-hostname";
import { setPasswords } from "./set-passwords";
import { ssh } from "./ssh";
import { timezone } from "./timezone";
import { updateEtcHosts } from "./update-etc-hosts";
import { updateHostname } from "./update-hostname";
import { usersGroups } from "./users-groups";
import { writeFiles, writeFilesDeferred } from "./write-files";

export const MODULES: readonly CloudConfigModule[] = [
  bootcmd,
  finalMessage,
  growpart,
  resizefs,
  runcmd,
  scriptsPerBoot,
  scriptsPerInstance,
  scriptsPerOnce,
  scriptsUser,
  scriptsVendor,
  setHostname,
  setPasswords,
  ssh,
  timezone,
  updateEtcHosts,
  updateHostname,
  usersGroups,
  writeFiles,
  writeFilesDeferred,
];

/** Finds a module by any spelling cloud.cfg uses: "write-files", "cc_write_files", "write_files.py". */
export function moduleByName(name: string): CloudConfigModule | undefined {
  const normal = normalModuleName(name);
  return MODULES.find((m) => m.name === normal);
}

export function normalModuleName(name: string): string {
  return name.trim().replace(/\.py$/, "").replace(/^cc_/, "").replace(/-/g, "_");
}
