// seed_random: feeds the kernel's pool (or another file) with seed data from the config and
// the datasource's meta-data, then runs an optional seeding command such as pollinate.
import { gunzipSync } from "node:zlib";
import { isPlainObject, toList } from "../src/config/yaml";
import { openCharDevice } from "../src/host/console";
import type { Host } from "../src/host/host";
import type { CloudConfigModule } from "../src/module";

export const seedRandom: CloudConfigModule = {
  name: "seed_random",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  schema: {
    properties: {
      random_seed: {
        type: "object",
        properties: {
          file: { type: "string" },
          data: {},
          encoding: { enum: ["raw", "base64", "b64", "gzip", "gz"] },
          command: { type: "array", items: { type: "string" } },
          command_required: { type: "boolean" },
        },
      },
    },
  },
  async run({ host, config, instance, log }) {
    const settings = isPlainObject(config.random_seed) ? config.random_seed : {};
    const file = String(settings.file ?? "/dev/urandom");
    const seed = Buffer.concat([
      decodeSeed(settings.data ?? "", String(settings.encoding ?? "raw")),
      Buffer.from(typeof instance.metadata.random_seed === "string" ? instance.metadata.random_seed : ""),
    ]);
    if (seed.length) {
      addSeed(host, file, seed);
      log.info(`${seed.length} bytes of seed data added to ${file}`);
    }
    const command = toList(settings.command ?? []);
    if (!command.length) return;
    if (!(command[0].startsWith("/") ? host.exists(command[0]) : host.which(command[0]))) {
      if (settings.command_required === true) throw new Error(`random_seed command ${command[0]} is not in this image`);
      log.info(`random_seed command ${command[0]} is not in this image; skipped`);
      return;
    }
    await host.runChecked(command, { env: { RANDOM_SEED_FILE: file }, timeoutMs: 60_000, what: `random_seed command ${command.join(" ")}` });
  },
};

/** A device (the kernel's pool) must exist and is never created; another file gets the seed appended, 0600. */
function addSeed(host: Host, file: string, seed: Buffer): void {
  if (file.startsWith("/dev/")) {
    const device = openCharDevice(host, file);
    if (!device) throw new Error(`random_seed.file: ${file} is not a character device here; the seed was not written`);
    try {
      device.write(seed);
    } finally {
      device.close();
    }
    return;
  }
  host.writeUserFile(file, seed, { mode: 0o600, append: true });
}

/** `data` is text, or bytes when the YAML said !!binary. */
/** More seed than this is no better seed: a gzip that inflates past it is refused. */
const MAX_SEED_BYTES = 1024 * 1024;

export function decodeSeed(data: unknown, encoding: string): Buffer {
  const bytes = data instanceof Uint8Array ? Buffer.from(data) : Buffer.from(String(data), encoding === "base64" || encoding === "b64" ? "base64" : "utf8");
  if (encoding === "gzip" || encoding === "gz") return gunzipSync(bytes, { maxOutputLength: MAX_SEED_BYTES });
  return bytes;
}
