import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstashStore } from "../../src/stores/upstash.ts";
import { type RedisServer, startRedisServer } from "../support/redis-server.ts";
import { startUpstashBridge } from "../support/upstash-bridge.ts";
import { COOLDOWN_MS, expectPolicy, LIMIT, POLICIES, sleep, subject, watchSuite } from "./scenario.ts";

// Upstash store → REST bridge → redis-server, which is SIGKILLed while decisions are in flight and then
// restarted, empty, on the same port.
const watch = watchSuite("redis-server SIGKILL and restart (Upstash store over the bridge)");
let redis: RedisServer;
let bridge: Awaited<ReturnType<typeof startUpstashBridge>>;
const token = "fault-token";
beforeAll(async () => {
  redis = await startRedisServer();
  bridge = await startUpstashBridge({ redisPort: redis.port, token });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

describe("redis-server killed mid-run and restarted", () => {
  it("answers by policy within the budget during the outage, then counts exactly again (what Redis lost is lost)", async () => {
    const store = upstashStore({ url: bridge.url, token });
    const subjects = POLICIES.map((policy) => subject(store, policy, "kill"));

    // Before: the store decides.
    for (const s of subjects) {
      for (let i = 1; i <= 3; i++) {
        const { decision } = await watch.decide("healthy", s.limiter, "k");
        expect(decision).toMatchObject({ allowed: true, degraded: false, remaining: LIMIT - i });
      }
    }

    // Mid-run: 5 decisions per limiter in flight when the process dies.
    const inFlight = subjects.flatMap((s) =>
      Array.from({ length: 5 }, () => watch.decide("SIGKILL mid-run", s.limiter, "k").then((t) => ({ s, t }))),
    );
    await redis.kill();
    for (const { s, t } of await Promise.all(inFlight)) {
      if (t.decision.degraded) expectPolicy(s, t, "store-error");
      else expect(t.decision).toMatchObject({ allowed: true, reason: "allowed" });
    }

    // Outage: every decision by policy; the breaker opens and stops calling the store.
    for (const s of subjects) {
      for (let i = 0; i < 4; i++) expectPolicy(s, await watch.decide("redis down", s.limiter, "k"), "store-error");
      expect(s.limiter.metrics().circuit).toBe("open");
      expect(s.events.at(-1)!.storeRequests).toBe(0);
    }

    // Restart, empty, on the same port; after the cooldown the half-open probe succeeds.
    redis = await startRedisServer({ port: redis.port });
    await sleep(COOLDOWN_MS + 20);
    for (const s of subjects) {
      // Until the probe succeeds (a connection torn by the kill may fail one more), decisions stay degraded.
      let first = await watch.decide("after restart", s.limiter, "k");
      for (let tries = 0; first.decision.degraded && tries < 5; tries++) {
        expectPolicy(s, first, "store-error");
        await sleep(COOLDOWN_MS + 20);
        first = await watch.decide("after restart", s.limiter, "k");
      }
      // The counts before the kill were in Redis's memory and are gone: the key starts again from zero,
      // and nothing decided during the outage was counted there (no double counting).
      expect(first.decision).toMatchObject({ allowed: true, degraded: false, remaining: LIMIT - 1 });
      expect(s.limiter.metrics().circuit).toBe("closed");
      for (let i = 2; i <= LIMIT; i++) {
        expect((await s.limiter.limit("k")).remaining).toBe(LIMIT - i);
      }
      expect(await s.limiter.limit("k")).toMatchObject({ allowed: false, reason: "limited", degraded: false });
    }
  });
});
