// seed_random: feeds the kernel's pool (or another file) with seed data from the config and
// the datasource's meta-data, then runs an optional seeding command such as pollinate.
import { gunzipSync } from "node:zlib";
import { isPlainObject } from "../src/config/yaml";
import type { CloudConfigModule } from "../src/module";
import { toList } from "../src/users";

export const seedRandom: CloudConfigModule = {
  name: "seed_random",
  frequency: "once-per-instance",
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
      host.append(file, seed, 0o600);
      log.info(`${seed.length} bytes of seed data added to ${file}`);
    }
    const command = toList(settings.command ?? []);
    if (!command.length) return;
    if (!(command[0].startsWith("/") ? host.exists(command[0]) : host.which(command[0]))) {
      if (settings.command_required === true) throw new Error(`random_seed command ${command[0]} is not in this image`);
      log.info(`random_seed command ${command[0]} is not in this image; skipped`);
      return;
    }
    const result = await host.run(command, { env: { RANDOM_SEED_FILE: file }, timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`random_seed command ${command.join(" ")} exited with ${result.code}: ${result.stderr.trim()}`);
  },
};

/** `data` is text, or bytes when the YAML said !!binary. */
export function decodeSeed(data: unknown, encoding: string): Buffer {
  const bytes = data instanceof Uint8Array ? Buffer.from(data) : Buffer.from(String(data), encoding === "base64" || encoding === "b64" ? "base64" : "utf8");
  if (encoding === "gzip" || encoding === "gz") return gunzipSync(bytes);
  return bytes;
}
