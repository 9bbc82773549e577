// clean in a throwaway root: it waits for a running stage (the root's lock); with --reboot,
// the clean happens either way, and a reboot that cannot happen says why and exits non-zero
// (it used to exit 1 without a word).
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { agent, agentAsync, finished, lines, makeRoot, writeSeed } from "./root";

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

it("waits for a running stage, naming it, and removes what the stage wrote only once it is done", async () => {
  writeSeed(root, { "meta-data": "instance-id: iid-clean\n", "user-data": "#cloud-config\nruncmd: ['sleep 2', 'echo run >> /var/tmp/run.log']\n" });
  for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"]]) expect(agent(root, args).code).toBe(0);
  const final = finished(agentAsync(root, ["modules", "--mode=final"]));
  await new Promise((r) => setTimeout(r, 700));
  const cleaned = await finished(agentAsync(root, ["clean"]));
  expect(cleaned.code).toBe(0);
  expect(cleaned.stderr).toMatch(/^waiting for cloud-agent pid \d+ \(stage modules-final\) to finish with this root \(\/run\/cloud-init\/cloud-agent.lock\)\n$/);
  expect((await final).code).toBe(0);
  expect(lines(root, "var/tmp/run.log")).toEqual(["run"]);
  // nothing the stage wrote at its end (status.json, result.json, boot-finished) outlives the clean
  expect(readdirSync(join(root, "var/lib/cloud"))).toEqual(["seed"]);
}, 30_000);
