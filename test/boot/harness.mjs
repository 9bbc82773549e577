// Boots a real Debian rootfs under systemd-nspawn (real systemd, real units) with either
// cloud-agent's .deb or Debian's cloud-init installed, and reads back what the boot left.
// Shared by the boot tests and `npm run bench`. Each machine is an overlay over the cached
// rootfs (test/boot/rootfs.sh), so the cache is never written and a reboot keeps the disk.
// The guest gets its own network namespace (loopback only): a DHCP client in it must never
// touch this machine's interfaces.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");

export const STAGE_UNITS = {
  agent: ["cloud-agent-local.service", "cloud-agent-network.service", "cloud-agent-config.service", "cloud-agent-final.service"],
  "cloud-init": ["cloud-init-local.service", "cloud-init.service", "cloud-config.service", "cloud-final.service"],
};

/** Units besides the stages whose peak RSS counts: cloud-agent's boot process runs the stages. */
const PROCESS_UNITS = { agent: ["cloud-agent-main.service"], "cloud-init": [] };

/** What a boot test needs from this machine; a reason string when something is missing. */
export function bootUnsupported() {
  if (process.getuid?.() !== 0) return "boot tests need root (overlay mounts, systemd-nspawn)";
  for (const tool of ["systemd-nspawn", "debootstrap"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `${tool} is not installed (apt-get install systemd-container debootstrap)`;
    }
  }
  return undefined;
}

export function debPath(arch = "amd64") {
  const out = join(repo, "build/out");
  const deb = existsSync(out) && readdirSync(out).find((f) => f.startsWith("cloud-agent_") && f.endsWith(`_${arch}.deb`));
  if (!deb) throw new Error(`build/out/cloud-agent_*_${arch}.deb is missing: run npm run build first`);
  return join(out, deb);
}

function cachedRootfs(rootfs) {
  return execFileSync("sh", [join(here, "rootfs.sh"), rootfs], { encoding: "utf8" }).trim();
}

/**
 * @param {"agent" | "cloud-init"} kind
 * @param {string | string[]} rootfs which cached rootfs to start from ("base", "cloud-init",
 *   "kernel", "arm64"); several are layered, the first on top
 */
