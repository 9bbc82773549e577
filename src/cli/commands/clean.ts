// `clean`: removes exactly what cloud-init's clean removes, holding the root's lock as the
// stages do. /run/cloud-init is left alone (but for the lock file).
import type { Host } from "../../host/host";
import { describeError, LOG_FILE, Logger, LogSink, OUTPUT_LOG_FILE } from "../../log/logger";
import { runParts } from "../../scripts/run-parts";
import { lockRoot } from "../../state/lock";
import { CLOUD_DIR } from "../../state/paths";
import type { Command, CommandIO } from "../command";

const NETWORK_CONFIGS = [
  "/etc/netplan/50-cloud-init.yaml",
  "/etc/NetworkManager/conf.d/99-cloud-init.conf",
  "/etc/NetworkManager/conf.d/30-cloud-init-ip6-addr-gen-mode.conf",
  "/etc/network/interfaces.d/50-cloud-init.cfg",
  "/etc/network/interfaces.d/50-cloud-init",
];
const NETWORK_GLOBS: [string, RegExp][] = [
  ["/etc/NetworkManager/system-connections", /^cloud-init-.*\.nmconnection$/],
  ["/etc/systemd/network", /^10-cloud-init-.*\.(network|netdev|link)$/],
];
const SSH_CONFIGS = ["/etc/ssh/sshd_config.d/50-cloud-init.conf"];

export const clean: Command = {
  spec: {
    name: "clean",
    summary: "Remove logs and artifacts so cloud-init can re-run.",
    options: [
      { name: "logs", short: "l", help: "remove cloud-init logs" },
      { name: "machine-id", help: "set /etc/machine-id to 'uninitialized' for golden image creation" },
      { name: "reboot", short: "r", help: "reboot system after logs are cleaned" },
      { name: "seed", short: "s", help: "remove cloud-init seed directory /var/lib/cloud/seed" },
      { name: "configs", short: "c", value: true, repeat: true, choices: ["all", "ssh_config", "network"], help: "remove cloud-init generated config files of this type" },
    ],
  },
  async run(args, io) {
    const { host } = io;
    // a stage running now would write into what is being removed: wait for it, as stages wait for each other
    let lock;
    try {
      lock = await lockRoot(host, { holder: "clean", onWait: (message) => io.stderr(`${message}\n`) });
    } catch (err) {
      io.stderr(`Error: not cleaned: ${describeError(err)}\n`);
      return 1;
    }
    let failed: string[];
    try {
      failed = await removeArtifacts(args.options, io);
    } finally {
      await lock.release();
    }
    if (failed.length) {
      io.stderr(`Error: /etc/cloud/clean.d: ${failed.join(", ")} failed\n`);
      return 1;
    }
    if (args.options.reboot) {
      // the clean is done either way; the message says why the machine did not go down
      if (!host.which("shutdown")) {
        io.stderr("Error: --reboot: no shutdown command in this image; cleaned, but not rebooted\n");
        return 1;
      }
      const result = await host.run(["shutdown", "-r", "now"]);
      if (result.code !== 0) {
        io.stderr(`Error: --reboot: shutdown -r now exited with ${result.signal ?? result.code}${result.stderr.trim() ? `: ${result.stderr.trim()}` : ""}\n`);
        return 1;
      }
    }
    return 0;
  },
};

/** Everything but the reboot; returns the clean.d scripts that failed. */
async function removeArtifacts(options: Record<string, unknown>, io: CommandIO): Promise<string[]> {
  const { host } = io;
  const configs = (options.configs as string[] | undefined) ?? [];
  if (options.logs) removeLogs(host);
  if (configs.includes("all") || configs.includes("network")) removeNetworkConfigs(host);
  if (configs.includes("all") || configs.includes("ssh_config")) SSH_CONFIGS.forEach((f) => host.remove(f));
  if (options["machine-id"]) {
    if (host.isDirectory("/run/systemd/system") || host.exists("/etc/machine-id")) host.writeAtomic("/etc/machine-id", "uninitialized\n", 0o444);
  }
  if (!host.exists(CLOUD_DIR)) {
    io.stdout("Artifacts already cleaned.\n");
  } else {
    for (const name of host.list(CLOUD_DIR)) {
      if (name !== "seed" || options.seed) host.remove(`${CLOUD_DIR}/${name}`);
    }
  }
  const log = new Logger(new LogSink(host, { files: false }), "clean");
  return runParts(host, "/etc/cloud/clean.d", log, { output: (c) => io.stdout(c.toString()) });
}

function removeLogs(host: Host): void {
  for (const file of [LOG_FILE, OUTPUT_LOG_FILE]) {
    const dir = file.slice(0, file.lastIndexOf("/"));
    const base = file.slice(dir.length + 1);
    for (const name of host.list(dir)) if (name === base || name.startsWith(`${base}.`)) host.remove(`${dir}/${name}`);
  }
}

function removeNetworkConfigs(host: Host): void {
  NETWORK_CONFIGS.forEach((f) => host.remove(f));
  for (const [dir, pattern] of NETWORK_GLOBS) for (const name of host.list(dir)) if (pattern.test(name)) host.remove(`${dir}/${name}`);
}
