import { afterAll, beforeAll, expect } from "vitest";
import { createRateLimiter, type DecisionEvent, fallbackTo, fixedWindow, type RateLimiter } from "../../src/index.ts";
import type { AnyStore } from "../../src/store-entry.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { faultWatch, type Timed } from "../support/fault-watch.ts";

export const LIMIT = 10;
export const TIMEOUT_MS = 500; // generous: the healthy phases must not time out on a loaded CI machine
export const COOLDOWN_MS = 300;
/** The fallback store admits half of LIMIT per isolate (`onStoreError.share`). */
export const FALLBACK_LIMIT = 5;
/** The generous bound every decision under a fault must meet: the store budget plus 500 ms. */
export const SLACK_MS = 500;
export const POLICIES = ["allow", "deny", "fallback"] as const;
export type Policy = (typeof POLICIES)[number];

/** A limiter under test: one policy, its events, and how many decisions its fallback store has counted. */
export interface Subject {
  readonly policy: Policy;
  readonly limiter: RateLimiter;
  readonly events: DecisionEvent[];
  readonly timeoutMs: number;
  fallbackUsed: number;
}

export function subject(store: AnyStore, policy: Policy, prefix: string, timeoutMs = TIMEOUT_MS): Subject {
  const events: DecisionEvent[] = [];
  const limiter = createRateLimiter({
    store,
    rules: [fixedWindow({ limit: LIMIT, window: "1h" })],
    prefix: `${prefix}-${policy}`,
    timeout: timeoutMs,
    circuitBreaker: { failureThreshold: 3, cooldown: COOLDOWN_MS },
    onStoreError: policy === "fallback" ? fallbackTo(memoryStore(), { share: FALLBACK_LIMIT / LIMIT }) : policy,
    onDecision: (event) => events.push(event),
  });
  return { policy, limiter, events, timeoutMs, fallbackUsed: 0 };
}

/** Installs the watch for a file: no unhandled rejection and no edgelimit timer pending at the end. */
export function watchSuite(title: string) {
  const watch = faultWatch();
  beforeAll(() => watch.start());
  afterAll(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20)); // let aborted requests settle
    watch.stop();
    watch.report(title);
    expect(watch.rejections, "unhandled rejections").toEqual([]);
    expect(watch.pendingTimers(), "edgelimit timers still pending").toEqual([]);
  });
  return watch;
}

/** Asserts that a decision made while the store fails follows the subject's policy, within the budget. */
export function expectPolicy(s: Subject, { decision, ms }: Timed, reason: "store-error" | "timeout" | "either") {
  expect(ms, `decision took ${ms.toFixed(1)} ms`).toBeLessThan(s.timeoutMs + SLACK_MS);
  expect(decision.degraded).toBe(true);
  if (reason === "either") expect(["store-error", "timeout"]).toContain(decision.reason);
  else expect(decision.reason).toBe(reason);
  switch (s.policy) {
    case "allow":
      expect(decision.allowed).toBe(true);
      break;
    case "deny":
      expect(decision).toMatchObject({ allowed: false, retryAfterMs: 1000 });
      break;
    case "fallback":
      // The fallback memory store counts every degraded decision on its own, exactly, against its share.
      s.fallbackUsed++;
      expect(decision).toMatchObject({
        allowed: s.fallbackUsed <= FALLBACK_LIMIT,
        remaining: Math.max(0, FALLBACK_LIMIT - s.fallbackUsed),
      });
      break;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
