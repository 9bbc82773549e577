// `collect-logs [-t TARBALL] [-u] [-r]`: what support asks for, in cloud-init's tarball layout
// (cloud-init-logs-<date>/: the logs, /run/cloud-init, versions, `status --long`, the agent
// units' journal, dmesg). A tarball leaves the machine, so unlike cloud-init's it is redacted
// by default: user-data, vendor-data and instance-data-sensitive.json go in only with -u
// (-r, cloud-init's opt-in, is accepted and changes nothing). Root only; the tarball is 0600.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Host } from "../../host/host";
import { LOG_FILE, OUTPUT_LOG_FILE } from "../../log/logger";
import { readCmdline } from "../../stages/env";
import { readInstanceId } from "../../state/instance";
import { INSTANCE_DATA_SENSITIVE } from "../../state/instance-data";
import { DATA_DIR, instancePath, RUN_DIR } from "../../state/paths";
import { renderTabular } from "../../state/status";
import { readSummary } from "../../state/status-store";
import { VERSION } from "../../version";
import { argumentPath, type Command } from "../command";
import { BOOT_UNITS } from "./install";

/** Left out of a default tarball: what the user or vendor wrote, and the unredacted instance data. */
const SENSITIVE = [INSTANCE_DATA_SENSITIVE];

export const collectLogs: Command = {
  spec: {
    name: "collect-logs",
    summary: "Collect and tar all cloud-init debug info.",
    options: [
      { name: "tarfile", short: "t", value: true, help: "the tarball to write (default: cloud-init.tar.gz in the working directory)" },
      { name: "include-userdata", short: "u", help: "also include user-data, vendor-data and instance-data-sensitive.json (they may hold passwords)" },
      { name: "redact-sensitive", short: "r", help: "accepted for cloud-init's scripts: the tarball is redacted unless -u is given" },
    ],
  },
  async run(args, io) {
    if (process.getuid?.() !== 0) {
      io.stderr("To collect all logs, run cloud-init collect-logs as root (the logs and state are root's).\n");
      return 1;
    }
    const { host } = io;
    const withUserData = Boolean(args.options["include-userdata"]);
    const tarball = argumentPath((args.options.tarfile as string | undefined) ?? "cloud-init.tar.gz");
    const name = `cloud-init-logs-${new Date().toISOString().slice(0, 10)}`;
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), "collect-logs-"));
    const dir = path.join(staging, name);
    const put = (file: string, content: string | Buffer) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content, { mode: 0o600 });
    };
    const command = async (file: string, argv: string[]) => {
      const result = await host.run(argv, { timeoutMs: 30_000 });
      put(file, result.code === 0 ? result.stdout : `${argv.join(" ")} exited with ${result.code}: ${result.stderr.trim()}\n`);
    };
    try {
      fs.mkdirSync(dir, { recursive: true });
      for (const log of [LOG_FILE, OUTPUT_LOG_FILE]) {
        const bytes = host.readBytesIfExists(log);
        if (bytes) put(path.basename(log), bytes);
      }
      put("version", `cloud-agent ${VERSION}\n`);
      await command("dpkg-version", ["dpkg-query", "--show", "-f=${Version}\n", "cloud-agent"]);
      const { summary } = readSummary(host, readCmdline(host), () => undefined);
      put("status.txt", renderTabular(summary, true));
      await command("journal.txt", ["journalctl", "--boot=0", "-o", "short-precise", "--no-pager", ...Object.keys(BOOT_UNITS).flatMap((u) => ["-u", u])]);
      await command("dmesg.txt", ["dmesg"]);
      copyTree(host, RUN_DIR, (file, bytes) => put(path.join("run/cloud-init", path.relative(RUN_DIR, file)), bytes), withUserData ? [] : [...SENSITIVE, `${RUN_DIR}/tmp`]);
      const iid = readInstanceId(host, `${DATA_DIR}/instance-id`);
      if (withUserData && iid) {
        for (const file of ["user-data.txt", "vendor-data.txt", "vendor-data2.txt"]) {
          const bytes = host.readBytesIfExists(instancePath(iid, file));
          if (bytes) put(file, bytes);
        }
      }
      // made in the private staging directory, then written where asked with the link-refusing
      // writer: root runs this in /tmp or a home, where a user may have planted a link
      const made = path.join(staging, "logs.tar.gz");
      execFileSync("tar", ["czf", made, "-C", staging, name], { stdio: ["ignore", "ignore", "pipe"] });
      host.writeUserFile(tarball, fs.readFileSync(made), { mode: 0o600 });
    } catch (err) {
      io.stderr(`collect-logs: could not write ${tarball}: ${(err as Error).message}\n`);
      return 1;
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
    io.stdout(`Wrote ${tarball}\n`);
    return 0;
  },
};

/** Every regular file under `dir`, links to files read through (status.json is one, as in cloud-init's layout), but those under `skip`. */
function copyTree(host: Host, dir: string, copy: (file: string, bytes: Buffer) => void, skip: string[]): void {
  for (const entry of host.list(dir)) {
    const file = `${dir}/${entry}`;
    if (skip.includes(file)) continue;
    const st = host.stat(file);
    if (st?.isDirectory()) copyTree(host, file, copy, skip);
    else if (st?.isFile() || (st?.isSymbolicLink() && host.statFollow(file)?.isFile())) {
      const bytes = host.readBytesIfExists(file);
      if (bytes) copy(file, bytes);
    }
  }
}
