// The demo Worker that wrangler.toml points at (`npm start`): limits each client IP with the Durable Object store.
import { durableObjectStore, type RateLimiterObject } from "../durable-objects/index.ts";
import type { Duration } from "../src/duration.ts";
import { createRateLimiter } from "../src/limiter.ts";
import { gcra } from "../src/rules/constructors.ts";
import { getDecision, withRateLimit } from "./with-rate-limit.ts";

// Not used by the demo: the test suite binds it (vitest.config.ts) to run every check on the class with all features.
export { FullRateLimiterObject, RateLimiterObject } from "../durable-objects/index.ts";

export interface DemoEnv {
  RATE_LIMITER: DurableObjectNamespace<RateLimiterObject>;
  /** Requests per period per client IP (a wrangler.toml var; default 10). */
  DEMO_LIMIT?: string;
  /** The period, as a duration string (default "1m"). */
  DEMO_PERIOD?: string;
}

export default withRateLimit<DemoEnv>(
  {
    fetch(request) {
      const decision = getDecision(request);
      const body = decision && {
        allowed: decision.allowed,
        limit: decision.limit,
        remaining: decision.remaining,
        resetAt: new Date(decision.resetAt).toISOString(),
        decidedAt: new Date(decision.now).toISOString(),
        reason: decision.reason,
        degraded: decision.degraded,
        key: request.headers.get("cf-connecting-ip") ?? "unknown",
      };
      return Response.json(body ?? { allowed: true });
    },
  },
  {
    limiter: (env) =>
      createRateLimiter({
        store: durableObjectStore(env.RATE_LIMITER),
        // GCRA: a burst of `limit`, then one request every period/limit. No window boundary, so counts are exact.
        rules: [
          gcra({ limit: Number(env.DEMO_LIMIT ?? 10), period: (env.DEMO_PERIOD ?? "1m") as Duration, name: "demo" }),
        ],
        prefix: "demo",
      }),
  },
);
