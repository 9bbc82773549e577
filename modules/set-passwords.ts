// set_passwords (cloud.cfg calls it set_passwords; the keys live under chpasswd): passwords
// for existing users through chpasswd on stdin, RANDOM ones shown only on the console, expiry,
// and ssh_pwauth in sshd's config. We also recognise yescrypt ($y$) hashes, which cloud-init
// 22.4 would set as a plain-text password.
import { randomInt } from "node:crypto";
import { isPlainObject } from "../src/config/yaml";
import { openConsole } from "../src/host/console";
import type { Host } from "../src/host/host";
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { isActive, manageService, sshService } from "../src/system/services";
import { normalizeUsers } from "../src/system/users";

const HASH = /^\$(1|2a|2y|5|6|y|7|gy)\$[^:]+\$[^:]+$/;
const SSHD_DROPIN = "/etc/ssh/sshd_config.d/50-cloud-init.conf";

interface Change {
  name: string;
  password: string;
  kind: "text" | "hash" | "random";
}

export const setPasswords: CloudConfigModule = {
  name: "set_passwords",
  frequency: "once-per-instance",
  idempotent: true, // the same passwords again; a random one is made anew, and printed again
  distros: "all",
  schema: {
    properties: {
      password: { type: "string" },
      ssh_pwauth: { type: ["boolean", "string", "null"] },
      chpasswd: { type: "object", properties: { expire: { type: "boolean" }, users: { type: "array", items: { type: "object", required: ["name"] } }, list: { type: ["string", "array"], deprecated: "chpasswd.list is deprecated: use chpasswd.users" } } },
    },
  },
  async run(ctx) {
    const asked = passwordChanges(ctx);
    const errors: string[] = [];
    // a RANDOM password is shown on the console only, never in a log: with no console nobody
    // could learn it, so the account keeps the password it has
    const wantsRandom = asked.some((c) => c.kind === "random");
    const console = wantsRandom ? openConsole(ctx.host) : undefined;
    if (wantsRandom && !console) {
      const names = asked.filter((c) => c.kind === "random").map((c) => c.name);
      ctx.log.warn(`chpasswd: there is no console to show the generated (RANDOM) passwords on; the passwords of ${names.join(", ")} were not changed`);
    }
    const changes = console ? asked : asked.filter((c) => c.kind !== "random");
    const text = changes.filter((c) => c.kind !== "hash");
    const hashed = changes.filter((c) => c.kind === "hash");
    // RANDOM ones are set with the text ones: shown only when that worked
    const textSet = text.length > 0 && (await chpasswd(ctx.host, [], text).then(() => true, (e: Error) => (errors.push(e.message), false)));
    if (hashed.length) await chpasswd(ctx.host, ["-e"], hashed).catch((e: Error) => errors.push(e.message));
    if (console) {
      const random = changes.filter((c) => c.kind === "random");
      try {
        if (textSet) console.write(`Set the following 'random' passwords\n${random.map((c) => `${c.name}:${c.password}`).join("\n")}\n`);
      } catch {
        errors.push("the generated (RANDOM) passwords were set but could not be written to the console");
      } finally {
        console.close();
      }
    }
    const chp = isPlainObject(ctx.config.chpasswd) ? ctx.config.chpasswd : {};
    if (chp.expire !== false) {
      for (const c of changes) {
        await ctx.host.runChecked(["passwd", "--expire", c.name]).catch((e: Error) => errors.push(e.message));
      }
    }
    await applyPwauth(ctx).catch((e: Error) => errors.push(e.message));
    if (errors.length) throw new Error(errors.join("; "));
  },
};