export function prepareMachine(kind, rootfs = kind === "agent" ? "base" : "cloud-init") {
  const dir = mkdtempSync(join(tmpdir(), `boot-${kind}-`));
  const root = join(dir, "root");
  for (const d of ["upper", "work", "root"]) mkdirSync(join(dir, d));
  const lower = [rootfs].flat().map(cachedRootfs).join(":");
  execFileSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work`, root]);
  const machine = new Machine(kind, dir, root);
  if (kind === "agent") {
    writeFileSync(join(root, "tmp/cloud-agent.deb"), readFileSync(debPath(rootfs === "arm64" ? "arm64" : "amd64")));
    execFileSync("chroot", [root, "dpkg", "-i", "/tmp/cloud-agent.deb"], { stdio: "pipe" });
    rmSync(join(root, "tmp/cloud-agent.deb"));
  }
  machine.installReporter();
  return machine;
}

export class Machine {
  constructor(kind, dir, root) {
    this.kind = kind;
    this.dir = dir;
    this.root = root;
    this.boots = 0;
  }

  path(p) {
    return join(this.root, p);
  }

  writeSeed(files, seedDir = "nocloud") {
    const dir = this.path(`var/lib/cloud/seed/${seedDir}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  }

  // After a QEMU boot the truth is in the disk image (this.image), read with debugfs.
  read(p) {
    if (!this.image) return readFileSync(this.path(p), "utf8");
    return execFileSync("debugfs", ["-R", `cat /${p}`, this.image], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  }

  exists(p) {
    if (!this.image) return existsSync(this.path(p));
    const out = execFileSync("debugfs", ["-R", `stat /${p}`, this.image], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return out.includes("Inode:");
  }

  readlink(p) {
    if (!this.image) return readlinkSync(this.path(p));
    const out = execFileSync("debugfs", ["-R", `stat /${p}`, this.image], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return /Fast link dest: "([^"]*)"/.exec(out)?.[1];
  }

  mode(p) {
    return (statSync(this.path(p)).mode & 0o7777).toString(8);
  }

  lines(p) {
    return this.exists(p) ? this.read(p).split("\n").filter(Boolean) : [];
  }

  /**
   * A test-only unit that runs when the final stage is done: it records the stage units'
   * times and results and `cloud-init status --long`, then powers the guest off. Each stage
   * runs under GNU time for its peak RSS. systemd is told to start it again if it fails (CI saw
   * it fail once before it ran, its guest then never powered off).
   */
  installReporter() {
    const units = STAGE_UNITS[this.kind];
    const script = [
      "#!/bin/sh",
      "out=/var/tmp/boot-report",
      "mkdir -p $out",
      // a second try of this unit (below) says why the first failed, for the test's log
      "systemctl show -p NRestarts --value boot-report.service > $out/reporter-restarts",
      "[ \"$(cat $out/reporter-restarts)\" = 0 ] || journalctl -b --no-pager -o cat -u boot-report.service > $out/reporter-journal 2>&1",
      "cloud-init status --long > $out/status.txt 2>&1; echo $? > $out/status.rc",
      "hostname > $out/hostname",
      "cloud-id -l > $out/cloud-id 2>&1; echo $? >> $out/cloud-id",
      "cloud-init analyze boot > $out/analyze-boot 2>&1",
      "systemctl is-active ssh > $out/sshd 2>&1",
      "ip -o addr > $out/ip-addr 2>&1; ip route > $out/ip-route 2>&1",
      // what a failed unit said, for the test's message
      `journalctl -b --no-pager -o cat -u '${units[0].replace(/-[a-z]+\.service$/, "")}*' > $out/journal 2>&1`,
      // a test that listens on the host names it in /etc/boot-probe ("10.0.2.2/PORT")
      "[ -f /etc/boot-probe ] && timeout 20 bash -c \"echo probe > /dev/tcp/$(cat /etc/boot-probe)\" && echo ok > $out/probe",
      ...[...units, ...PROCESS_UNITS[this.kind]].map((u) => `systemctl show -p ExecMainStartTimestampMonotonic,ExecMainExitTimestampMonotonic,ActiveEnterTimestampMonotonic,ExecMainStatus,Result,ActiveState ${u} > $out/${u}.props`),
      "systemctl poweroff --no-block",
    ].join("\n");
    writeFileSync(this.path("usr/local/sbin/boot-report"), `${script}\n`, { mode: 0o755 });
    const after = [...STAGE_UNITS.agent, ...STAGE_UNITS["cloud-init"]].join(" ");
    writeFileSync(
      this.path("etc/systemd/system/boot-report.service"),
      `[Unit]\nDescription=boot test report\nAfter=${after}\n\n[Service]\nType=oneshot\nExecStart=/usr/local/sbin/boot-report\nRestart=on-failure\nRestartSec=1\n\n[Install]\nWantedBy=graphical.target\n`,
    );
    mkdirSync(this.path("etc/systemd/system/graphical.target.wants"), { recursive: true });
    symlinkSync("/etc/systemd/system/boot-report.service", this.path("etc/systemd/system/graphical.target.wants/boot-report.service"));
    for (const unit of [...units, ...PROCESS_UNITS[this.kind]]) {
      const exec = readFileSync(this.path(`lib/systemd/system/${unit}`), "utf8").match(/^ExecStart=(.*)$/m)[1];
      const dropin = this.path(`etc/systemd/system/${unit}.d`);
      mkdirSync(dropin, { recursive: true });
      writeFileSync(join(dropin, "rss.conf"), `[Service]\nExecStart=\nExecStart=/usr/bin/time -f %%M -o /var/tmp/rss-${unit} ${exec}\n`);
    }
  }

  /** Boots until the guest powers itself off; returns the report of this boot. */
  async boot({ timeoutMs = 120_000 } = {}) {
    this.boots += 1;
    rmSync(this.path("var/tmp/boot-report"), { recursive: true, force: true });
    const consoleFile = join(this.dir, `console-${this.boots}.log`);
    const child = spawn("systemd-nspawn", ["--boot", "--register=no", "--keep-unit", "--quiet", "--private-network", "-D", this.root], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, SYSTEMD_NSPAWN_TMPFS_TMP: "0" },
    });
    let consoleText = "";
    child.stdout.on("data", (c) => (consoleText += c));
    child.stderr.on("data", (c) => (consoleText += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const code = await new Promise((r) => child.on("close", (c) => r(c)));
    clearTimeout(timer);
    writeFileSync(consoleFile, consoleText);
    if (!this.exists("var/tmp/boot-report/status.rc")) {
      const tail = consoleText.split("\n").slice(-50).join("\n");
      throw new Error(`boot ${this.boots} of ${this.kind} did not report (nspawn exit ${code}); console:\n${tail}`);
    }
    if (this.read("var/tmp/boot-report/reporter-restarts").trim() !== "0") {
      console.log(`boot ${this.boots} of ${this.kind}: the report unit failed on its first try:\n${this.read("var/tmp/boot-report/reporter-journal")}`);
    }
    return this.report();
  }

  /**
   * Boots without the report unit (nothing else powers the guest off) and waits for the guest
   * to stop by itself; true when it did within the time.
   */
  async bootUntilItStops({ timeoutMs = 60_000 } = {}) {
    rmSync(this.path("etc/systemd/system/graphical.target.wants/boot-report.service"), { force: true });
    const child = spawn("systemd-nspawn", ["--boot", "--register=no", "--keep-unit", "--quiet", "--private-network", "-D", this.root], {
      stdio: ["ignore", "ignore", "ignore"],
      env: { PATH: process.env.PATH, SYSTEMD_NSPAWN_TMPFS_TMP: "0" },
    });
    let stopped = true;
    const timer = setTimeout(() => {
      stopped = false;
      child.kill("SIGKILL");
    }, timeoutMs);
    await new Promise((r) => child.on("close", r));
    clearTimeout(timer);
    return stopped;
  }

  props(unit) {
    return Object.fromEntries(
      this.read(`var/tmp/boot-report/${unit}.props`)
        .trim()
        .split("\n")
        .map((l) => l.split("=")),
    );
  }

  report() {
    const consoleFile = join(this.dir, this.image ? "serial.log" : `console-${this.boots}.log`);
    const units = {};
    for (const unit of STAGE_UNITS[this.kind]) {
      const props = this.props(unit);
      const start = Number(props.ExecMainStartTimestampMonotonic);
      const exit = Number(props.ExecMainExitTimestampMonotonic);
      const rss = this.exists(`var/tmp/rss-${unit}`) ? Number(this.read(`var/tmp/rss-${unit}`).trim().split("\n").pop()) : undefined;
      units[unit] = { ms: (exit - start) / 1000, status: Number(props.ExecMainStatus), result: props.Result, rssKiB: rss };
    }
    const processRss = PROCESS_UNITS[this.kind].map((u) => (this.exists(`var/tmp/rss-${u}`) ? Number(this.read(`var/tmp/rss-${u}`).trim().split("\n").pop()) : 0));
    return {
      processes: Object.fromEntries(PROCESS_UNITS[this.kind].map((u) => [u, this.props(u)])),
      console: existsSync(consoleFile) ? readFileSync(consoleFile, "utf8") : "",
      peakRssKiB: Math.max(0, ...processRss, ...Object.values(units).map((u) => u.rssKiB ?? 0)),
      status: this.read("var/tmp/boot-report/status.txt"),
      hostname: this.read("var/tmp/boot-report/hostname").trim(),
      sshd: this.read("var/tmp/boot-report/sshd").trim(),
      ipAddr: this.read("var/tmp/boot-report/ip-addr"),
      ipRoute: this.read("var/tmp/boot-report/ip-route"),
      journal: this.read("var/tmp/boot-report/journal"),
      cloudId: this.read("var/tmp/boot-report/cloud-id"),
      statusCode: Number(this.read("var/tmp/boot-report/status.rc")),
      units,
      totalMs: Object.values(units).reduce((sum, u) => sum + u.ms, 0),
    };
  }

  dispose() {
    try {
      execFileSync("umount", [this.root]);
    } catch {
      execFileSync("umount", ["-l", this.root]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
