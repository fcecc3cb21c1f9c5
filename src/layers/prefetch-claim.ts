import type { Rule } from "../rules/types.ts";
import { held, type KeyEntry } from "./prefetch-pool.ts";

/** The longest this isolate plans to hold claimed units, ms: a claim covers at most this much of its traffic. */
export const HOLD_MS = 10_000;
/** A claim leaves at least this many times its extra units in the store (k ≤ remaining after the claim / 4). */
const LEFT_PER_UNIT = 4;
/** The shortest rate sample, ms: requests that arrive together (a burst) are not taken for a lasting rate. */
const MIN_SAMPLE_MS = 1000;

/**
 * Updates the key's rate (units per ms) from the units asked since the current sample began, at a claim. A sample
 * shorter than `MIN_SAMPLE_MS` counts as that long and can only raise the rate; a full one is averaged with the rate
 * before it and starts the next sample at `now`.
 */
export function sampleRate(entry: KeyEntry, now: number): void {
  const elapsed = now - entry.since;
  const sample = entry.asked / Math.max(MIN_SAMPLE_MS, elapsed);
  if (elapsed < MIN_SAMPLE_MS) {
    if (sample > entry.rate) entry.rate = sample;
    return;
  }
  entry.rate = entry.rate === 0 ? sample : (entry.rate + sample) / 2;
  entry.since = now;
  entry.asked = 0;
}

/**
 * How many units beyond `cost` to claim for `entry` at local time `now` (k ≥ 0):
 * - 0 for a key with no store answer yet: only repeated traffic earns a claim;
 * - enough for this isolate's rate on the key until the units would lapse (`horizon`), less what it holds or has
 *   in flight;
 * - at most `maxUnits` (`maxShare` of the smallest capacity);
 * - at most a quarter of what the store last said would be left after the claim, so that near the limit the claim
 *   shrinks to 0 and every request is decided by the store, in the order it arrives.
 */
export function claimSize(entry: KeyEntry, rules: readonly Rule[], cost: number, now: number, maxUnits: number) {
  const { last } = entry;
  if (last === undefined || entry.rate === 0) return 0;
  let left = Number.POSITIVE_INFINITY;
  for (const outcome of last) left = Math.min(left, outcome.remaining);
  const wanted = Math.floor(entry.rate * horizon(entry, rules, cost, now)) - held(entry) - entry.pending;
  const k = Math.min(wanted, maxUnits, Math.floor((left - cost) / (LEFT_PER_UNIT + 1)));
  return k > 0 ? k : 0;
}

/**
 * How long units claimed now would stay spendable at the key's rate, ms, at most `HOLD_MS`: to the end of the
 * (sub-)window for window rules; for GCRA, whose held units lapse as the store refills, the time until refilling
 * (one unit per `e` ms) outpaces this isolate's spending, from how far ahead of now the store's TAT was.
 */
function horizon(entry: KeyEntry, rules: readonly Rule[], cost: number, now: number): number {
  const at = now + entry.offset;
  let ms = HOLD_MS;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.algorithm === "fixedWindow" || rule.algorithm === "slidingWindow") {
      ms = Math.min(ms, rule.windowMs - (at % rule.windowMs));
    } else if (rule.algorithm === "gcra") {
      const e = rule.periodMs / rule.limit; // ms per unit
      const spent = entry.rate * e;
      if (spent < 1) ms = Math.min(ms, (Math.max(0, entry.last![i]!.resetAt - at) + cost * e) / (1 - spent));
    } else return 0;
  }
  return ms;
}