export function passwordChanges({ config, log }: ModuleContext): Change[] {
  const chp = isPlainObject(config.chpasswd) ? config.chpasswd : {};
  const out: Change[] = [];
  if (Array.isArray(chp.users)) {
    for (const u of chp.users) {
      if (!isPlainObject(u) || typeof u.name !== "string") continue;
      const type = String(u.type ?? "hash").toLowerCase();
      if (type === "random") out.push({ name: u.name, password: randomPassword(), kind: "random" });
      else if (typeof u.password === "string") out.push({ name: u.name, password: u.password, kind: type === "text" ? "text" : "hash" });
    }
    return out;
  }
  const list = typeof chp.list === "string" ? chp.list.split("\n") : Array.isArray(chp.list) ? chp.list.map(String) : undefined;
  if (list) return list.filter((l) => l.trim()).map((line) => legacyEntry(line, log));
  if (typeof config.password === "string") {
    const systemInfo = isPlainObject(config.system_info) ? config.system_info : {};
    const user = normalizeUsers(config, isPlainObject(systemInfo.default_user) ? systemInfo.default_user : undefined).find((u) => u.isDefault);
    if (user) return [legacyEntry(`${user.name}:${config.password}`, log)];
  }
  return out;
}

function legacyEntry(line: string, log: ModuleContext["log"]): Change {
  const colon = line.indexOf(":");
  if (colon < 0) throw new Error("a chpasswd.list line has no ':' between user and password");
  const name = line.slice(0, colon).trim();
  const value = line.slice(colon + 1).trim();
  if (value === "R" || value === "RANDOM") return { name, password: randomPassword(), kind: "random" };
  if (HASH.test(value)) return { name, password: value, kind: "hash" };
  if (value.startsWith("$")) log.warn(`password for ${name} looks like a hash of an unknown kind; set as text`);
  return { name, password: value, kind: "text" };
}

/** chpasswd reads "user:password" lines from stdin: nothing secret in argv or the environment. */
async function chpasswd(host: Host, flags: string[], changes: Change[]): Promise<void> {
  await host.runChecked(["chpasswd", ...flags], { input: changes.map((c) => `${c.name}:${c.password}\n`).join("") });
}

/** 20 characters with at least one digit, lower, upper and punctuation character. */
export function randomPassword(): string {
  const sets = ["0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "!#%&()*+,-./;<=>?@[]^_{|}~"];
  const all = sets.join("");
  const chars = [...sets.map((s) => s[randomInt(s.length)]), ...Array.from({ length: 16 }, () => all[randomInt(all.length)])];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

async function applyPwauth({ host, config, log }: ModuleContext): Promise<void> {
  const value = config.ssh_pwauth;
  if (value === undefined || value === null || value === "unchanged") return;
  const word = String(value).toLowerCase();
  const setting = ["true", "yes", "on", "1"].includes(word) ? "yes" : ["false", "no", "off", "0"].includes(word) ? "no" : undefined;
  if (!setting) return log.warn('ssh_pwauth: expected true, false or "unchanged"; sshd left alone');
  const main = host.readTextIfExists("/etc/ssh/sshd_config") ?? "";
  const useDropin = /^Include\s+\/etc\/ssh\/sshd_config\.d\/\*\.conf/m.test(main);
  const file = useDropin ? SSHD_DROPIN : "/etc/ssh/sshd_config";
  const before = host.readTextIfExists(file) ?? "";
  const after = setOption(before, "PasswordAuthentication", setting);
  if (after === before) return;
  host.writeAtomic(file, after, useDropin ? 0o600 : (host.stat(file)?.mode ?? 0o644) & 0o777);
  const service = sshService(config);
  if (await isActive(host, service)) await manageService(host, "restart", service);
}

/** Replaces the option's line (matched case-insensitively) or appends one. */
export function setOption(text: string, key: string, value: string): string {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const at = lines.findIndex((l) => l.trim().split(/\s+/)[0]?.toLowerCase() === key.toLowerCase());
  if (at >= 0) lines[at] = `${key} ${value}`;
  else lines.push(`${key} ${value}`);
  return `${lines.join("\n")}\n`;
}
