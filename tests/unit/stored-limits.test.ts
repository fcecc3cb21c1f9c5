import { describe, expect, it } from "vitest";
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  prefetchQuota,
  type RateLimiter,
  StoreError,
  tenantLimits,
} from "../../src/index.ts";
import type { RemoteStore } from "../../src/layers/layer.ts";
import type { TenantRateLimiter } from "../../src/limiter.ts";
import type { Store } from "../../src/store.ts";
import { tomorrowAt } from "../../src/testing/clock.ts";
import { faultyStore } from "../../src/testing/faults.ts";
import { remoteMemory } from "../fuzz/trace.ts";

// setLimits through the limiter's layers: what the failure policy, the deny cache and prefetching do with stored
// quotas. The compliance suite (src/testing/stored-limits-checks.ts) checks the stores themselves.
const T0 = tomorrowAt(250);
const rules = [fixedWindow({ limit: 100, window: "1h", name: "r" })];

/** A remote store whose calls count, so "no store call" is exact. */
function counted(inner: RemoteStore) {
  const calls = { apply: 0 };
  const apply: Store["apply"] = (request) => {
    calls.apply++;
    return inner.apply(request);
  };
  return { store: { ...inner, apply }, calls };
}

describe("setLimits through the layers", () => {
  it("rejects with a StoreError when the store fails, whatever the failure policy; nothing is stored", async () => {
    const store = faultyStore(remoteMemory());
    const limiter = createRateLimiter({
      store,
      rules,
      clock: () => T0,
      tenants: tenantLimits(),
      onStoreError: "allow",
    });
    store.inject({ kind: "error" }, { calls: ["apply"], times: 1 });
    const error = await limiter.setLimits("k", { r: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(
      'setLimits: the store did not answer (store-error), so the quotas of "k"',
    );
    expect((await limiter.peek("k")).limit).toBe(100);
    await limiter.setLimits("k", { r: 2 });
    expect((await limiter.peek("k")).limit).toBe(2);
  });

  it("with prefetching, a limiter with tenants claims nothing: every decision goes to the store, exactly", async () => {
    const { store, calls } = counted(remoteMemory());
    const limiter = createRateLimiter({
      store,
      rules,
      clock: () => T0,
      tenants: tenantLimits(),
      prefetch: prefetchQuota(),
    });
    await limiter.setLimits("k", { r: 5 });
    calls.apply = 0;
    const decisions = [];
    for (let i = 0; i < 8; i++) decisions.push(await limiter.limit("k"));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(decisions.map((d) => d.limit)).toEqual(Array(8).fill(5));
    expect(calls.apply).toBe(8);
  });

  it("the deny cache forgets the key and remembers no denial made under stored quotas", async () => {
    const { store, calls } = counted(remoteMemory());
    const limiter = createRateLimiter({ store, rules, clock: () => T0, tenants: tenantLimits() });
    await limiter.setLimits("k", { r: 1 });
    calls.apply = 0;
    expect((await limiter.limit("k")).allowed).toBe(true);
    const denied = [await limiter.limit("k"), await limiter.limit("k")];
    expect(denied.map((d) => d.reason)).toEqual(["limited", "limited"]);
    expect(calls.apply).toBe(3);
    await limiter.setLimits("k", { r: 3 });
    expect((await limiter.limit("k")).allowed).toBe(true);
  });

  it("only a limiter made with tenants has setLimits (types and at run time)", () => {
    const plain: RateLimiter = createRateLimiter({ store: remoteMemory(), rules });
    expect("setLimits" in plain).toBe(false);
    const tenanted: TenantRateLimiter = createRateLimiter({ store: remoteMemory(), rules, tenants: tenantLimits() });
    expect(typeof tenanted.setLimits).toBe("function");
    // @ts-expect-error: a limiter without tenants has no setLimits.
    expect(plain.setLimits).toBeUndefined();
  });

  it('a store whose features lack "setLimits" refuses it with a ConfigError that says what to use', async () => {
    const { features: _features, ...inner } = remoteMemory();
    const limiter = createRateLimiter({ store: { ...inner, name: "mine" }, rules, tenants: tenantLimits() });
    const error = await limiter.setLimits("k", { r: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'setLimits: the mine store does not keep quotas (its features do not list "setLimits"); use the memory, ' +
        "Durable Object (full) or DynamoDB store, Upstash with quotas: upstashQuotas, or pass limits with each call",
    ]);
    // Calls still take their own limits there.
    expect((await limiter.limit("k", { limits: { r: 7 } })).limit).toBe(7);
  });
});
