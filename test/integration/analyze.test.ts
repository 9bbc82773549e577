// cloud-init.log as cloud-init's tools read it: Debian's cloud-init 22.4.2 `analyze` (in a
// Debian root with that package) reads the log a boot by the built agent wrote, and our own
// `analyze` gives the same stages, events and order.
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent, boot, makeRoot, writeSeed } from "./root";

const unsupported = bootUnsupported();

describe.skipIf(unsupported)("cloud-init's analyze on cloud-agent's log", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let ci: any;
  let root: string;
  const theirs = (...args: string[]) => spawnSync("chroot", [ci.root, "cloud-init", "analyze", ...args, "-i", "/var/tmp/agent.log"], { encoding: "utf8" });
  beforeAll(() => {
    root = makeRoot();
    writeSeed(root, { "meta-data": "instance-id: iid-analyze\n", "user-data": "#cloud-config\nruncmd: [true]\n" });
    boot(root);
    ci = prepareMachine("cloud-init");
    copyFileSync(join(root, "var/log/cloud-init.log"), join(ci.root, "var/tmp/agent.log"));
  }, 300_000);
  afterAll(() => {
    ci?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it("blame lists the datasource search and every module that ran, with its time", () => {
    const r = theirs("blame");
    expect(r.status, r.stderr).toBe(0);
    const events = [...r.stdout.matchAll(/^\s+\d+\.\d+s \(([^)]+)\)$/gm)].map((m) => m[1]).sort();
    expect(events).toContain("init-local/search-NoCloud");
    for (const event of ["init-network/config-users_groups", "modules-config/config-runcmd", "modules-final/config-scripts_user", "modules-final/config-final_message"]) expect(events).toContain(event);
    expect(r.stdout).toContain("1 boot records analyzed");
  });

  it("show has the four stages, each started and finished", () => {
    const r = theirs("show");
    expect(r.status, r.stderr).toBe(0);
    expect([...r.stdout.matchAll(/^Starting stage: (\S+)$/gm)].map((m) => m[1])).toEqual(["init-local", "init-network", "modules-config", "modules-final"]);
    expect([...r.stdout.matchAll(/^Finished stage: \((\S+)\) [\d.]+ seconds$/gm)].map((m) => m[1])).toEqual(["init-local", "init-network", "modules-config", "modules-final"]);
  });

  it("our analyze show and blame print what cloud-init's prints for the same log; dump has the same events", () => {
    for (const sub of ["show", "blame"]) expect(agent(root, ["analyze", sub]).stdout).toBe(theirs(sub).stdout);
    const events = (text: string) => (JSON.parse(text) as Record<string, unknown>[]).map(({ timestamp: _t, ...rest }) => rest);
    expect(events(agent(root, ["analyze", "dump"]).stdout)).toEqual(events(theirs("dump").stdout));
  });

  it("-i reads another log, -o writes the report to a file; a missing log is an error", () => {
    expect(agent(root, ["analyze", "blame", "-i", "/var/log/cloud-init.log", "-o", "/var/tmp/blame.txt"]).code).toBe(0);
    expect(readFileSync(join(root, "var/tmp/blame.txt"), "utf8")).toBe(theirs("blame").stdout);
    expect(agent(root, ["analyze", "show", "-i", "/var/tmp/none.log"])).toMatchObject({ code: 1, stderr: "Error: /var/tmp/none.log does not exist\n" });
  });
});
