// users_groups: groups first, then users with the real tools (groupadd, useradd, chpasswd,
// passwd), argv only, passwords on stdin. An existing user only gets what cloud-init changes
// for existing users (passwords, lock, sudo, keys). One bad user does not stop the others.
import { account, addAuthorizedKeys } from "../src/ssh/authorized-keys";
import type { Schema } from "../src/config/schema";
import { isPlainObject, toList } from "../src/config/yaml";
import { groupId, userId } from "../src/host/accounts";
import type { Host } from "../src/host/host";
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { rfc2822 } from "../src/state/status";
import { authorizedKeyLines, normalizeGroups, normalizeUsers, type UserSpec } from "../src/system/users";

const SUDOERS_FILE = "/etc/sudoers.d/90-cloud-init-users";
const NEW_USER_FLAGS: [string, string][] = [
  ["expiredate", "--expiredate"],
  ["gecos", "--comment"],
  ["homedir", "--home"],
  ["inactive", "--inactive"],
  ["primary_group", "--gid"],
  ["selinux_user", "--selinux-user"],
  ["shell", "--shell"],
  ["uid", "--uid"],
];

const USER: Schema = { type: ["string", "object", "array"] };
const SCHEMA: Schema = { properties: { groups: { type: ["string", "array", "object"] }, users: { type: ["string", "array", "object"], items: USER }, user: { type: ["string", "object"] } } };

export const usersGroups: CloudConfigModule = {
  name: "users_groups",
  frequency: "once-per-instance",
  idempotent: true, // existing users and groups are left as they are
  distros: "all",
  schema: SCHEMA,
  async run(ctx) {
    const failures: string[] = [];
    for (const group of normalizeGroups(ctx.config.groups)) {
      await createGroup(ctx, group.name, group.members).catch((err: Error) => failures.push(`group ${group.name}: ${err.message}`));
    }
    const systemInfo = isPlainObject(ctx.config.system_info) ? ctx.config.system_info : {};
    const defaultUser = isPlainObject(systemInfo.default_user) ? systemInfo.default_user : undefined;
    const users = normalizeUsers(ctx.config, defaultUser);
    // an image without the shadow tools cannot have users made; only asking for more is an error
    if (!ctx.host.which("useradd") && users.every((u) => u.isDefault && !userExistsOrKeys(ctx, u))) {
      return { skipped: "useradd is not in this image; the default user is not created" };
    }
    const sudoRules: [string, string[]][] = [];
    for (const user of users) {
      try {
        await applyUser(ctx, user);
        const rules = sudoRulesOf(user);
        if (rules.length) sudoRules.push([user.name, rules]);
      } catch (err) {
        failures.push(`user ${user.name}: ${(err as Error).message}`);
      }
    }
    if (sudoRules.length) await writeSudoers(ctx, sudoRules).catch((err: Error) => failures.push(`sudo rules: ${err.message}`));
    if (failures.length) throw new Error(failures.join("; "));
  },
};

function userExistsOrKeys(ctx: ModuleContext, user: UserSpec): boolean {
  return userId(ctx.host, user.name) !== undefined || authorizedKeyLines(user.options.ssh_authorized_keys).length > 0;
}

async function run(host: Host, argv: string[], input?: string): Promise<void> {
  await host.runChecked(argv, { input, what: argv[0] });
}

async function createGroup(ctx: ModuleContext, name: string, members: string[]): Promise<void> {
  if (groupId(ctx.host, name) === undefined) await run(ctx.host, ["groupadd", "--", name]);
  for (const member of members) {
    if (userId(ctx.host, member) === undefined) ctx.log.warn(`group ${name}: user ${member} does not exist; not added`);
    else await run(ctx.host, ["usermod", "-a", "-G", name, "--", member]);
  }
}

