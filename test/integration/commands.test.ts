// The commands users and tools call: status --wait, clean, query, single, cloud-id, usage errors,
// and what `status` says when a stage was killed halfway.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, agentAsync, agentCommand, boot, isRoot, lines, makeRoot, read, writeSeed } from "./root";

describe.skipIf(!isRoot)("commands", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
    writeSeed(root, {
      "meta-data": "instance-id: iid-cmd\nlocal-hostname: web-1.example.org\n",
      "user-data": "#cloud-config\nruncmd: [echo run >> /var/tmp/runcmd.log]\n",
    });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("status is 'not started' before the first stage, and --timeout gives up with 124", () => {
    expect(agent(root, ["status"]).stdout).toBe("status: not started\n");
    const r = agent(root, ["status", "--wait", "--timeout", "0.6"]);
    expect(r.code).toBe(124);
    expect(r.stdout).toMatch(/^\.+\n$/);
    expect(r.stderr).toMatch(/timed out after 0.6 seconds/);
  });

  it("status --wait blocks until the final stage is done", async () => {
    const waiter = agentAsync(root, ["status", "--wait"]);
    let out = "";
    waiter.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number>((resolve) => waiter.on("close", (code) => resolve(code ?? -1)));
    await new Promise((r) => setTimeout(r, 600));
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(await exited).toBe(0);
    expect(out).toMatch(/^\.+status: done\n$/);
  });

  it("status --format json and yaml carry cloud-init's keys", () => {
    boot(root);
    const json = JSON.parse(agent(root, ["status", "--format", "json"]).stdout);
    expect(json).toMatchObject({ status: "done", extended_status: "done", datasource: "nocloud", errors: [] });
    expect(Object.keys(json)).toEqual([...Object.keys(json)].sort());
    expect(json).toHaveProperty("modules-final.finished");
    expect(agent(root, ["status", "--format=yaml"]).stdout).toMatch(/^boot_status_code: /m);
  });

  it("a stage killed halfway is reported as an error, not 'running' forever", async () => {
    writeSeed(root, { "meta-data": "instance-id: iid-kill\n", "user-data": "#cloud-config\nbootcmd: [sleep 30]\n" });
    rmSync(join(root, "run"), { recursive: true, force: true });
    expect(agent(root, ["init", "--local"]).code).toBe(0);
    const stage = agentAsync(root, ["init"]);
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(root, "run/cloud-init/.running-stage")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    stage.kill("SIGKILL");
    await new Promise((r) => stage.on("close", r));
    const s = agent(root, ["status", "--long"]);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/^status: error\n/);
    expect(s.stdout).toMatch(/stage init did not finish: cloud-agent exited while running it \(pid \d+\)/);
  });

  it("clean removes /var/lib/cloud but its seed, keeps /run/cloud-init; then per-instance work runs again", () => {
    boot(root);
    const r = agent(root, ["clean", "--logs"]);
    expect(r.code).toBe(0);
    expect(readdir(root, "var/lib/cloud")).toEqual(["seed"]);
    expect(existsSync(join(root, "var/log/cloud-init.log"))).toBe(false);
    expect(existsSync(join(root, "run/cloud-init/instance-data.json"))).toBe(true);
    boot(root);
    expect(lines(root, "var/tmp/runcmd.log")).toEqual(["run", "run"]);
    writeFileSync(join(root, "etc/machine-id"), "0123456789abcdef0123456789abcdef\n");
    expect(agent(root, ["clean", "--seed", "--machine-id"]).code).toBe(0);
    expect(readdir(root, "var/lib/cloud")).toEqual([]);
    expect(readFileSync(join(root, "etc/machine-id"), "utf8")).toBe("uninitialized\n");
  });

  it("clean --configs network removes only cloud-init's network files", () => {
    mkdirSync(join(root, "etc/systemd/network"), { recursive: true });
    writeFileSync(join(root, "etc/systemd/network/10-cloud-init-eth0.network"), "");
    writeFileSync(join(root, "etc/systemd/network/20-mine.network"), "");
    expect(agent(root, ["clean", "--configs", "network"]).code).toBe(0);
    expect(readdir(root, "etc/systemd/network")).toEqual(["20-mine.network"]);
  });

  it("query reads instance data by key, alias and in full", () => {
    boot(root);
    expect(agent(root, ["query", "v1.instance_id"]).stdout).toBe("iid-cmd\n");
    expect(agent(root, ["query", "local_hostname"]).stdout).toBe("web-1\n");
    expect(agent(root, ["query", "ds.meta_data.local_hostname"]).stdout).toBe("web-1.example.org\n");
    expect(agent(root, ["query", "userdata"]).stdout).toContain("runcmd");
    expect(JSON.parse(agent(root, ["query", "--all"]).stdout).v1.cloud_name).toBe("unknown");
    expect(agent(root, ["query", "--list-keys", "v1"]).stdout).toContain("instance_id\n");
    const bad = agent(root, ["query", "v1.nope"]);
    expect([bad.code, bad.stderr]).toEqual([1, "Undefined instance-data key 'v1.nope'\n"]);
    const redacted = JSON.parse(readFileSync(join(root, "run/cloud-init/instance-data.json"), "utf8"));
    expect(redacted.merged_system_cfg).toBe("redacted for non-root user");
  });

  it("query --format renders a Jinja template over the instance data; -i, -u and -v name other files", () => {
    boot(root);
    expect(agent(root, ["query", "--format", "{{ v1.local_hostname }} {{ instance_id }}{% if v1.instance_id.startswith('iid-') %} ok{% endif %}"])).toMatchObject({ code: 0, stdout: "web-1 iid-cmd ok\n" });
    writeFileSync(join(root, "var/tmp/other.json"), JSON.stringify({ v1: { instance_id: "i-other" } }));
    expect(agent(root, ["query", "-i", "/var/tmp/other.json", "v1.instance_id"]).stdout).toBe("i-other\n");
    expect(agent(root, ["query", "-i", "/var/tmp/missing.json", "v1"])).toMatchObject({ code: 1, stderr: "Missing instance-data file: /var/tmp/missing.json\n" });
    writeFileSync(join(root, "var/tmp/ud"), "#cloud-config\nfrom: -u\n");
    writeFileSync(join(root, "var/tmp/vd"), "vendor text");
    expect(agent(root, ["query", "-u", "/var/tmp/ud", "userdata"]).stdout).toBe("#cloud-config\nfrom: -u\n\n");
    expect(agent(root, ["query", "-v", "/var/tmp/vd", "vendordata"]).stdout).toBe("vendor text\n");
    expect(agent(root, ["query", "--format", "{{ undefined_name }}"]).stdout).toBe("CI_MISSING_JINJA_VAR/undefined_name\n");
  });

  it("cloud-init-per: once, instance and always with cloud-init's markers; the command's flags and exit status; as a link", () => {
    boot(root);
    const per = (...args: string[]) => agent(root, ["cloud-init-per", ...args]);
    expect(per("once", "my-task", "sh", "-c", "echo ran >> /var/tmp/per.log; exit 3")).toMatchObject({ code: 3 });
    expect(per("once", "my-task", "sh", "-c", "echo ran >> /var/tmp/per.log")).toMatchObject({ code: 0 });
    expect(lines(root, "var/tmp/per.log")).toEqual(["ran"]);
    // written after the command, whatever it returned; dashes read as underscores
    expect(read(root, "var/lib/cloud/sem/bootper.my_task.once")).toMatch(/^\d{10}\n$/);
    expect(per("instance", "inst", "sh", "-c", "echo $0 >> /var/tmp/inst.log", "x").code).toBe(0);
    expect(per("instance", "inst", "sh", "-c", "echo $0 >> /var/tmp/inst.log", "x").code).toBe(0);
    expect(lines(root, "var/tmp/inst.log")).toEqual(["x"]);
    expect(existsSync(join(root, "var/lib/cloud/instances/iid-cmd/sem/bootper.inst.instance"))).toBe(true);
    for (let i = 0; i < 2; i++) expect(per("always", "each", "sh", "-c", "echo each >> /var/tmp/always.log").stdout).toBe("");
    expect(lines(root, "var/tmp/always.log")).toEqual(["each", "each"]);
    // a marker an older cloud-init wrote with the dashes kept still counts
    writeFileSync(join(root, "var/lib/cloud/sem/bootper.old-name.once"), "1\n");
    per("once", "old-name", "sh", "-c", "echo old >> /var/tmp/old.log");
    expect(existsSync(join(root, "var/tmp/old.log"))).toBe(false);
    expect(existsSync(join(root, "var/lib/cloud/sem/bootper.old_name.once"))).toBe(true);
    // a name that would put the marker outside sem/ is refused, and nothing runs
    expect(per("once", "../../../../etc/evil", "sh", "-c", "echo ran > /var/tmp/evil")).toMatchObject({ code: 1, stderr: "cloud-init-per: NAME must be a non-empty name without '/'\n" });
    expect(existsSync(join(root, "var/tmp/evil")) || existsSync(join(root, "etc/evil.once"))).toBe(false);
    expect(per("weekly", "x", "true")).toMatchObject({ code: 1, stderr: "cloud-init-per: invalid frequency 'weekly' (once, instance or always)\n" });
    const link = join(mkdtempSync(join(root, "var/tmp/per-")), "cloud-init-per");
    symlinkSync(agentCommand()[0], link);
    expect(spawnSync(link, ["--root", root, "once", "linked", "sh", "-c", "echo linked"], { encoding: "utf8" }).stdout).toBe("linked\n");
  });

  it("single honours semaphores unless --frequency always", () => {
    boot(root);
    expect(agent(root, ["single", "--name", "scripts_user"]).code).toBe(0);
    expect(lines(root, "var/tmp/runcmd.log")).toEqual(["run"]);
    expect(agent(root, ["single", "--name", "scripts-user", "--frequency", "always"]).code).toBe(0);
    expect(lines(root, "var/tmp/runcmd.log")).toEqual(["run", "run"]);
    expect(agent(root, ["single", "--name", "no_such_module"]).code).toBe(1);
  });

  it("usage errors exit 2 and name the problem, like argparse", () => {
    const unknown = agent(root, ["status", "--bogus"]);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining("error: unrecognized arguments: --bogus")]);
    expect(agent(root, []).code).toBe(2);
    expect(agent(root, ["frobnicate"]).stderr).toMatch(/invalid choice: 'frobnicate'/);
    expect(agent(root, ["modules", "--mode", "sideways"]).stderr).toMatch(/invalid choice: 'sideways'/);
    expect(agent(root, ["status", "--help"]).stdout).toMatch(/^usage: cloud-agent status/);
  });

  it("cloud-id: not run (3), the datasource's cloud after a boot, -l, -j, -i, disabled (2), and as the cloud-id link", () => {
    expect(agent(root, ["cloud-id"])).toMatchObject({ code: 3, stdout: "not run\n" });
    boot(root);
    expect(agent(root, ["cloud-id"])).toMatchObject({ code: 0, stdout: "nocloud\n" });
    expect(agent(root, ["cloud-id", "-l"])).toMatchObject({ code: 0, stdout: "nocloud\tNone\n" }); // cloud-init prints Python's str(None)
    const json = agent(root, ["cloud-id", "-j"]);
    expect(json.stderr).toBe("DEPRECATED: Use: cloud-init query v1\n");
    expect(JSON.parse(json.stdout)).toMatchObject({ cloud_id: "nocloud", instance_id: "iid-cmd", platform: "nocloud" });
    // a region that is a cloud of its own, from another instance-data file
    writeFileSync(join(root, "var/tmp/aws.json"), JSON.stringify({ v1: { cloud_name: "aws", region: "cn-north-1", platform: "ec2" } }));
    expect(agent(root, ["cloud-id", "-l", "-i", "/var/tmp/aws.json"]).stdout).toBe("aws-china\tcn-north-1\n");
    expect(agent(root, ["cloud-id", "-i", "/var/tmp/none.json"])).toMatchObject({ code: 1, stderr: "ERROR: File not found '/var/tmp/none.json'. Provide a path to instance data json file using --instance-data\n" });
    const link = join(mkdtempSync(join(root, "var/tmp/cloud-id-")), "cloud-id");
    symlinkSync(agentCommand()[0], link);
    expect(spawnSync(link, ["--root", root], { encoding: "utf8" }).stdout).toBe("nocloud\n");
    writeFileSync(join(root, "etc/cloud/cloud-init.disabled"), "");
    mkdirSync(join(root, "run/systemd/system"), { recursive: true });
    expect(agent(root, ["cloud-id"])).toMatchObject({ code: 2, stdout: "disabled\n" });
  });

  it("the disabled marker makes status 'disabled'", () => {
    writeFileSync(join(root, "etc/cloud/cloud-init.disabled"), "");
    mkdirSync(join(root, "run/systemd/system"), { recursive: true });
    const s = agent(root, ["status", "--long"]);
    expect(s.stdout).toMatch(/^status: disabled\n/);
    expect(s.stdout).toContain("boot_status_code: disabled-by-marker-file");
  });
});

function readdir(root: string, p: string): string[] {
  return readdirSync(join(root, p)).sort();
}
