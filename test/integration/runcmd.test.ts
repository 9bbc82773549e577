// runcmd's script on a full disk, through the built agent: /var/lib/cloud is a small tmpfs in
// a private mount namespace (unshare -m), filled between the init and config stages.
// Finding: the writer left scripts/runcmd.tmp-PID (mode 0700, cut short) and scripts_user ran
// 2,650 of 6,000 commands, the last one cut in half.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { agentCommand, isRoot, makeRoot, writeSeed } from "./root";

let root: string;
let out: string;
beforeEach(() => {
  root = makeRoot();
  out = mkdtempSync(join(tmpdir(), "runcmd-out-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

it.skipIf(!isRoot)("a full disk fails runcmd with the filesystem named; no command runs, no temp is left", () => {
  const commands = Array.from({ length: 6000 }, (_, i) => `  - echo command-${i} >> /var/tmp/ran`).join("\n");
  writeSeed(root, { "meta-data": "instance-id: iid-full\n", "user-data": `#cloud-config\nruncmd:\n${commands}\n` });
  const agent = agentCommand().map((a) => JSON.stringify(a)).join(" ");
  const stage = (args: string) => `${agent} --root "$R" ${args} >> "$O/stages.log" 2>&1; echo $? >> "$O/codes"`;
  const script = [
    'R="$1"; O="$2"; mkdir -p "$O/seed" && cp -a "$R/var/lib/cloud/." "$O/seed/"',
    'mount -t tmpfs -o size=8m tmpfs "$R/var/lib/cloud" && cp -a "$O/seed/." "$R/var/lib/cloud/"',
    stage("init --local"),
    stage("init"),
    // leave 64 KiB: the state of the next stages fits, the 150 KiB script does not
    'cat /dev/zero > "$R/var/lib/cloud/filler" 2>/dev/null; truncate -s -64K "$R/var/lib/cloud/filler"',
    stage("modules --mode=config"),
    stage("modules --mode=final"),
    'ls -A "$R"/var/lib/cloud/instances/*/scripts > "$O/scripts"; find "$R/var/lib/cloud" -name ".*.tmp-*" > "$O/temps"',
  ].join("\n");
  const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", root, out], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  const codes = readFileSync(join(out, "codes"), "utf8").trim().split("\n").map(Number);
  expect(codes.slice(0, 2)).toEqual([0, 0]);
  expect(codes[2]).toBeGreaterThan(0);
  expect(existsSync(join(root, "var/tmp/ran"))).toBe(false);
  expect(readFileSync(join(out, "scripts"), "utf8")).toBe("vendor\n");
  expect(readFileSync(join(out, "temps"), "utf8")).toBe("");
  const log = readFileSync(join(root, "var/log/cloud-init.log"), "utf8");
  expect(log).toMatch(
    new RegExp(`no space left on the tmpfs filesystem mounted at ${root}/var/lib/cloud: writing /var/lib/cloud/instances/iid-full/scripts/runcmd needed \\d{6} bytes, \\d+ available; the previous version is kept`),
  );
}, 120_000);