async function applyUser(ctx: ModuleContext, user: UserSpec): Promise<void> {
  const o = user.options;
  if ((o.system || o.no_create_home) && (o.ssh_authorized_keys || o.ssh_import_id)) {
    throw new Error("system users and users without a home cannot have SSH keys");
  }
  const exists = userId(ctx.host, user.name) !== undefined;
  if (exists) {
    if (o.passwd) ctx.log.warn(`user ${user.name} exists: its passwd is not changed (use hashed_passwd or chpasswd)`);
  } else {
    await createUser(ctx, user);
  }
  if (typeof o.hashed_passwd === "string") await run(ctx.host, ["chpasswd", "-e"], `${user.name}:${o.hashed_passwd}\n`);
  if (typeof o.plain_text_passwd === "string") await run(ctx.host, ["chpasswd"], `${user.name}:${o.plain_text_passwd}\n`);
  if (o.lock_passwd !== false) await run(ctx.host, ["passwd", "-l", user.name]);
  const keys = authorizedKeyLines(o.ssh_authorized_keys);
  const home = account(ctx.host, user.name);
  if (keys.length && home) addAuthorizedKeys(ctx.host, home, keys);
}

async function createUser(ctx: ModuleContext, user: UserSpec): Promise<void> {
  const o = user.options;
  const groups = toList(o.groups);
  if (o.create_groups !== false) for (const g of groups) if (groupId(ctx.host, g) === undefined) await run(ctx.host, ["groupadd", "--", g]);
  if (typeof o.primary_group === "string" && groups.length && groupId(ctx.host, o.primary_group) === undefined) await run(ctx.host, ["groupadd", "--", o.primary_group]);
  const argv = ["useradd"];
  for (const [key, flag] of NEW_USER_FLAGS) {
    const value = o[key];
    // expiredate and inactive only as strings, as cloud-init (YAML dates and ints are dropped)
    if ((key === "expiredate" || key === "inactive") && typeof value !== "string") continue;
    if (value !== undefined && value !== null && value !== "") argv.push(flag, String(value));
  }
  if (groups.length) argv.push("--groups", groups.join(","));
  if (o.no_user_group) argv.push("--no-user-group");
  if (o.no_log_init) argv.push("--no-log-init");
  if (o.system) argv.push("--system");
  argv.push(o.system || o.no_create_home ? "-M" : "-m", "--", user.name);
  await run(ctx.host, argv);
  // a hash given as passwd is set through stdin, not useradd's argv
  if (typeof o.passwd === "string") await run(ctx.host, ["chpasswd", "-e"], `${user.name}:${o.passwd}\n`);
  ctx.log.info(`created user ${user.name}`);
}

function sudoRulesOf(user: UserSpec): string[] {
  const sudo = user.options.sudo;
  if (sudo === undefined || sudo === null || sudo === false) return [];
  if (sudo === true) throw new Error("sudo: true is not a rule; write e.g. 'ALL=(ALL) NOPASSWD:ALL'");
  const rules = toList(Array.isArray(sudo) ? sudo : [sudo]);
  // one rule is one sudoers line: a line break would add a rule the user did not write
  if (rules.some((r) => /[\n\r]/.test(r))) throw new Error("sudo: a rule spans more than one line; no rule of this user applied");
  return rules;
}

/** One file for every rule; checked with visudo before it replaces the old one. */
async function writeSudoers(ctx: ModuleContext, rules: [string, string[]][]): Promise<void> {
  const { host } = ctx;
  const existing = host.readTextIfExists(SUDOERS_FILE) ?? `# Created by cloud-agent v. ${ctx.version} on ${rfc2822(new Date())}\n`;
  let text = existing;
  for (const [name, lines] of rules) {
    const block = `\n# User rules for ${name}\n${lines.map((l) => `${name} ${l}`).join("\n")}\n`;
    if (!text.includes(block)) text += block;
  }
  if (text === existing) return;
  const candidate = `${SUDOERS_FILE}.new`;
  host.writeAtomic(candidate, text, 0o440);
  try {
    if (host.which("visudo")) await run(host, ["visudo", "-c", "-q", "-f", candidate]);
    host.writeAtomic(SUDOERS_FILE, text, 0o440);
  } finally {
    host.remove(candidate);
  }
  const sudoers = host.readTextIfExists("/etc/sudoers");
  if (sudoers !== undefined && !/^[#@]includedir\s+\/etc\/sudoers\.d/m.test(sudoers)) {
    host.append("/etc/sudoers", `\n# Added by cloud-agent v. ${ctx.version}\n@includedir /etc/sudoers.d\n`);
  }
}
