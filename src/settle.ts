import { adjustersOf, asApply } from "./algorithms/adjust.ts";
import type { RateLimiterConfig } from "./config.ts";
import type { Decision } from "./decision.ts";
import { describe } from "./describe.ts";
import { ConfigError, toStoreError } from "./errors.ts";
import { TimeoutError } from "./layers/failures.ts";
import { storagePrefix } from "./storage-key.ts";
import type { LocalStore, Store } from "./store.ts";
import type { Asked } from "./tenants.ts";

/**
 * Made by `settleCosts()`, taken by `createRateLimiter({ settle })`: called once per limiter with its store, the store
 * under its layers (a remote store's), its configuration and clock (a `ConfigError` when the store cannot settle), it
 * returns what gives each decision of `limit` its `settle`. The limiter carries only
 * this call, so a Worker that never settles bundles none of the code below.
 */
export type SettleCosts = (
  store: Store,
  io: Store | undefined,
  config: RateLimiterConfig,
  clock: () => number,
) => (decision: Decision, key: string, asked: Asked) => Decision;

/**
 * `settle: settleCosts()`: every decision of `limit` and `acquire` gets `decision.settle(actualCost)`, which charges
 * the difference between the actual cost and the decision's cost to the key in the window or bucket the decision
 * was made in: a lower actual cost gives units back, a higher one charges them (forced: the request stays admitted,
 * and the key may stay over its quota for a while). Once per decision; nothing for a denied or degraded decision, or
 * when the costs are equal; concurrency rules are never adjusted. A store that fails rejects the call with its
 * `StoreError`. See docs/settle.md.
 */
export function settleCosts(): SettleCosts {
  return (store, io, { prefix, timeoutMs }, clock) => {
    const { local } = store as Partial<LocalStore>;
    if (!local && !io?.adjust) {
      throw new ConfigError([
        `settle: the ${store.name} store cannot settle costs (it has no adjust()); leave settle out`,
      ]);
    }
    const named = storagePrefix(prefix);
    return (decision, key, asked) => {
      // `peek`, and a cost above capacity, consumed nothing: no settle.
      if (!asked.consume) return decision;
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
        if (local) return void local.apply(prefix, key, asApply(request));
        // Under the limiter's time budget, as a decision's store call (the layers leave `adjust` to the store).
        const controller = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const expired = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new TimeoutError(
              store.name,
              `settle: no answer within ${timeoutMs}ms; the request was aborted`,
            );
            controller.abort(error);
            reject(error);
          }, timeoutMs);
        });
        try {
          await Promise.race([io!.adjust!({ ...request, key: named + key, signal: controller.signal }), expired]);
        } catch (error) {
          throw toStoreError(store.name, error);
        } finally {
          clearTimeout(timer);
        }
      };
      return { ...decision, settle };
    };
  };
}
