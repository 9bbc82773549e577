// Work a module starts but need not finish before its stage ends (the slow RSA host key on
// a first boot): it overlaps the following stages and is settled, with its failures reported,
// by the last stage of the process. Work a module started ahead (CloudConfigModule.ahead) is
// kept here for that module's run, and discarded when the process settles without it.
import { describeError } from "../log/logger";
import type { WorkAhead } from "../module";

export class BackgroundWork {
  private readonly pending: Promise<string | undefined>[] = [];
  private readonly ahead = new Map<string, WorkAhead>();

  startAhead(module: string, work: WorkAhead): void {
    work.result.catch(() => undefined); // a failure is the taker's to see
    this.ahead.set(module, work);
  }

  takeAhead(module: string): Promise<unknown> | undefined {
    const work = this.ahead.get(module);
    this.ahead.delete(module);
    return work?.result;
  }

  add(label: string, work: Promise<void>): void {
    this.pending.push(work.then(() => undefined, (err: unknown) => `${label}: ${describeError(err)}`));
  }

  /** Waits for everything started so far, leaving its failures for settle(). */
  async idle(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Waits for everything started so far; returns one message per failure. */
  async settle(): Promise<string[]> {
    const unused = [...this.ahead].map(([module, work]) => work.discard().then(() => undefined, (err: unknown) => `module ${module}: discarding its work ahead: ${describeError(err)}`));
    this.ahead.clear();
    const results = await Promise.all([...this.pending.splice(0), ...unused]);
    return results.filter((r): r is string => r !== undefined);
  }
}
