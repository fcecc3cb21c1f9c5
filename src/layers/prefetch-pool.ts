import type { RuleOutcome } from "../algorithms/apply.ts";
import type { Rule } from "../rules/types.ts";

/** The units of one claim that this isolate holds: charged to the store at the claim, spent here with no I/O. */
export interface Lot {
  units: number;
  /** The store's answer to the claim, one outcome per rule, in the store's clock. */
  readonly outcomes: readonly RuleOutcome[];
  /** The store's `now` minus our time when the claim was sent, ms: how far its clock may be ahead of ours. */
  readonly offset: number;
  /** The store's time from which the window rules forbid spending the lot (`spendable`); Infinity without them. */
  readonly stop: number;
}

/** A lot of `units` from a claim the store answered with `outcomes`, its clock `offset` ms ahead of ours. */
export function newLot(rules: readonly Rule[], units: number, outcomes: readonly RuleOutcome[], offset: number): Lot {
  // Worked out once per claim rather than per decision: the end of the claim's window (fixed) or sub-window (sliding).
  let stop = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const { resetAt } = outcomes[i]!;
    // A consumed sliding window resets two windows after the start of the window it counted the claim in.
    const end =
      rule.algorithm === "fixedWindow" ? resetAt : rule.algorithm === "slidingWindow" ? resetAt - rule.windowMs : stop;
    if (end < stop) stop = end;
  }
  return { units, outcomes, offset, stop };
}

/** What this isolate knows of one key: its lots, its request rate, and the store's last answer. */
export interface KeyEntry {
  lots: Lot[];
  /** Extra units of claims in flight that no waiting request has counted on yet. */
  pending: number;
  /** Settles when the claims in flight have answered. */
  inflight: Promise<unknown> | undefined;
  /** Local ms when the current rate sample started (the last claim), and units asked on the key since. */
  since: number;
  asked: number;
  /** Units per ms this isolate asks on the key, smoothed over claims; 0 until a second claim. */
  rate: number;
  /** The store's answer to the last claim, and its `offset` (as in `Lot`); undefined before the first answer. */
  last: readonly RuleOutcome[] | undefined;
  offset: number;
}

/**
 * Whether `units` held units of `lot` may still be spent at local time `now` under every rule, so that the requests
 * admitted, replayed at their admission times, pass the exact limiter (docs/prefetch.md, "The guarantee"):
 * - fixed window: before the end of the claim's window;
 * - sliding window: before the end of the claim's sub-window (the fixed window it was counted in);
 * - GCRA: while `now + units × period/limit` is at most the TAT the claim left, so held units stay inside the
 *   burst tolerance that the store still counts them in, whatever other isolates claim meanwhile;
 * The times compared are the store's, taking its clock to be `offset` ahead of ours: never later than its own.
 * The window rules' limits are the lot's `stop`, worked out when it was claimed.
 */
export function spendable(rules: readonly Rule[], lot: Lot, units: number, now: number): boolean {
  const at = now + lot.offset;
  if (at >= lot.stop) return false;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.algorithm === "gcra") {
      // resetAt is the TAT rounded up to a whole ms, so the TAT × limit is at least (resetAt − 1) × limit + 1.
      if ((lot.outcomes[i]!.resetAt - 1 - at) * rule.limit + 1 < units * rule.periodMs) return false;
    } else if (rule.algorithm !== "fixedWindow" && rule.algorithm !== "slidingWindow") return false; // never prefetched
  }
  return true;
}

/**
 * Spends `cost` units from the oldest lot that can give them at `now`, dropping lots that can no longer be spent.
 * Returns the lot spent from (undefined when none could give `cost`); `spend: false` only looks (peek).
 */
export function takeFrom(
  entry: KeyEntry,
  rules: readonly Rule[],
  cost: number,
  now: number,
  spend: boolean,
): Lot | undefined {
  // A lot that cannot be spent now never can again: time only moves its limits closer. One pass, and a new array
  // only when a lot goes: this runs on every decision served from held units.
  const { lots } = entry;
  let found: Lot | undefined;
  let kept = 0;
  for (let i = 0; i < lots.length; i++) {
    const lot = lots[i]!;
    if (lot.units > 0 && spendable(rules, lot, lot.units, now)) {
      if (found === undefined && lot.units >= cost) found = lot;
      // Written only when a lot before it went: a store into a long-lived array can cost a GC write barrier.
      if (kept !== i) lots[kept] = lot;
      kept++;
    }
  }
  if (kept < lots.length) lots.length = kept;
  if (found && spend) found.units -= cost;
  return found;
}

/** Units held in the key's lots. */
export function held(entry: KeyEntry): number {
  let sum = 0;
  for (const lot of entry.lots) sum += lot.units;
  return sum;
}

/** A bounded map of key entries: the least recently touched goes first when `maxKeys` are held. */
export function keyEntries(maxKeys: number) {
  const entries = new Map<string, KeyEntry>();
  return {
    get: (key: string): KeyEntry | undefined => entries.get(key),
    /** The entry of `key`, created (rate unknown, nothing held) when absent; moved to the back as most recent. */
    touch(key: string, now: number): KeyEntry {
      let entry = entries.get(key);
      if (entry) entries.delete(key);
      else {
        entry = {
          lots: [],
          pending: 0,
          inflight: undefined,
          since: now,
          asked: 0,
          rate: 0,
          last: undefined,
          offset: 0,
        };
        if (entries.size >= maxKeys) entries.delete(entries.keys().next().value as string);
      }
      entries.set(key, entry);
      return entry;
    },
    delete: (key: string): boolean => entries.delete(key),
  };
}
