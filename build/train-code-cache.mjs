// Trains the code cache build/sea-main.js runs the bundle with: the target runtime runs the
// agent through a first and a warm boot of a throwaway root on the sample seed (the four
// stages, then `status`), each command starting from the cache the one before wrote, so the
// cache ends holding every function those boots compiled. Commands a root that holds only a
// few tools cannot run (or a build without root cannot chroot into) fail; what ran is cached.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeMinimalRoot } from "./minimal-root.mjs";
import { SAMPLE_SEED } from "./sample-seed.mjs";

const BOOT = [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]];
const COMMANDS = [...BOOT, ...BOOT, ["status", "--long"]];

/**
 * @param {{ runtime: string, flags: string[], exec: string[], loader: string, bundle: string, cache: string, defaultConfig: string }} target
 *   flags: the runtime's flags in the executable (a cache made under others is rejected);
 *   exec: how a program of the target's architecture runs here (qemu-user for arm64)
 */
export function trainCodeCache({ runtime, flags, exec, loader, bundle, cache, defaultConfig }) {
  rmSync(cache, { force: true });
  const root = makeMinimalRoot(defaultConfig);
  try {
    const seed = join(root, "var/lib/cloud/seed/nocloud");
    mkdirSync(seed, { recursive: true });
    for (const [name, text] of Object.entries(SAMPLE_SEED)) writeFileSync(join(seed, name), text);
    for (const args of COMMANDS) {
      const argv = [...exec, runtime, ...flags, loader, "--root", root, ...args];
      const r = spawnSync(argv[0], argv.slice(1), {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CLOUD_AGENT_BUNDLE: bundle, CLOUD_AGENT_CODE_CACHE: cache },
        stdio: "ignore",
        timeout: 120_000,
      });
      if (r.error) throw new Error(`training the code cache: ${args.join(" ")}: ${r.error.message}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
