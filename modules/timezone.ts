// timezone: /etc/timezone and /etc/localtime for the zone named in `timezone`, which must
// exist under /usr/share/zoneinfo (a typo is an error, not a machine silently left in UTC).
import type { CloudConfigModule } from "../src/module";

const ZONEINFO = "/usr/share/zoneinfo";

export const timezone: CloudConfigModule = {
  name: "timezone",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  activateBy: ["timezone"],
  schema: { properties: { timezone: { type: "string" } } },
  async run({ host, config, distro, log }) {
    const zone = String(config.timezone ?? "").trim();
    if (!zone) return { skipped: "timezone is empty" };
    const file = `${ZONEINFO}/${zone}`;
    if (zone.split("/").includes("..") || !host.statFollow(file)?.isFile()) throw new Error(`timezone: no such zone under ${ZONEINFO}`);
    if (distro.family === "debian") host.writeAtomic("/etc/timezone", `${zone}\n`);
    // a symlink is replaced; a regular file /etc/localtime is kept a copy, as cloud-init does
    if (host.stat("/etc/localtime")?.isFile()) host.copyFile(host.path(file), "/etc/localtime", 0o644);
    else host.symlink(file, "/etc/localtime");
    log.info(`timezone set to ${zone}`);
  },
};
