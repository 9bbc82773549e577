// SSH host keys as files: made durable before they are in place, and checked on every boot
// (the init stage, before sshd starts) so a key a power cut emptied is made again.
import type { Host } from "../host/host";
import { tempName } from "../host/replace-file";
import type { Logger } from "../log/logger";
import { checkOpenSshKey } from "./openssh-key";

/**
 * ssh-keygen into a hidden directory of its own (swept at boot if a crash leaves it), both
 * files fsynced, renamed into place, and the renames made durable: never a half or empty key.
 */
export async function makeHostKey(host: Host, type: string): Promise<void> {
  const made = startHostKey(host, type);
  try {
    await made.result;
  } catch (err) {
    await made.discard();
    throw err;
  }
  await placeHostKey(host, type, made.dir);
}

/** A host key being generated in its hidden directory (`dir`/key and key.pub when `result` is done); `discard` stops it and removes the directory. */
export function startHostKey(host: Host, type: string): { dir: string; result: Promise<void>; discard(): Promise<void> } {
  const dir = `/etc/ssh/${tempName(`ssh_host_${type}_key`)}`;
  host.mkdirp(dir, 0o700);
  // no -C: ssh-keygen comments the key root@<hostname>, as with cloud-init (set_hostname ran first)
  const stop = new AbortController();
  const result = host.runChecked(["ssh-keygen", "-q", "-t", type, "-N", "", "-f", `${dir}/key`], { env: { LANG: "C" }, what: `ssh-keygen -t ${type}`, signal: stop.signal }).then(() => undefined);
  // a key nobody takes is not waited for: its ssh-keygen is stopped
  const discard = async () => {
    stop.abort();
    await result.catch(() => undefined);
    host.remove(dir);
  };
  return { dir, result, discard };
}

/**
 * Moves a key made by startHostKey into place, durably. `comment` replaces the one it was
 * made with (a key made ahead, before set_hostname, says the old hostname).
 */
export async function placeHostKey(host: Host, type: string, dir: string, comment?: string): Promise<void> {
  const final = `/etc/ssh/ssh_host_${type}_key`;
  try {
    if (comment !== undefined) await host.runChecked(["ssh-keygen", "-q", "-c", "-C", comment, "-P", "", "-f", `${dir}/key`], { env: { LANG: "C" }, what: `ssh-keygen -c (${type} key comment)` });
    host.syncFiles([`${dir}/key`, `${dir}/key.pub`]);
    host.rename(`${dir}/key.pub`, `${final}.pub`);
    host.rename(`${dir}/key`, final);
  } finally {
    host.remove(dir);
  }
  host.syncDirs(["/etc/ssh"]);
}

/**
 * Every boot: a host key sshd could not load (empty, truncated, unparsable, or without its
 * .pub) is made again, with a warning; temps an interrupted generation left are removed.
 * Keys that are absent are the ssh module's business, not this check's.
 */
export async function repairHostKeys(host: Host, log: Logger): Promise<void> {
  for (const temp of host.sweepTemps(["/etc/ssh"])) log.info(`removed ${temp}, left by an interrupted key generation`);
  if (!host.which("ssh-keygen")) return;
  const keys = host.list("/etc/ssh").flatMap((name) => /^ssh_host_([a-z0-9]+)_key$/.exec(name)?.[1] ?? []);
  await Promise.all(
    keys.map(async (type) => {
      const problem = await hostKeyProblem(host, `/etc/ssh/ssh_host_${type}_key`);
      if (problem === undefined) return;
      log.warn(`${type} host key unusable (${problem}); made again`);
      host.remove(`/etc/ssh/ssh_host_${type}_key`);
      host.remove(`/etc/ssh/ssh_host_${type}_key.pub`);
      await makeHostKey(host, type);
    }),
  );
}

/** Why sshd could not use the key, or undefined; read in process (no ssh-keygen per key and boot) where the format allows. */
async function hostKeyProblem(host: Host, key: string): Promise<string | undefined> {
  for (const file of [key, `${key}.pub`]) {
    const st = host.stat(file);
    if (!st) return `${file} is missing`;
    if (!st.isFile()) return `${file} is not a regular file`;
    if (st.size === 0) return `${file} is empty`;
  }
  const check = checkOpenSshKey(host.readText(key), host.readText(`${key}.pub`));
  if (check.ok === true) return undefined;
  if (check.ok === false) return `${check.file === "public" ? `${key}.pub` : key} ${check.problem}`;
  // a format read in process does not cover (PEM, encrypted): ssh-keygen -y parses it
  const derived = await host.run(["ssh-keygen", "-y", "-f", key], { env: { LANG: "C" } });
  if (derived.code !== 0) return `ssh-keygen cannot read ${key}`;
  const material = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(" ");
  if (material(derived.stdout) !== material(host.readText(`${key}.pub`))) return `${key}.pub does not match it`;
  return undefined;
}
