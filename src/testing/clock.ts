const DAY = 86_400_000;

/** A clock the test moves by hand: pass it as `createRateLimiter({ clock })`. */
export interface ManualClock {
  /** The current time, epoch ms. */
  (): number;
  /** Moves time forward by a duration in ms (`advance(1000)`), and returns the new time. */
  advance(ms: number): number;
  /** Sets the time, epoch ms; earlier than now is allowed (clock skew between callers). */
  set(epochMs: number): number;
}

/**
 * A manual clock for `createRateLimiter({ clock })`: time moves only when the test says, so a window's end or a
 * refill is reached without waiting. Starts at `startMs` (epoch ms; default `tomorrowAt(0)`, a UTC midnight).
 */
export function manualClock(startMs: number = tomorrowAt(0)): ManualClock {
  let now = startMs;
  const clock = () => now;
  clock.advance = (ms: number) => {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`[edgelimit] [testing] advance(ms) needs ms >= 0, got ${ms}`);
    now += ms;
    return now;
  };
  clock.set = (epochMs: number) => {
    now = epochMs;
    return now;
  };
  return clock;
}

/**
 * A fixed test time: tomorrow's UTC midnight plus `offsetMs`. Every window the tests use divides a day, so
 * decisions are the same on every run; and it lies in the future, so stores whose TTLs run on real time
 * (DynamoDB Local deletes expired items within seconds, Redis `PX`) keep what the tests write.
 */
export function tomorrowAt(offsetMs: number): number {
  return Math.floor(Date.now() / DAY) * DAY + DAY + offsetMs;
}
