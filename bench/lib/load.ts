// The offered load of the prefetch bench: requests spread evenly over one window of a simulated clock and
// dealt round-robin to the isolates, so a 1-minute window takes only as long as its store calls.

/** One offered request: when it arrives (epoch ms on the simulated clock) and which isolate receives it. */
export interface Arrival {
  readonly at: number;
  readonly isolate: number;
}

/** Requests offered in one window at `percent` % of `limit` (rounded to a whole request). */
export function offeredAt(percent: number, limit: number): number {
  return Math.round((limit * percent) / 100);
}

/**
 * `offered` arrivals spread evenly over `[start, start + windowMs)`: the i-th at
 * `start + floor((i + 0.5) × windowMs / offered)` ms (the middle of its slot, so none falls on a window edge),
 * received by isolate `i mod isolates`.
 */
export function loadSchedule(offered: number, windowMs: number, isolates: number, start: number): Arrival[] {
  if (!Number.isInteger(offered) || offered < 0) throw new RangeError(`offered must be a whole number, got ${offered}`);
  if (!Number.isInteger(isolates) || isolates < 1) throw new RangeError(`isolates must be ≥ 1, got ${isolates}`);
  return Array.from({ length: offered }, (_, i) => ({
    at: start + Math.floor(((i + 0.5) * windowMs) / offered),
    isolate: i % isolates,
  }));
}

/** The first window start (a multiple of `windowMs`, as fixed windows are aligned to the epoch) after `now`. */
export function nextWindowStart(now: number, windowMs: number): number {
  return (Math.floor(now / windowMs) + 1) * windowMs;
}

/** A clock the bench moves by hand: `read` is what the limiters get as their `clock` option. */
export class SimulatedClock {
  now: number;
  readonly read = (): number => this.now;

  constructor(start: number) {
    this.now = start;
  }

  /** Moves to `at`; never backwards (a limiter may rely on time not running back within one isolate). */
  advanceTo(at: number): void {
    if (at < this.now) throw new RangeError(`the simulated clock would run back from ${this.now} to ${at}`);
    this.now = at;
  }
}
