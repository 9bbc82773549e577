// The contract every file in modules/ fulfils. The engine owns gating (distro, activating
// keys), frequency semaphores, timing and failure capture; a module only does its work.
import type { Config } from "./config/load";
import type { Schema } from "./config/schema";
import type { InstanceData } from "./datasources/types";
import type { Distro } from "./system/distro";
import type { Host } from "./host/host";
import type { Logger } from "./log/logger";
import type { Frequency } from "./state/semaphore";

export interface ModuleContext {
  host: Host;
  /** The merged configuration: user-data over vendor-data over system config. */
  config: Config;
  /** Extra arguments from a `[name, frequency, args...]` module list entry. */
  args: unknown[];
  instance: InstanceData;
  distro: Distro;
  log: Logger;
  /** Writes to cloud-init-output.log and the journal (what cloud-init prints to stdout). */
  output(text: string | Buffer): void;
  /** Work that may finish after this stage (by the end of the boot); a failure is an error. */
  background(label: string, work: Promise<void>): void;
  /** Waits for background work started so far (a module reading the host keys it makes). */
  backgroundIdle(): Promise<void>;
  /** What this module's `ahead` started in this boot, once; undefined when nothing was. */
  takeAhead(): Promise<unknown> | undefined;
  /** cloud-agent's version, for messages and boot-finished. */
  version: string;
}

/** Work started ahead of the module's run; `discard` cleans up after work nobody took. */
export interface WorkAhead {
  result: Promise<unknown>;
  discard(): Promise<void>;
}

/** What a module's run may return: nothing (done), or why it did nothing. */
export type ModuleOutcome = void | { skipped: string };

export interface CloudConfigModule {
  /** cloud-init's module name, with "_" (the list may say "write-files"). */
  name: string;
  frequency: Frequency;
  /** Distro names it applies to, or "all". */
  distros: string[] | "all";
  /** Runs only when one of these top-level keys is in the config (cloud-init's activate_by_schema_keys). */
  activateBy?: string[];
  /** The top-level keys it reads, validated before it runs. */
  schema: Schema;
  /**
   * Whether running it again for the same instance gives the same result (files, users, keys,
   * hostname), which decides what a power cut may do to it. Idempotent work is made durable
   * before its semaphore, so a cut before then runs it again on the next boot; other work
   * (user commands, appends, a call home) gets a durable semaphore before it starts, so it
   * runs at most once, and a cut may leave it unfinished. A function when the config decides.
   */
  idempotent: boolean | ((config: Config) => boolean);
  run(ctx: ModuleContext): Promise<ModuleOutcome>;
  /**
   * Slow work the module will want on a new instance, started by the local stage as soon as
   * the instance is known to be new, while the boot waits for the network: before user-data is
   * read, so it may use nothing from the config, and only when one process runs on to the
   * module's stage. The module takes it with ctx.takeAhead(), or it is discarded at the end.
   * Undefined when there is nothing to start (the tool is not in the image).
   */
  ahead?(host: Host): WorkAhead | undefined;
}
