// Processing user-data again on a warm boot is skipped only when it would write the same
// files: on a real root, each way the inputs or the written files can change makes the next
// processing run again, and what it depended on beyond the recorded inputs (an #include, a
// boothook, a warning) keeps it from being skipped at all.
import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstanceData } from "../../src/datasources/types";
import { Host } from "../../src/host/host";
import { LogFiles } from "../../src/log/logger";
import { consumeUserData } from "../../src/stages/consume";
import { stageEnv } from "../../src/stages/env";
import { isRoot, makeRoot } from "./root";

let root: string;
const INSTANCE = "var/lib/cloud/instances/iid-rec";
const SKIPPED = "user-data and vendor-data unchanged since they were processed on an earlier boot";

beforeEach(() => {
  // a shell in the root: boothooks run through chroot
  root = makeRoot();
  for (const dir of ["etc/cloud", "run/cloud-init", INSTANCE, "var/lib/cloud/data", "var/log", "proc"]) fs.mkdirSync(join(root, dir), { recursive: true });
  fs.writeFileSync(join(root, "etc/cloud/cloud.cfg"), "datasource_list: [NoCloud]\n");
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function instance(userData: string, vendorData?: string): InstanceData {
  return {
    datasource: "NoCloud",
    description: "DataSourceNoCloud [seed=/x]",
    instanceId: "iid-rec",
    publicKeys: [],
    metadata: {},
    userData: Buffer.from(userData),
    vendorData: vendorData === undefined ? undefined : Buffer.from(vendorData),
    dsmode: "net",
    platform: "nocloud",
    subplatform: "seed-dir (/x)",
    cloudName: "nocloud",
    ds: {},
  };
}

/** One network stage's processing; returns whether it was skipped and what the log said. */
async function consume(data: InstanceData): Promise<{ skipped: boolean; log: string }> {
  const logFile = join(root, "var/log/cloud-init.log");
  fs.writeFileSync(logFile, "");
  const host = new Host({ root });
  const logFiles = new LogFiles(host);
  await consumeUserData(stageEnv(host, { echo: false, logFiles }), data);
  logFiles.close();
  const log = fs.readFileSync(logFile, "utf8");
  return { skipped: log.includes(SKIPPED), log };
}

const read = (p: string) => fs.readFileSync(join(root, p), "utf8");
const CONFIG = "#cloud-config\nruncmd: [echo hi]\n";
const SCRIPT = "Content-Type: multipart/mixed; boundary=XX\nMIME-Version: 1.0\n\n--XX\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho part\n--XX\nContent-Type: text/cloud-config\n\nhostname: rec\n--XX--\n";

describe.skipIf(!isRoot)("user-data processing on a warm boot", () => {
  it("is skipped when nothing changed, and leaves the files as they were", async () => {
    expect((await consume(instance(SCRIPT))).skipped).toBe(false);
    const before = read(`${INSTANCE}/cloud-config.txt`);
    expect(fs.readdirSync(join(root, INSTANCE, "scripts"))).toContain("part-001");
    const again = await consume(instance(SCRIPT));
    expect(again.skipped).toBe(true);
    expect(read(`${INSTANCE}/cloud-config.txt`)).toBe(before);
    expect(read(`${INSTANCE}/scripts/part-001`)).toContain("echo part");
  });

  it("runs again when user-data, vendor-data or the image's vendor_data setting changed", async () => {
    await consume(instance(CONFIG));
    expect((await consume(instance("#cloud-config\nruncmd: [echo other]\n"))).skipped).toBe(false);
    expect(read(`${INSTANCE}/cloud-config.txt`)).toContain("echo other");
    expect((await consume(instance("#cloud-config\nruncmd: [echo other]\n", "#cloud-config\nbootcmd: [true]\n"))).skipped).toBe(false);
    expect(read(`${INSTANCE}/vendor-cloud-config.txt`)).toContain("bootcmd");
    fs.writeFileSync(join(root, "etc/cloud/cloud.cfg"), "datasource_list: [NoCloud]\nvendor_data: {enabled: false}\n");
    expect((await consume(instance("#cloud-config\nruncmd: [echo other]\n", "#cloud-config\nbootcmd: [true]\n"))).skipped).toBe(false);
    expect(read(`${INSTANCE}/vendor-cloud-config.txt`)).not.toContain("bootcmd");
  });

  it("runs again when a file it wrote was changed or removed, or a stale part appeared", async () => {
    await consume(instance(SCRIPT));
    fs.appendFileSync(join(root, INSTANCE, "cloud-config.txt"), "bootcmd: [evil]\n");
    expect((await consume(instance(SCRIPT))).skipped).toBe(false);
    expect(read(`${INSTANCE}/cloud-config.txt`)).not.toContain("evil");
    fs.rmSync(join(root, INSTANCE, "scripts/part-001"));
    expect((await consume(instance(SCRIPT))).skipped).toBe(false);
    expect(fs.existsSync(join(root, INSTANCE, "scripts/part-001"))).toBe(true);
    fs.writeFileSync(join(root, INSTANCE, "scripts/part-002"), "#!/bin/sh\necho stale\n");
    expect((await consume(instance(SCRIPT))).skipped).toBe(false);
    expect(fs.existsSync(join(root, INSTANCE, "scripts/part-002"))).toBe(false);
    // another module's file among the scripts (runcmd) is not the processing's
    fs.writeFileSync(join(root, INSTANCE, "scripts/runcmd"), "#!/bin/sh\n");
    expect((await consume(instance(SCRIPT))).skipped).toBe(true);
  });

  it("runs again when a template's instance data changed, and not when a plain part's did", async () => {
    const sensitive = join(root, "run/cloud-init/instance-data-sensitive.json");
    const template = "## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname }}\n";
    fs.writeFileSync(sensitive, JSON.stringify({ v1: { local_hostname: "one" } }));
    await consume(instance(template));
    expect(read(`${INSTANCE}/cloud-config.txt`)).toContain("hostname: one");
    expect((await consume(instance(template))).skipped).toBe(true);
    fs.writeFileSync(sensitive, JSON.stringify({ v1: { local_hostname: "two" } }));
    expect((await consume(instance(template))).skipped).toBe(false);
    expect(read(`${INSTANCE}/cloud-config.txt`)).toContain("hostname: two");
    await consume(instance(CONFIG));
    fs.writeFileSync(sensitive, JSON.stringify({ v1: { local_hostname: "three" } }));
    expect((await consume(instance(CONFIG))).skipped).toBe(true);
  });

  it("is never skipped for an #include, a boothook (it runs every boot) or processing that warned", async () => {
    fs.writeFileSync(join(root, "var/tmp-include"), "#cloud-config\nhostname: inc\n");
    const include = "#include\nfile:///var/tmp-include\n";
    expect((await consume(instance(include))).log).not.toMatch(/ERROR|WARNING/);
    expect(read(`${INSTANCE}/cloud-config.txt`)).toContain("hostname: inc");
    fs.writeFileSync(join(root, "var/tmp-include"), "#cloud-config\nhostname: changed\n");
    expect((await consume(instance(include))).skipped).toBe(false);
    expect(read(`${INSTANCE}/cloud-config.txt`)).toContain("hostname: changed");

    const hook = "#cloud-boothook\n#!/bin/sh\necho hook >> /var/tmp/hooks\n";
    expect((await consume(instance(hook))).log).not.toMatch(/ERROR|WARNING/);
    expect((await consume(instance(hook))).skipped).toBe(false);
    expect(read("var/tmp/hooks")).toBe("hook\nhook\n");

    const warned = "#cloud-config\nruncmd: [echo hi\n";
    const first = await consume(instance(warned));
    expect(first.log).toMatch(/ERROR|WARNING/);
    const second = await consume(instance(warned));
    expect(second.skipped).toBe(false);
    expect(second.log).toMatch(/ERROR|WARNING/);
  });

  it("a record that is not one it wrote is no verdict: the data is processed again", async () => {
    await consume(instance(CONFIG));
    for (const junk of ["", "null", "[]", '{"inputs": 1}', "{"]) {
      fs.writeFileSync(join(root, INSTANCE, "user-data-processed.json"), junk);
      expect((await consume(instance(CONFIG))).skipped).toBe(false);
    }
    expect((await consume(instance(CONFIG))).skipped).toBe(true);
  });
});
