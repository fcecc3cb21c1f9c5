import type { Duration } from "../duration.ts";
import type { RuleInput, RuleKind } from "./input.ts";
import { CONCURRENCY, FIXED_WINDOW, GCRA, SLIDING_WINDOW, TOKEN_BUCKET } from "./kinds.ts";
import type { Rule } from "./types.ts";

interface Named {
  /** Policy name, used in RateLimit headers and as the rule's id in the store. Default derived from the options. */
  name?: string;
}

/** At most `limit` requests per window; windows are aligned to the epoch. */
export function fixedWindow(options: { limit: number; window: Duration } & Named): RuleInput {
  return input("fixedWindow", FIXED_WINDOW, options);
}

/** The two-window weighted estimate: `previous × (1 − elapsed/window) + current` must stay within `limit`. */
export function slidingWindow(options: { limit: number; window: Duration } & Named): RuleInput {
  return input("slidingWindow", SLIDING_WINDOW, options);
}

/** Starts full with `capacity` tokens; `refillRate` whole tokens come back every `interval` (default 1s). */
export function tokenBucket(options: { capacity: number; refillRate: number; interval?: Duration } & Named): RuleInput {
  return input("tokenBucket", TOKEN_BUCKET, options);
}

/** Generic cell rate: `limit` per `period`, spread evenly, with up to `burst` (default `limit`) at once. */
export function gcra(options: { limit: number; period: Duration; burst?: number } & Named): RuleInput {
  return input("gcra", GCRA, options);
}

/** At most `limit` requests in flight; a lease frees itself after `lease` (default 30s) if never released. */
export function concurrency(options: { limit: number; lease?: Duration } & Named): RuleInput {
  return input("concurrency", CONCURRENCY, options);
}

function input<R extends Rule>(algorithm: R["algorithm"], kind: RuleKind<R>, options: object): RuleInput {
  return Object.freeze({ algorithm, options: Object.freeze({ ...options }), kind });
}
