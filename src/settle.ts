import { adjustersOf, asApply } from "./algorithms/adjust.ts";
import type { Decision } from "./decision.ts";
import { describe } from "./describe.ts";
import { ConfigError, StoreError } from "./errors.ts";
import type { LocalStore, Store } from "./store.ts";
import type { Asked } from "./tenants.ts";

/**
 * Made by `settleCosts()`, taken by `createRateLimiter({ settle })`: called once per limiter with its store, the store
 * under its layers (a remote store's), its configuration, clock and key naming (a `ConfigError` when the store cannot settle), it
 * returns what gives each decision of `limit` its `settle`. The limiter carries only
 * this call, so a Worker that never settles bundles none of the code below.
 */
export type SettleCosts = (
  store: Store,
  io: Store | undefined,
  config: { readonly prefix: string },
  clock: () => number,
  fullKey: (key: string) => string,
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
  return (store, io, { prefix }, clock, fullKey) => {
    const { local } = store as Partial<LocalStore>;
    if (!local && !store.features?.includes("settle")) {
      throw new ConfigError([
        `settle: the ${store.name} store cannot settle costs (its features do not list "settle"); an Upstash store settles when made with upstashStore({ …, settle: upstashSettle }) (from "edgelimit/upstash"), a Durable Object store with durableObjectStore(namespace, { full: true }) over FullRateLimiterObject; otherwise leave settle out`,
      ]);
    }
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
        const settled = done;
        done = true;
        if (settled || delta === 0) return;
        const { rules, evaluators } = asked;
        const now = clock();
        const adjust = { delta, at: decision.now, adjusters: adjustersOf(rules) };
        // With stored quotas (`tenants`), the settlement keeps them in what it writes (and adjusts under them).
        const request = { ...asApply({ rules, evaluators, ...adjust, now }), adjust, quotas: asked.quotas };
        if (local) return void local.apply(prefix, key, request);
        // A rules array of its own: the deny cache forgets the key in this isolate, prefetching passes the request on.
        const response = await io!.apply({ ...request, rules: [...rules], key: fullKey(key), signal: undefined });
        // The failure policy answered (the error went to `onError`, or was thrown under "throw").
        if (response.decision) {
          throw new StoreError(
            store.name,
            `settle: ${response.decision.reason}; the settlement may not have been applied (it is not retried)`,
          );
        }
      };
      return { ...decision, settle };
    };
  };
}
