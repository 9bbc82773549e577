// ssh: fresh host keys for a new instance (or the ones given in ssh_keys), and the cloud's
// public keys for the default user (and, fenced off, for root). The slow RSA key is made in
// the background: sshd can start on the others, and is reloaded when RSA is in place. On a new
// instance the boot process starts it ahead, in the local stage, while the boot waits for the
// network; the key is taken (its comment set to root@<hostname> then) only when this module
// wants an RSA key, else discarded.
// Keys are durable before they are in place; a key a power cut still broke is found by
// repairHostKeys (src/ssh/host-keys.ts), which the init stage runs on every boot before sshd starts.
import { account, addAuthorizedKeys, type Account } from "../src/ssh/authorized-keys";
import { isPlainObject, toList } from "../src/config/yaml";
import type { CloudConfigModule, ModuleContext } from "../src/module";
import { isActive, manageService, sshService } from "../src/system/services";
import { authorizedKeyLines, normalizeUsers } from "../src/system/users";
import { hostname } from "node:os";
import { makeHostKey, placeHostKey, startHostKey } from "../src/ssh/host-keys";

const KEY_TYPES = ["rsa", "ecdsa", "ed25519"];
const BACKGROUND_TYPES = ["rsa"];
const DISABLE_ROOT_OPTS =
  'no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="echo \'Please login as the user \\"$USER\\" rather than the user \\"$DISABLE_USER\\".\';echo;sleep 10;exit 142"';

export const ssh: CloudConfigModule = {
  name: "ssh",
  frequency: "once-per-instance",
  idempotent: true, // keys that exist and work are kept
  distros: "all",
  schema: {
    properties: {
      ssh_deletekeys: { type: "boolean" },
      ssh_genkeytypes: { type: "array", items: { type: "string" } },
      ssh_keys: { type: "object" },
      ssh_quiet_keygen: { type: "boolean" },
      ssh_authorized_keys: { type: "array", items: { type: "string" } },
      allow_public_ssh_keys: { type: "boolean" },
      disable_root: { type: "boolean" },
      disable_root_opts: { type: "string" },
    },
  },
  ahead(host) {
    if (!host.which("ssh-keygen")) return undefined;
    const made = startHostKey(host, "rsa");
    return { result: made.result.then(() => made.dir), discard: made.discard };
  },
  async run(ctx) {
    const { host, config } = ctx;
    if (!host.which("ssh-keygen")) return { skipped: "OpenSSH is not in this image" };
    if (config.ssh_deletekeys !== false) {
      for (const name of host.list("/etc/ssh")) if (/^ssh_host_.*key/.test(name)) host.remove(`/etc/ssh/${name}`);
    }
    if (isPlainObject(config.ssh_keys)) writeGivenKeys(ctx, config.ssh_keys);
    else await generateKeys(ctx, toList(config.ssh_genkeytypes ?? KEY_TYPES));
    installAuthorizedKeys(ctx);
  },
};

function writeGivenKeys({ host, log }: ModuleContext, keys: Record<string, unknown>): void {
  for (const type of KEY_TYPES) {
    const base = `/etc/ssh/ssh_host_${type}_key`;
    if (typeof keys[`${type}_private`] === "string") host.writeAtomic(base, String(keys[`${type}_private`]), 0o600);
    if (typeof keys[`${type}_public`] === "string") host.writeAtomic(`${base}.pub`, String(keys[`${type}_public`]), 0o644);
    if (typeof keys[`${type}_certificate`] === "string") host.writeAtomic(`${base}-cert.pub`, String(keys[`${type}_certificate`]), 0o644);
  }
  log.info("host keys installed from ssh_keys; none generated");
}

async function generateKeys(ctx: ModuleContext, types: string[]): Promise<void> {
  const wanted = types.filter((t) => KEY_TYPES.includes(t) && !ctx.host.exists(`/etc/ssh/ssh_host_${t}_key`));
  const now = wanted.filter((t) => !BACKGROUND_TYPES.includes(t));
  await Promise.all(now.map((t) => generateKey(ctx, t)));
  for (const t of wanted.filter((type) => BACKGROUND_TYPES.includes(type))) {
    // taken only when wanted: one left untaken is stopped and removed when the boot settles
    const ahead = t === "rsa" ? (ctx.takeAhead() as Promise<string> | undefined) : undefined;
    ctx.background(`${t} host key`, generateKey(ctx, t, ahead).then(() => reloadSshd(ctx)));
  }
}

/** Makes the key, or places the one made ahead (made again if that failed). */
async function generateKey(ctx: ModuleContext, type: string, ahead?: Promise<string>): Promise<void> {
  const { host, config, output, log } = ctx;
  const dir = await ahead?.catch((err: unknown) => log.warn(`the ${type} host key made ahead failed (${(err as Error).message}); making it now`));
  if (typeof dir === "string") await placeHostKey(host, type, dir, `root@${hostname()}`);
  else await makeHostKey(host, type);
  if (config.ssh_quiet_keygen !== true) {
    const fp = await host.run(["ssh-keygen", "-l", "-f", `/etc/ssh/ssh_host_${type}_key.pub`]);
    if (fp.code === 0) output(`Generated ${type} host key: ${fp.stdout}`);
  }
}

/** A running sshd learns about a key that arrived after it started. */
async function reloadSshd({ host, config }: ModuleContext): Promise<void> {
  const service = sshService(config);
  if (await isActive(host, service)) await manageService(host, "try-reload-or-restart", service);
}

/**
 * The cloud's keys and ssh_authorized_keys: to the default user, and to root fenced off unless
 * disable_root is false. One home that holds a planted link does not keep the keys from the other.
 */
function installAuthorizedKeys(ctx: ModuleContext): void {
  const { host, config, instance } = ctx;
  const keys = [...(config.allow_public_ssh_keys === false ? [] : instance.publicKeys), ...authorizedKeyLines(config.ssh_authorized_keys)];
  if (!keys.length) return;
  const systemInfo = isPlainObject(config.system_info) ? config.system_info : {};
  const defaultUser = normalizeUsers(config, isPlainObject(systemInfo.default_user) ? systemInfo.default_user : undefined).find((u) => u.isDefault)?.name;
  const grants: [Account, string[]][] = [];
  const user = defaultUser ? account(host, defaultUser) : undefined;
  if (user) grants.push([user, keys]);
  const root = account(host, "root");
  if (root && config.disable_root === false) {
    grants.push([root, keys]);
  } else if (root) {
    const opts = String(config.disable_root_opts ?? DISABLE_ROOT_OPTS).replace(/\$USER/g, defaultUser ?? "NONE").replace(/\$DISABLE_USER/g, "root");
    grants.push([root, keys.map((k) => `${opts} ${k}`)]);
  }
  const failures: string[] = [];
  for (const [who, lines] of grants) {
    try {
      addAuthorizedKeys(host, who, lines);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  if (failures.length) throw new Error(failures.join("; "));
}
