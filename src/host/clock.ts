// Every deadline and duration is measured on the monotonic clock (CLOCK_MONOTONIC, through
// performance.now()): a wall clock stepped by NTP or by hand mid-boot would otherwise end a
// wait at once (+1 h) or stretch it by the step (-1 h). Wall time is only for timestamps.

/** Milliseconds from an arbitrary origin; never steps. */
export type MonotonicClock = () => number;

/** Wall-clock seconds since the epoch: for timestamps written down (semaphores, status, markers), never for a deadline. */
export const epochSeconds = (): number => Date.now() / 1000;

export const monotonicNow: MonotonicClock = () => performance.now();

export interface Deadline {
  /** Milliseconds left, 0 once passed (Infinity for a deadline that never comes). */
  left(): number;
  passed(): boolean;
}

/** A deadline `ms` from now (Infinity: never) on `clock`, the monotonic one unless a test injects its own. */
export function monotonicDeadline(ms: number, clock: MonotonicClock = monotonicNow): Deadline {
  const end = clock() + ms;
  return {
    left: () => Math.max(0, end - clock()),
    passed: () => clock() >= end,
  };
}
