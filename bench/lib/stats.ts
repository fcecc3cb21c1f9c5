// Small statistics for the bench: medians of rounds with their spread, latency percentiles.

/** One figure over several rounds: the median, the smallest and the largest, and how many rounds. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: number;
}

/** The median (middle value; mean of the two middle values for an even count) of `values`. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The `p`-th percentile (0–100, nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Summarizes one figure measured once per round. */
export function summarize(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    rounds: values.length,
  };
}

/** A figure that does not vary between rounds (a count, a size): median = min = max. */
export function exact(value: number, rounds = 1): Summary {
  return { median: value, min: value, max: value, rounds };
}

/**
 * Runs `rounds` rounds; in each round every contender runs once, in an order that rotates between rounds,
 * so drift in machine load falls on all contenders alike. Returns each contender's per-round results.
 */
export async function interleaved<T>(rounds: number, contenders: readonly (() => Promise<T> | T)[]): Promise<T[][]> {
  const results: T[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const index = (i + round) % contenders.length;
      results[index]!.push(await contenders[index]!());
    }
  }
  return results;
}

/**
 * Latencies in ms of `count` sequential calls of each of `calls`, taking turns call by call (who goes first alternates),
 * so that load from elsewhere on the machine falls on every contender alike.
 */
export async function takingTurns(
  count: number,
  calls: readonly ((i: number) => Promise<unknown>)[],
): Promise<number[][]> {
  const times: number[][] = calls.map(() => []);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < calls.length; j++) {
      const index = (i + j) % calls.length;
      const started = performance.now();
      await calls[index]!(i);
      times[index]!.push(performance.now() - started);
    }
  }
  return times;
}

/** Latencies in ms of `count` sequential calls of `call(i)`. */
export async function latencies(count: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call(i);
    times.push(performance.now() - started);
  }
  return times;
}
