// The .deb installed into a real Debian rootfs, booted under systemd-nspawn: real systemd
// runs the generator and the four units; first boot, reboot and clone.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the benchmark
import { bootUnsupported, prepareMachine } from "./harness.mjs";

const unsupported = bootUnsupported();
if (unsupported) console.warn(`boot tests skipped: ${unsupported}`);

const USER_DATA = `#cloud-config
bootcmd:
  - echo "boot $INSTANCE_ID" >> /var/tmp/bootcmd.log
runcmd:
  - echo run >> /var/tmp/runcmd.log
write_files:
  - path: /etc/boot-test.txt
    content: hello
    permissions: '0600'
final_message: "boot test finished, datasource $datasource"
`;

type Report = {
  status: string;
  hostname: string;
  sshd: string;
  statusCode: number;
  console: string;
  journal: string;
  processes: Record<string, Record<string, string>>;
  units: Record<string, { ms: number; status: number; result: string }>;
};

describe.skipIf(unsupported)("cloud-agent under systemd (nspawn)", () => {
  let machine: any;
  beforeAll(() => {
    machine = prepareMachine("agent");
    machine.writeSeed({ "meta-data": "instance-id: iid-boot-1\nlocal-hostname: boot1\npublic-keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBootTestKey0000000000000000000000000000 boot']\n", "user-data": USER_DATA });
  }, 300_000);
  afterAll(() => machine?.dispose());

  const expectCleanBoot = (report: Report) => {
    // a unit that failed says why in the message: its journal and the status
    for (const [unit, u] of Object.entries(report.units)) expect([unit, u.status, u.result], `${report.status}\n${report.journal}`).toEqual([unit, 0, "success"]);
    expect(report.statusCode).toBe(0);
    expect(report.status).toMatch(/^status: done\n/);
    // the stages ran in the one boot process, which then exited cleanly
    expect(report.processes["cloud-agent-main.service"]).toMatchObject({ Result: "success", ExecMainStatus: "0" });
    // it told systemd it was ready (Type=notify) before the local unit started
    const ready = Number(report.processes["cloud-agent-main.service"].ActiveEnterTimestampMonotonic);
    expect(ready).toBeGreaterThan(0);
    expect(Number(machine.props("cloud-agent-local.service").ExecMainStartTimestampMonotonic)).toBeGreaterThanOrEqual(ready);
    expect(report.console).not.toContain("running it on its own");
  };

  it("first boot: the units run in order and leave cloud-init's state", async () => {
    const report = await machine.boot();
    expectCleanBoot(report);
    expect(report.hostname).toBe("boot1");
    expect(machine.read("etc/hostname")).toBe("boot1\n");
    // fresh host keys, RSA made in the background, and sshd up on them
    expect(report.sshd).toBe("active");
    for (const type of ["rsa", "ecdsa", "ed25519"]) expect(machine.exists(`etc/ssh/ssh_host_${type}_key.pub`)).toBe(true);
    expect(machine.read("home/debian/.ssh/authorized_keys")).toBe("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBootTestKey0000000000000000000000000000 boot\n");
    expect(machine.read("run/cloud-init/../../var/lib/cloud/data/instance-id")).toBe("iid-boot-1\n");
    expect(machine.readlink("var/lib/cloud/instance")).toBe("/var/lib/cloud/instances/iid-boot-1");
    for (const sem of ["config_runcmd", "config_write_files", "config_scripts_user"]) expect(machine.exists(`var/lib/cloud/instances/iid-boot-1/sem/${sem}`)).toBe(true);
    expect(machine.exists("var/lib/cloud/instances/iid-boot-1/boot-finished")).toBe(true);
    expect(machine.lines("var/tmp/runcmd.log")).toEqual(["run"]);
    expect(machine.lines("var/tmp/bootcmd.log")).toEqual(["boot iid-boot-1"]);
    expect(machine.read("etc/boot-test.txt")).toBe("hello");
    expect(machine.mode("etc/boot-test.txt")).toBe("600");
    expect(machine.read("var/log/cloud-init-output.log")).toContain("boot test finished, datasource DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]");
    // analyze boot under real systemd, in a container: the unit's activation and the log's start
    expect(machine.read("var/tmp/boot-report/analyze-boot")).toMatch(/^-- Most Recent Container Boot Record --\n    Container started at: \d{4}-.*\n    Cloud-init activated by systemd at: \d{4}-.*\n    Cloud-init start: \d{4}-/);
  }, 180_000);

  it("reboot: bootcmd again, runcmd not", async () => {
    expectCleanBoot(await machine.boot());
    expect(machine.lines("var/tmp/bootcmd.log")).toEqual(["boot iid-boot-1", "boot iid-boot-1"]);
    expect(machine.lines("var/tmp/runcmd.log")).toEqual(["run"]);
  }, 180_000);

  it("clone with a new instance-id: per-instance work runs again", async () => {
    machine.writeSeed({ "meta-data": "instance-id: iid-boot-2\nlocal-hostname: boot2\n" });
    const report = await machine.boot();
    expectCleanBoot(report);
    expect(report.hostname).toBe("boot2");
    expect(machine.readlink("var/lib/cloud/instance")).toBe("/var/lib/cloud/instances/iid-boot-2");
    expect(machine.read("var/lib/cloud/data/previous-instance-id")).toBe("iid-boot-2\n");
    expect(machine.lines("var/tmp/runcmd.log")).toEqual(["run", "run"]);
    expect(machine.lines("var/tmp/bootcmd.log")).toEqual(["boot iid-boot-1", "boot iid-boot-1", "boot iid-boot-2"]);
  }, 180_000);

  it("the disabled marker keeps every unit from running", async () => {
    machine.writeSeed({ "meta-data": "instance-id: iid-boot-3\n" });
    writeFileSync(machine.path("etc/cloud/cloud-init.disabled"), "");
    const report = await machine.boot();
    for (const u of Object.values(report.units) as { ms: number }[]) expect(u.ms).toBeLessThanOrEqual(0);
    expect(report.status).toMatch(/^status: disabled\n/);
    expect(machine.readlink("var/lib/cloud/instance")).toBe("/var/lib/cloud/instances/iid-boot-2");
    rmSync(machine.path("etc/cloud/cloud-init.disabled"));
  }, 180_000);

  it("removing the package leaves /var/lib/cloud and /etc/cloud alone", () => {
    execFileSync("chroot", [machine.root, "dpkg", "-r", "cloud-agent"], { stdio: "pipe" });
    expect(machine.exists("usr/bin/cloud-agent")).toBe(false);
    expect(machine.exists("etc/systemd/system/cloud-agent.target.wants/cloud-agent-local.service")).toBe(false);
    expect(machine.readlink("var/lib/cloud/instance")).toBe("/var/lib/cloud/instances/iid-boot-2");
    expect(machine.exists("etc/cloud/cloud.cfg")).toBe(true);
  });
});

