import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { durableObjectStore, type RateLimiterNamespace, type RateLimiterObject } from "../../durable-objects/index.ts";
import { createRateLimiter, fixedWindow } from "../../src/index.ts";
import {
  COOLDOWN_MS,
  expectPolicy,
  LIMIT,
  POLICIES,
  sleep,
  subject,
  TIMEOUT_MS,
  watchSuite,
} from "../faults/scenario.ts";

// Inside workerd, against the real RateLimiterObject. A namespace wrapper switches the fault:
// - "throw": the real object is called with a rule it cannot run, so it throws inside the object and the call
//   rejects. The call goes through runInDurableObject, not the RPC stub: workerd prints every exception thrown out
//   of an RPC method to stderr (10 stack traces per run, all expected), while runInDurableObject hands the same
//   exception, thrown by the same object instance, back to the caller as a rejection without logging it;
// - "slow": the call reaches the object only after the limiter's timeout (an overloaded or far object).
const watch = watchSuite("Durable Object faults (workerd)");
const fault = { mode: "ok" as "ok" | "throw" | "slow" };
const namespace: RateLimiterNamespace = {
  idFromName: (name) => env.RATE_LIMITER.idFromName(name),
  get(id, options) {
    const real = env.RATE_LIMITER.get(id, options);
    return {
      async apply(request) {
        if (fault.mode === "throw") {
          const poisoned = [{ algorithm: "no-such-algorithm", name: "poison" }] as unknown as typeof request.rules;
          return runInDurableObject(real, (object: RateLimiterObject) => object.apply({ ...request, rules: poisoned }));
        }
        if (fault.mode === "slow") await sleep(TIMEOUT_MS + 200);
        return real.apply(request);
      },
      reset: (key) => real.reset(key),
      release: (request) => real.release(request),
      ping: () => real.ping(),
    };
  },
};

describe("a Durable Object that throws, or answers after the budget", () => {
  it("throws: answers by policy within the budget, opens the breaker, recovers with exact counts", async () => {
    const store = durableObjectStore(namespace);
    const subjects = POLICIES.map((policy) => subject(store, policy, "do-throw"));
    for (const s of subjects) expect((await s.limiter.limit("k")).remaining).toBe(LIMIT - 1);
    fault.mode = "throw";
    for (const s of subjects) {
      for (let i = 0; i < 3; i++) {
        const timed = await watch.decide("object throws", s.limiter, "k");
        expectPolicy(s, timed, "store-error");
      }
      expectPolicy(s, await watch.decide("object throws: circuit open", s.limiter, "k"), "store-error");
      expect(s.limiter.metrics()).toMatchObject({ circuit: "open", errors: 3, circuitOpen: 1 });
    }
    fault.mode = "ok";
    await sleep(COOLDOWN_MS + 20);
    for (const s of subjects) {
      const probe = await watch.decide("object throws: recovered", s.limiter, "k");
      expect(probe.decision).toMatchObject({ allowed: true, degraded: false, remaining: LIMIT - 2 });
      expect(s.limiter.metrics().circuit).toBe("closed");
    }
  });

  it("the object's own exception reaches onError as the StoreError's cause", async () => {
    const errors: unknown[] = [];
    const limiter = createRateLimiter({
      store: durableObjectStore(namespace),
      rules: [fixedWindow({ limit: 5, window: "1m" })],
      onError: (error) => errors.push(error),
    });
    fault.mode = "throw";
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: true, reason: "store-error" });
    fault.mode = "ok";
    expect(String(errors[0])).toBe(
      "StoreError: [edgelimit] [durable-object] apply failed: EVALUATORS[rule.algorithm] is not a function",
    );
    expect((errors[0] as Error).cause).toBeInstanceOf(TypeError);
  });

  it("answers after the budget: a timeout by policy; the call is abandoned, not cancelled, so it still counts", async () => {
    const store = durableObjectStore(namespace);
    const s = subject(store, "deny", "do-slow");
    expect((await s.limiter.limit("k")).remaining).toBe(LIMIT - 1);
    fault.mode = "slow";
    expectPolicy(s, await watch.decide(`object answers after ${TIMEOUT_MS + 200} ms`, s.limiter, "k"), "timeout");
    fault.mode = "ok";
    // An RPC call takes no AbortSignal: the abandoned call reaches the object 200 ms later and is applied,
    // though the caller was denied by the policy.
    await expect.poll(async () => (await s.limiter.peek("k")).remaining, { timeout: 3000 }).toBe(LIMIT - 2);
  });
});
