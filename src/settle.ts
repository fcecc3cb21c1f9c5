import { adjustersOf, adjustRules } from "./algorithms/adjust.ts";
import type { Decision } from "./decision.ts";
import { describe } from "./describe.ts";
import { ConfigError } from "./errors.ts";
import type { LocalFace, Store } from "./store.ts";
import type { Asked } from "./tenants.ts";

/** What the limiter hands `settleCosts()`: where its decisions were made. */
export interface SettleTarget {
  /** The store's synchronous face, for a local store (memory). */
  readonly local: LocalFace | undefined;
  /** The store under its layers, for a remote store. */
  readonly io: Store | undefined;
  /** The store's name, for errors. */
  readonly store: string;
  /** The limiter's prefix, and the escaped form a remote store's keys start with (`storagePrefix(prefix)`). */
  readonly prefix: string;
  readonly named: string;
  /** The limiter's clock, epoch ms. */
  readonly clock: () => number;
}

/**
 * Made by `settleCosts()`, taken by `createRateLimiter({ settle })`: called once per limiter (a `ConfigError` when
 * its store cannot settle), it returns what gives each decision of `limit` its `settle`. The limiter carries only
 * this call, so a Worker that never settles bundles none of the code below.
 */
export type SettleCosts = (target: SettleTarget) => (decision: Decision, key: string, asked: Asked) => Decision;

/**
 * `settle: settleCosts()`: every decision of `limit` and `acquire` gets `decision.settle(actualCost)`, which charges
 * the difference between the actual cost and the decision's cost to the key in the window or bucket the decision
 * was made in: a lower actual cost gives units back, a higher one charges them (forced: the request stays admitted,
 * and the key may stay over its quota for a while). Once per decision; nothing for a denied or degraded decision, or
 * when the costs are equal; concurrency rules are never adjusted. A store that fails rejects the call with its
 * `StoreError`. See docs/settle.md.
 */
export function settleCosts(): SettleCosts {
  return ({ local, io, store, prefix, named, clock }) => {
    if (local ? !local.rewrite : !io?.adjust) {
      throw new ConfigError([`settle: the ${store} store cannot settle costs (it has no adjust()); leave settle out`]);
    }
    return (decision, key, asked) => {
      // Nothing was charged to give back or add to: a denial consumed nothing, a degraded answer reached no store.
      let done = !decision.allowed || decision.degraded;
      const settle = async (actualCost: number): Promise<void> => {
        if (!Number.isSafeInteger(actualCost) || actualCost < 0) {
          throw new ConfigError([`settle: actualCost must be a whole number ≥ 0, got ${describe(actualCost)}`]);
        }
        const delta = actualCost - asked.cost;
        if (done || delta === 0) return void (done = true);
        done = true;
        const { rules, evaluators } = asked;
        const now = clock();
        const request = { rules, evaluators, adjusters: adjustersOf(rules), delta, at: decision.now, now };
        if (local) local.rewrite!(prefix, key, now, (stored) => adjustRules(request, stored));
        else await io!.adjust!({ ...request, key: named + key, signal: undefined });
      };
      return { ...decision, settle };
    };
  };
}
