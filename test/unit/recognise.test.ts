// Each datasource's `recognise` declaration is honoured by its detect() and by the generated
// generator (run with dash against a fake root), and, over generated machines, the generator
// enables the agent exactly when some datasource in the list detects itself.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, readlinkSync, symlinkSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSystemConfig } from "../../src/config/load";
import { YamlCache } from "../../src/config/yaml-cache";
import { isPlainObject } from "../../src/config/yaml";
import { generatorScript } from "../../src/datasources/generator";
import { DATASOURCES, datasourceByName } from "../../src/datasources/index";
import { datasourceList, globRegExp, globTokens } from "../../src/datasources/recognise";
import { Host } from "../../src/host/host";
import { Logger, LogSink } from "../../src/log/logger";

const LABELS = ["cidata", "CIDATA", "config-2", "CONFIG-2", "data"];
const SEEDS: Record<string, string[]> = {
  nocloud: ["var/lib/cloud/seed/nocloud/meta-data", "var/lib/cloud/seed/nocloud/user-data"],
  "nocloud-meta-only": ["var/lib/cloud/seed/nocloud/meta-data"],
  "nocloud-net": ["var/lib/cloud/seed/nocloud-net/meta-data", "var/lib/cloud/seed/nocloud-net/user-data"],
  config_drive: ["var/lib/cloud/seed/config_drive/openstack/latest/meta_data.json"],
  "config-drive": ["config-drive/openstack/latest/meta_data.json"],
};

/** One machine as the generator and detect() see it. */
interface Machine {
  files?: Record<string, string>;
  seeds?: string[];
  labels?: string[];
  environ?: string[];
  /** /proc/sys/kernel/arch; x86_64 unless said */
  arch?: string;
  cmdline?: string;
  /** /run/systemd/container */
  container?: string;
  /** a one-line flow datasource_list, in cloud.cfg or a drop-in */
  list?: { names: string[]; dropIn: boolean };
}

let work: string;
let script: string;
const images: Record<string, string> = {};
const cases = { enabled: 0, disabled: 0 };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "cloud-agent-recognise-"));
  script = join(work, "generator");
  writeFileSync(script, generatorScript());
  for (const label of LABELS) {
    images[label] = join(work, `${label}.img`);
    execFileSync("mkfs.vfat", ["-C", images[label], "64", "-n", label], { stdio: "ignore" });
  }
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  console.log(`recognise: machines run through detect() and the generator: ${cases.enabled} enabled, ${cases.disabled} disabled`);
});

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function makeRoot(m: Machine): string {
  const root = mkdtempSync(join(work, "root-"));
  for (const [path, text] of Object.entries(m.files ?? {})) write(join(root, path), `${text}\n`);
  for (const seed of m.seeds ?? []) for (const f of SEEDS[seed]) write(join(root, f), "{}\n");
  (m.labels ?? []).forEach((label, i) => {
    mkdirSync(join(root, "sys/class/block", `vd${"bcdefg"[i]}`), { recursive: true });
    mkdirSync(join(root, "dev"), { recursive: true });
    symlinkSync(images[label], join(root, "dev", `vd${"bcdefg"[i]}`));
  });
  write(join(root, "labels"), (m.labels ?? []).join("\n"));
  // blkid itself cannot be pointed at a root: this one says what the root's drives carry
  write(join(root, "bin/blkid"), '#!/bin/sh\ncat "$GENERATOR_ROOT/labels"\n');
  chmodSync(join(root, "bin/blkid"), 0o755);
  if (m.container !== undefined) write(join(root, "run/systemd/container"), m.container);
  if (m.environ) write(join(root, "proc/1/environ"), m.environ.map((e) => `${e}\0`).join(""));
  if (m.arch !== "") write(join(root, "proc/sys/kernel/arch"), `${m.arch ?? "x86_64"}\n`);
  write(join(root, "proc/cmdline"), `${m.cmdline ?? "root=/dev/vda1 quiet"}\n`);
  if (m.list) write(join(root, m.list.dropIn ? "etc/cloud/cloud.cfg.d/90-list.cfg" : "etc/cloud/cloud.cfg"), `datasource_list: [ ${m.list.names.join(", ")} ]\n`);
  return root;
}

