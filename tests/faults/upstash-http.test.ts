import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstashStore } from "../../src/stores/upstash.ts";
import { type FaultMode, startFaultProxy } from "../support/fault-proxy.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";
import { COOLDOWN_MS, expectPolicy, LIMIT, POLICIES, sleep, subject, TIMEOUT_MS, watchSuite } from "./scenario.ts";

// Upstash store → fault proxy → REST bridge → redis-server. The proxy answers 500, 401, garbage, or
// forwards only after `slowMs` (beyond the limiter's timeout).
const watch = watchSuite("Upstash REST endpoint faults (fault proxy in front of the bridge)");
let backend: UpstashBackend;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
beforeAll(async () => {
  backend = await startUpstashBackend();
  proxy = await startFaultProxy(backend.url);
  proxy.state.slowMs = TIMEOUT_MS + 700;
});
afterAll(async () => {
  await proxy?.stop();
  await backend?.stop();
});

const FAULTS: [FaultMode, string, "store-error" | "timeout"][] = [
  ["500", "HTTP 500", "store-error"],
  ["401", "HTTP 401", "store-error"],
  ["garbage", "HTTP 200 with a body that is not JSON", "store-error"],
  ["slow", `answer after ${TIMEOUT_MS + 700} ms (timeout ${TIMEOUT_MS} ms)`, "timeout"],
];

describe.each(FAULTS)("the REST endpoint fails: %s", (mode, label, reason) => {
  it("answers by policy within the budget, opens the breaker, and after recovery counts exactly", async () => {
    proxy.state.mode = "ok";
    const store = upstashStore({ url: proxy.url, token: backend.token });
    const subjects = POLICIES.map((policy) => subject(store, policy, `http-${mode}`));
    await Promise.all(
      subjects.map(async (s) => {
        await s.limiter.limit("k");
        expect(await s.limiter.limit("k")).toMatchObject({ allowed: true, degraded: false, remaining: LIMIT - 2 });
      }),
    );

    proxy.state.mode = mode;
    const abandonedBefore = proxy.state.abandoned;
    const forwardedBefore = proxy.state.forwarded;
    await Promise.all(
      subjects.map(async (s) => {
        for (let i = 0; i < 3; i++) expectPolicy(s, await watch.decide(label, s.limiter, "k"), reason);
        // 3 failures open the circuit: the 4th decision makes no store request (its reason is "store-error").
        expectPolicy(s, await watch.decide(`${label}: circuit open`, s.limiter, "k"), "store-error");
        expect(s.events.map((e) => e.storeRequests).slice(-4)).toEqual([1, 1, 1, 0]);
        expect(s.limiter.metrics()).toMatchObject({ circuit: "open", circuitOpen: 1 });
        expect(s.limiter.metrics()[reason === "timeout" ? "timeouts" : "errors"]).toBe(3);
      }),
    );
    expect(proxy.state.forwarded).toBe(forwardedBefore);
    if (mode === "slow") {
      // Every timed-out request was aborted: the client closed it and it never reached Redis.
      await expect.poll(() => proxy.state.abandoned - abandonedBefore, { timeout: 3000 }).toBe(9);
    }

    proxy.state.mode = "ok";
    await sleep(COOLDOWN_MS + 20);
    await Promise.all(
      subjects.map(async (s) => {
        // The half-open probe: nothing decided during the fault was counted, nothing before it was lost.
        const probe = await watch.decide(`${label}: recovered`, s.limiter, "k");
        expect(probe.decision).toMatchObject({ allowed: true, degraded: false, remaining: LIMIT - 3 });
        expect(s.limiter.metrics().circuit).toBe("closed");
      }),
    );
  });
});
