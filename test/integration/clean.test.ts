// clean --reboot in a throwaway root: the clean happens either way; a reboot that cannot
// happen says why and exits non-zero (it used to exit 1 without a word).
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { agent, makeRoot } from "./root";

let root: string;
beforeEach(() => {
  root = makeRoot();
  mkdirSync(join(root, "var/lib/cloud/instances/i-1"), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it("with no shutdown in the image: cleaned, not rebooted, and it says so", () => {
  const r = agent(root, ["clean", "--reboot"]);
  expect([r.code, r.stderr]).toEqual([1, "Error: --reboot: no shutdown command in this image; cleaned, but not rebooted\n"]);
  expect(existsSync(join(root, "var/lib/cloud/instances"))).toBe(false);
});

it("a shutdown that fails: its exit code and its message", () => {
  mkdirSync(join(root, "sbin"));
  writeFileSync(join(root, "sbin/shutdown"), "#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n");
  chmodSync(join(root, "sbin/shutdown"), 0o755);
  const r = agent(root, ["clean", "--reboot"]);
  expect([r.code, r.stderr]).toEqual([1, "Error: --reboot: shutdown -r now exited with 1: Failed to connect to bus\n"]);
});

it("a shutdown that works: exit 0, with the arguments cloud-init passes", () => {
  mkdirSync(join(root, "sbin"));
  writeFileSync(join(root, "sbin/shutdown"), '#!/bin/sh\necho "$@" > /var/tmp/shutdown-args\n');
  chmodSync(join(root, "sbin/shutdown"), 0o755);
  expect(agent(root, ["clean", "--reboot"]).code).toBe(0);
  expect(readFileSync(join(root, "var/tmp/shutdown-args"), "utf8")).toBe("-r now\n");
});
