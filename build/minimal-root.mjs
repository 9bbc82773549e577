// A throwaway root holding just enough real programs for the agent to chroot into and run
// user commands: dash as /bin/sh, a few coreutils, their shared libraries, and /etc basics.
// Used by the integration tests and by `npm run demo`.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const TOOLS = { "/bin/sh": "/bin/dash", "/bin/cat": "/bin/cat", "/bin/sleep": "/bin/sleep", "/bin/false": "/bin/false", "/bin/true": "/bin/true", "/bin/id": "/usr/bin/id" };

/** @param {string} defaultConfig path of the cloud.cfg to install as /etc/cloud/cloud.cfg */
export function makeMinimalRoot(defaultConfig) {
  const root = mkdtempSync(join(tmpdir(), "cloud-agent-root-"));
  for (const [inside, outside] of Object.entries(TOOLS)) copyWithLibraries(root, outside, inside);
  for (const dir of ["etc/cloud/cloud.cfg.d", "proc", "var/tmp", "tmp"]) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\ndaemon:x:1:\nadm:x:4:\n");
  writeFileSync(join(root, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  writeFileSync(join(root, "proc/cmdline"), "ro quiet\n");
  copyFileSync(defaultConfig, join(root, "etc/cloud/cloud.cfg"));
  return root;
}

function copyWithLibraries(root, outside, inside) {
  copyInto(root, outside, inside);
  const ldd = execFileSync("ldd", [outside], { encoding: "utf8" });
  for (const m of ldd.matchAll(/(\/[^\s]+) \(0x/g)) copyInto(root, m[1], m[1]);
}

function copyInto(root, from, to) {
  const target = join(root, to);
  mkdirSync(dirname(target), { recursive: true });
  if (!existsSync(target)) copyFileSync(from, target);
  chmodSync(target, 0o755);
}
