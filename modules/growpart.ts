// growpart (every boot): grows the partition under each configured mount point ("/" by
// default) to the end of its disk with the growpart tool; NOCHANGE is success. A failure
// leaves the disk as growpart left it (it changes nothing it cannot finish) and is reported.
import { isPlainObject } from "../src/config/yaml";
import { mountOf, partitionOf, readMounts } from "../src/mounts";
import type { CloudConfigModule } from "../src/module";
import { toList } from "../src/users";

export const growpart: CloudConfigModule = {
  name: "growpart",
  frequency: "always",
  distros: "all",
  schema: {
    properties: {
      growpart: {
        type: "object",
        properties: { mode: { type: ["string", "boolean"] }, devices: { type: "array", items: { type: "string" } }, ignore_growroot_disabled: { type: "boolean" } },
      },
    },
  },
  async run({ host, config, log, partialFailure }) {
    const settings = isPlainObject(config.growpart) ? config.growpart : {};
    const mode = String(settings.mode ?? "auto").toLowerCase();
    if (mode === "off" || mode === "false") return { skipped: "growpart mode is off" };
    if (host.exists("/etc/growroot-disabled") && settings.ignore_growroot_disabled !== true) return { skipped: "/etc/growroot-disabled exists" };
    if (!host.which("growpart")) {
      if (mode === "growpart") throw new Error("growpart mode was asked for but the growpart tool is not in this image");
      return { skipped: "the growpart tool (cloud-guest-utils) is not in this image" };
    }
    const mounts = readMounts(host);
    for (const target of toList(settings.devices ?? ["/"])) {
      const mount = target.startsWith("/dev/") ? undefined : mountOf(mounts, target);
      const found = mount ? partitionOf(host, mount) : undefined;
      if (!found || "none" in found) {
        log.info(`growpart ${target}: ${found && "none" in found ? found.none : "no such mount"}; skipped`);
        continue;
      }
      if ("mapped" in found) {
        log.info(`growpart ${target}: on the mapped device ${found.mapped}; not grown (as cloud-init)`);
        continue;
      }
      if ("notPartition" in found) {
        log.info(`growpart ${target}: ${found.device} is a whole disk, not a partition; skipped`);
        continue;
      }
      const { disk, number, device } = found.partition;
      const dry = await host.run(["growpart", "--dry-run", disk, String(number)], { env: { LANG: "C" } });
      if (dry.code === 1) {
        log.debug(`growpart ${device}: NOCHANGE`);
        continue;
      }
      const grown = dry.code === 0 ? await host.run(["growpart", disk, String(number)], { env: { LANG: "C" } }) : dry;
      if (grown.code === 0) log.info(`growpart ${device}: CHANGED: ${grown.stdout.trim().split("\n").pop()}`);
      else partialFailure(`growpart ${disk} ${number} failed (exit ${grown.code}): ${(grown.stderr || grown.stdout).trim().split("\n").pop()}`);
    }
  },
};