describe.skipIf(unsupported)("ConfigDrive seed directory under systemd (nspawn)", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let machine: any;
  afterAll(() => machine?.dispose());

  it("boots to done with the drive's uuid, hostname and user-data", async () => {
    machine = prepareMachine("agent");
    const uuid = "5d7a3b1e-2c4f-4e6a-9b8d-0f1e2d3c4b5a";
    const dir = machine.path("var/lib/cloud/seed/config_drive/openstack/2015-10-15");
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/meta_data.json`, JSON.stringify({ uuid, hostname: "cd-dir.novalocal" }));
    writeFileSync(`${dir}/user_data`, "#cloud-config\nruncmd: [echo cd >> /var/tmp/cd.log]\n");
    const report = await machine.boot();
    expect(report.status).toMatch(/^status: done\n/);
    expect(report.hostname).toBe("cd-dir");
    expect(machine.read("var/lib/cloud/data/instance-id")).toBe(`${uuid}\n`);
    expect(machine.read("var/tmp/cd.log")).toBe("cd\n");
  }, 180_000);
});

describe.skipIf(unsupported)("power_state_change under systemd (nspawn)", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let machine: any;
  afterAll(() => machine?.dispose());

  it("powers the guest off once cloud-agent has finished, and status is done", async () => {
    machine = prepareMachine("agent");
    machine.writeSeed({ "meta-data": "instance-id: iid-power\n", "user-data": "#cloud-config\npower_state: {mode: poweroff, message: cloud-agent test, timeout: 20}\n" });
    expect(await machine.bootUntilItStops({ timeoutMs: 90_000 })).toBe(true);
    const status = JSON.parse(machine.read("var/lib/cloud/data/status.json"));
    expect(status.v1["modules-final"].errors).toEqual([]);
    expect(status.v1["modules-final"].finished).toBeTypeOf("number");
    expect(machine.exists("var/lib/cloud/instances/iid-power/boot-finished")).toBe(true);
    expect(machine.read("var/log/cloud-init.log")).toContain("after cloud-agent exits (at most 20 s): shutdown -P -- now cloud-agent test");
  }, 120_000);
});
