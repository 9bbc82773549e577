// Work a module starts but need not finish before its stage ends (the slow RSA host key on
// a first boot): it overlaps the following stages and is settled, with its failures reported,
// by the last stage of the process.
import { describeError } from "../log/logger";

export class BackgroundWork {
  private readonly pending: Promise<string | undefined>[] = [];

  add(label: string, work: Promise<void>): void {
    this.pending.push(work.then(() => undefined, (err: unknown) => `${label}: ${describeError(err)}`));
  }

  /** Waits for everything started so far, leaving its failures for settle(). */
  async idle(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Waits for everything started so far; returns one message per failure. */
  async settle(): Promise<string[]> {
    const results = await Promise.all(this.pending.splice(0));
    return results.filter((r): r is string => r !== undefined);
  }
}
