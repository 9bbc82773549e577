// One process for the whole boot (as cloud-init 24.3+ does): the runtime starts once, and
// the four stage units are shell shims (units/cloud-agent-stage.sh) that tell this process
// when systemd has reached their stage and wait for its exit code, over named pipes in
// /run/cloud-init/share: <stage>.go (shim -> agent) and <stage>.result (agent -> shim).
import * as fs from "node:fs";
import type { Host } from "../host/host";
import { writeStderr } from "../host/stdio";
import { LogFiles } from "../log/logger";
import { KeptLock, lockHelper } from "../state/lock";
import { RUN_DIR } from "../state/paths";
import { BackgroundWork } from "./background";
import { stageEnv, type StageEnv } from "./env";
import { initLocal, initNetwork, modulesStage } from "./stages";

export const SHARE_DIR = `${RUN_DIR}/share`;
export const BOOT_STAGES = ["local", "network", "config", "final"] as const;
type BootStage = (typeof BOOT_STAGES)[number];

/**
 * How long the lock is kept for a stage that has not come yet: on a warm boot the units follow
 * one another within about 100 ms; a manual agent waits no longer than this for a stage that
 * may never come.
 */
const LOCK_KEPT_MS = 2000;

const RUNNERS: Record<BootStage, (env: StageEnv) => Promise<number>> = {
  local: initLocal,
  network: initNetwork,
  config: (env) => modulesStage(env, "config"),
  final: (env) => modulesStage(env, "final"),
};

/** Runs the four stages as their units ask; returns how many stages had errors. */
export async function runBootProcess(host: Host, onStage: (stage: BootStage, env: StageEnv) => void): Promise<number> {
  await createShare(host);
  const lock = new KeptLock(host, LOCK_KEPT_MS, (message) => writeStderr(`cloud-agent: ${message}\n`));
  // systemd starts the local unit as soon as it has the notification, and systemd-notify
  // returns only after that (10-20 ms): the process waits for the unit meanwhile
  const ready = notifyReady(host);
  lock.takeAhead();
  // background work (e.g. an RSA host key) may run on through the stages; final waits for it
  const background = new BackgroundWork();
  // the logs are opened once for the four stages
  const logFiles = new LogFiles(host);
  let failedStages = 0;
  for (const stage of BOOT_STAGES) {
    await waitForGo(host, stage);
    // opened before the stage runs, so a crash closes it and the shim reads EOF, not silence
    const result = fs.openSync(host.path(`${SHARE_DIR}/${stage}.result`), "w");
    let code = 1;
    try {
      const env = stageEnv(host, { background, settleBackground: stage === "final", takeLock: lock.take, logFiles });
      onStage(stage, env);
      code = await RUNNERS[stage](env);
    } finally {
      fs.writeSync(result, `${code}\n`);
      fs.closeSync(result);
    }
    if (code) failedStages++;
  }
  logFiles.close();
  host.remove(SHARE_DIR);
  await ready;
  return failedStages;
}

/**
 * Tells systemd (the unit is Type=notify, as cloud-init 24.3+'s) that the pipes are there, so
 * the local unit starts only now and does not wait for this runtime to start. Node cannot send
 * a datagram to NOTIFY_SOCKET, so systemd-notify does (hence NotifyAccess=all); it returns once
 * systemd has taken the message.
 */
async function notifyReady(host: Host): Promise<void> {
  const socket = process.env.NOTIFY_SOCKET;
  if (!socket) return;
  const r = await host.run(["systemd-notify", "--ready"], { env: { NOTIFY_SOCKET: socket } });
  if (r.code !== 0) writeStderr(`cloud-agent: systemd-notify --ready failed (${r.stderr.trim() || `exit ${r.code}`}); the stage units start when systemd gives up waiting\n`);
}

/**
 * The pipes appear all at once (made aside, then renamed) with this process's pid. The lock's
 * helper shell makes them: it is started now anyway, and a program Node starts itself costs
 * a fork of the whole process (see HelperShell).
 */
async function createShare(host: Host): Promise<void> {
  const temp = `${SHARE_DIR}.tmp-${process.pid}`;
  host.remove(temp);
  host.mkdirp(temp, 0o700);
  const fifos = BOOT_STAGES.flatMap((s) => [`${temp}/${s}.go`, `${temp}/${s}.result`]).map((p) => host.path(p));
  try {
    const code = await lockHelper(host).run(["mkfifo", "-m", "0600", ...fifos]);
    if (code !== 0) throw new Error(`mkfifo exited with ${code} making the stages' pipes in ${temp}`);
    host.writeAtomic(`${temp}/main.pid`, `${process.pid}\n`);
  } catch (err) {
    // no half-made share: the shims find no boot process and run their stages on their own
    host.remove(temp);
    throw err;
  }
  host.remove(SHARE_DIR);
  fs.renameSync(host.path(temp), host.path(SHARE_DIR));
}

/**
 * Resolves when the stage's unit writes "start". Opening a pipe waits for its writer, in a
 * worker thread: the event loop stays free to let the kept lock go.
 */
async function waitForGo(host: Host, stage: BootStage): Promise<void> {
  for (;;) {
    const file = await fs.promises.open(host.path(`${SHARE_DIR}/${stage}.go`), "r");
    let text: string;
    try {
      const { bytesRead, buffer } = await file.read(Buffer.alloc(16), 0, 16);
      text = buffer.subarray(0, bytesRead).toString();
    } finally {
      await file.close();
    }
    if (text.startsWith("start")) return;
  }
}
