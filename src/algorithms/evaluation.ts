/**
 * What one algorithm says about one rule of one key at `now` for a given cost.
 * Every number is a whole number; times are epoch milliseconds.
 */
export interface Evaluation {
  /** The cost fits under this rule now. */
  readonly allowed: boolean;
  /** Units left after this request (after consuming it when allowed). Never negative. */
  readonly remaining: number;
  /** When the full quota is back (epoch ms); `now` when it already is. */
  readonly resetAt: number;
  /** 0 when allowed; otherwise how long until this same cost would first be allowed. */
  readonly retryAfterMs: number;
  /** The state to store if this request is consumed: the state after it when allowed, else the current state. */
  readonly state: readonly number[];
  /** From this time on, `state` behaves exactly like no state at all, so a store may delete it. */
  readonly expiresAt: number;
  /** Concurrency rules only: the id of the lease this request took (present when allowed with cost > 0). */
  readonly leaseId?: number;
  /** A `blockFor()` rule's block starts with this denial: the store writes `state` though nothing is consumed. */
  readonly block?: true;
}

/** Rule state is a short array of whole numbers, the same in every store (JS, Lua, DynamoDB, SQLite). */
export type RuleState = readonly number[];
