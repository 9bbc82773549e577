// ssh_authkey_fingerprints: for every configured user, a table of the keys in its
// authorized_keys (type, digest, options, comment) on the console, as cloud-init prints it.
// The file is in the user's home: read refusing links a user planted (a link to /etc/shadow
// must not reach the console), and a refusal costs that user's table only.
import { createHash } from "node:crypto";
import { account, parseKeyLine } from "../src/ssh/authorized-keys";
import { isPlainObject } from "../src/config/yaml";
import type { CloudConfigModule } from "../src/module";
import { normalizeUsers } from "../src/system/users";

const HASHES = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

export const sshAuthkeyFingerprints: CloudConfigModule = {
  name: "ssh_authkey_fingerprints",
  frequency: "once-per-instance",
  idempotent: true,
  distros: "all",
  schema: { properties: { no_ssh_fingerprints: { type: "boolean" }, authkey_hash: { type: "string" } } },
  async run({ host, config, output }) {
    if (config.no_ssh_fingerprints === true) return { skipped: "no_ssh_fingerprints is true" };
    const hash = String(config.authkey_hash ?? "sha256").toLowerCase();
    if (!HASHES.includes(hash)) throw new Error(`authkey_hash must be one of ${HASHES.join(", ")}`);
    const systemInfo = isPlainObject(config.system_info) ? config.system_info : {};
    const defaultUser = isPlainObject(systemInfo.default_user) ? systemInfo.default_user : undefined;
    const failures: string[] = [];
    for (const user of normalizeUsers(config, defaultUser)) {
      if (user.options.no_create_home === true || user.options.system === true) continue;
      const owner = account(host, user.name);
      if (!owner) continue;
      const file = `${owner.home}/.ssh/authorized_keys`;
      let text: string;
      try {
        text = host.readUserFile(file, owner.uid)?.toString("utf8") ?? "";
      } catch (err) {
        failures.push(`user ${user.name}: ${(err as Error).message}`);
        continue;
      }
      const keys = text.split("\n").flatMap((l) => parseKeyLine(l) ?? []);
      const table = keys.length
        ? fingerprintTable(`Authorized keys from ${file} for user ${user.name}`, hash, keys.map((k) => [k.type, fingerprint(k.body, hash), k.options ?? "-", k.comment ?? "-"]))
        : `no authorized SSH keys fingerprints found for user ${user.name}.`;
      output(`${table.split("\n").map((l) => `ci-info: ${l}`).join("\n")}\n`);
    }
    if (failures.length) throw new Error(failures.join("; "));
  },
};

/** The digest of the key's blob as colon-separated hex pairs. */
export function fingerprint(base64Body: string, hash: string): string {
  const hex = createHash(hash).update(Buffer.from(base64Body, "base64")).digest("hex");
  return hex.match(/../g)!.join(":");
}

/** A PrettyTable-style box with centred cells under a title line of "+". */
export function fingerprintTable(title: string, hash: string, rows: string[][]): string {
  const header = ["Keytype", `Fingerprint (${hash})`, "Options", "Comment"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
  const rule = `+${widths.map((w) => "-".repeat(w)).join("+")}+`;
  const line = (cells: string[]) => `|${cells.map((c, i) => centre(c, widths[i], " ")).join("|")}|`;
  return [centre(title, rule.length, "+"), rule, line(header), rule, ...rows.map(line), rule].join("\n");
}

function centre(text: string, width: number, fill: string): string {
  const left = Math.floor((width - text.length) / 2);
  return fill.repeat(Math.max(0, left)) + text + fill.repeat(Math.max(0, width - text.length - left));
}