/** The generator's verdict and the line it logged. */
function generator(root: string): { enabled: boolean; log: string } {
  const r = spawnSync("sh", [script, "normal", join(root, "early"), join(root, "late")], { env: { GENERATOR_ROOT: root, PATH: `${root}/bin:/usr/sbin:/usr/bin:/sbin:/bin` }, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe("");
  const enabled = existsSync(join(root, "run/cloud-init/enabled"));
  const link = join(root, "early/multi-user.target.wants/cloud-agent.target");
  expect(existsSync(dirname(link)) && readlinkSync(link)).toBe(enabled && "/lib/systemd/system/cloud-agent.target");
  return { enabled, log: readFileSync(join(root, "run/cloud-init/cloud-init-generator.log"), "utf8").trim() };
}

/** The datasources of the list that detect() themselves in some stage, as the stages would ask them. */
async function detected(root: string): Promise<string[]> {
  const host = new Host({ root });
  const log = new Logger(new LogSink(host, { files: false }), "test");
  const cmdline = (host.readTextIfExists("/proc/cmdline") ?? "").trim();
  const config = loadSystemConfig(host, cmdline, log, new YamlCache(host, () => {}));
  const settings = isPlainObject(config.datasource) ? config.datasource : {};
  const found: string[] = [];
  for (const name of datasourceList(cmdline, config)) {
    const ds = datasourceByName(name);
    if (!ds?.recognise) continue;
    for (const stage of ds.stages) {
      const ctx = { host, cmdline, config, settings: isPlainObject(settings[ds.name]) ? (settings[ds.name] as Record<string, unknown>) : {}, log, stage, withNetwork: <T>(read: () => Promise<T>) => read() };
      if ((await ds.detect(ctx)) && !found.includes(ds.name)) found.push(ds.name);
    }
  }
  return found;
}

async function both(m: Machine): Promise<{ detected: string[]; enabled: boolean; log: string }> {
  const root = makeRoot(m);
  try {
    const r = { detected: await detected(root), ...generator(root) };
    cases[r.enabled ? "enabled" : "disabled"]++;
    return r;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A line the glob accepts: the least each token needs. */
function sample(glob: string): string {
  return globTokens(glob)
    .map((t) => ("any" in t ? "" : "one" in t ? "x" : "cls" in t ? t.cls[0] : t.text))
    .join("");
}

describe("recognition declarations", () => {
  // Huawei Cloud's ECS carries only the asset tag: the issue that started this
  it("Huawei Cloud (chassis asset tag HUAWEICLOUD) is OpenStack to both", async () => {
    const r = await both({ files: { "sys/class/dmi/id/chassis_asset_tag": "HUAWEICLOUD", "sys/class/dmi/id/product_name": "Huawei Cloud" } });
    expect(r.detected).toEqual(["OpenStack"]);
    expect(r.log).toBe("enabled: OpenStack: /sys/class/dmi/id/chassis_asset_tag HUAWEICLOUD");
  });

  it("in a container the host's firmware is no evidence; seeds still are", async () => {
    const aws = { "sys/class/dmi/id/sys_vendor": "Amazon EC2" };
    expect(await both({ files: aws, container: "systemd-nspawn\n" })).toMatchObject({ detected: [], enabled: false });
    expect(await both({ files: aws, environ: ["container=lxc"], seeds: ["nocloud"] })).toMatchObject({ detected: ["NoCloud"], enabled: true });
  });

  it("cloud-init=disabled on the command line, or the marker file, disables it whatever is there", async () => {
    expect((await both({ seeds: ["nocloud"], cmdline: "root=/dev/vda1 cloud-init=disabled" })).log).toBe("disabled: kernel command line cloud-init=disabled");
    expect((await both({ seeds: ["nocloud"], files: { "etc/cloud/cloud-init.disabled": "" } })).log).toBe("disabled: marker file /etc/cloud/cloud-init.disabled");
  });

  it("a machine with no evidence is disabled, and nothing detects", async () => {
    expect(await both({ files: { "sys/class/dmi/id/product_name": "Standard PC (Q35 + ICH9, 2009)" } })).toEqual({ detected: [], enabled: false, log: "disabled: no datasource found" });
  });

  const rules = Object.values(DATASOURCES).flatMap((ds) => {
    const rec = ds.recognise;
    if (!rec) return [];
    const one = (what: string, m: Machine) => ({ ds: ds.name, what, m });
    return [
      ...(rec.seeds ?? []).map((s) => {
        const root = `${s.dir.slice(1)}`;
        return one(`seed ${s.dir}`, { files: Object.fromEntries(s.files.map((f) => [`${root}/${f}`, "{}"])) });
      }),
      ...(rec.files ?? []).flatMap((f) => f.globs.map((g) => one(`${f.path} ~ ${g}`, { files: { [f.path.slice(1)]: sample(g) } }))),
      ...(rec.pid1Environ ?? []).map((e) => one(`PID 1 ${e}`, { environ: ["HOME=/", e] })),
      ...(rec.labels ?? []).map((l) => one(`label ${l}`, { labels: [l] })),
      ...(rec.offX86 ? [one("aarch64", { arch: "aarch64" })] : []),
      one("the only one listed", { list: { names: [ds.name, "None"], dropIn: true } }),
      one("forced on the command line", { cmdline: `root=/dev/vda1 ci.ds=${ds.name}` }),
    ];
  });

  it.each(rules.map((r) => [`${r.ds}: ${r.what}`, r] as const))("%s: detect() and the generator", async (_, { ds, m }) => {
    const r = await both(m);
    expect(r.detected).toEqual([ds]);
    expect(r.enabled).toBe(true);
  });

  it("every glob's sample matches it, and a glob outside the shared syntax is refused", () => {
    for (const ds of Object.values(DATASOURCES)) for (const f of ds.recognise?.files ?? []) for (const g of f.globs) expect(globRegExp(g).test(sample(g))).toBe(true);
    expect(() => globRegExp("a'b")).toThrow(/unsupported character/);
  });
});

describe("detect() and the generator agree", () => {
  const text = fc.stringMatching(/^[ \tA-Za-z0-9=;.*?[\]\\-]{0,12}$/);
  const value = (...known: string[]) => fc.oneof(fc.constantFrom(...known), fc.constantFrom(...known).map((k) => ` ${k}\t`), text, fc.constantFrom(...known).map((k) => k.toLowerCase()));
  // evidence is one of several things each: mostly absent, so both verdicts are common
  const rarely = <T,>(some: fc.Arbitrary<T>, usual: T) => fc.oneof({ arbitrary: fc.constant(usual), weight: 4 }, { arbitrary: some, weight: 1 });
  const machine: fc.Arbitrary<Machine> = fc.record({
    files: fc.record(
      {
        "sys/class/dmi/id/product_name": value("OpenStack Nova", "OpenStack Compute", "Standard PC (i440FX + PIIX, 1996)", "HVM domU"),
        "sys/class/dmi/id/chassis_asset_tag": value("HUAWEICLOUD", "OpenTelekomCloud", "SAP CCloud VM", "Samsung Cloud Platform", "OpenStack Nova", "HUAWEICLOUDX"),
        "sys/class/dmi/id/sys_vendor": value("Amazon EC2", "QEMU", "Amazon"),
        "sys/class/dmi/id/product_uuid": value("EC2E1916-9099-7CAF-FD21-012345ABCDEF", "45E12AEC-DCD1-B213-94ED-012345ABCDEF", "ec2e1916", "0EC21916-9099-7CAF-FD21-012345ABCDEF", "45E12AEX-DCD1-B213"),
        "sys/class/dmi/id/product_serial": value("ds=nocloud", "ds=nocloud-net;s=http://10.0.0.1/", "serial ds=nocloud;h=a", "xds=nocloud", "ds=NoCloud"),
        "sys/hypervisor/uuid": value("ec2a1b2c-0000", "ec2", "e2c0"),
      },
      { requiredKeys: [] },
    ),
    seeds: rarely(fc.subarray(Object.keys(SEEDS), { minLength: 1, maxLength: 2 }), []),
    labels: rarely(fc.subarray(LABELS, { minLength: 1, maxLength: 3 }), []),
    environ: fc.option(fc.constantFrom(["product_name=OpenStack Nova"], ["container=lxc"], ["container="], ["product_name=OpenStack Novax", "x=1"]), { nil: undefined }),
    container: rarely(fc.constantFrom("systemd-nspawn\n", "", "lxc"), undefined),
    arch: rarely(fc.constantFrom("i686", "aarch64", "s390x", ""), "x86_64"),
    cmdline: rarely(fc.constantFrom("ds=nocloud", "ds=nocloud;s=file:///seed/", "ci.ds=OpenStack", "ci.datasource=Ec2 ro", "console=ttyS0 ds=ConfigDrive"), "root=/dev/vda1 quiet"),
    list: fc.option(
      fc.record({
        names: fc.subarray(["NoCloud", "nocloud-net", "ConfigDrive", "OPENSTACK", "Ec2", "Azure", "None"]).chain((names) => fc.shuffledSubarray(names, { minLength: names.length })),
        dropIn: fc.boolean(),
      }),
      { nil: undefined },
    ),
  }, { requiredKeys: ["files", "seeds", "labels", "arch", "container"] });

  it("over generated DMI, seeds, labels, PID 1 environments, machines, command lines and lists", async () => {
    await fc.assert(
      fc.asyncProperty(machine, async (m) => {
        const r = await both(m);
        expect(r.enabled, `${r.log}; detected ${r.detected.join(",") || "nothing"}`).toBe(r.detected.length > 0);
      }),
      { numRuns: 200 },
    );
  });
});
