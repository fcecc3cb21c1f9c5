// The demo Worker that wrangler.toml points at (`npm start`): limits each client IP with the Durable Object store.
import { durableObjectStore, type RateLimiterObject } from "../durable-objects/index.ts";
import type { Duration } from "../src/duration.ts";
import { createRateLimiter } from "../src/limiter.ts";
import { fixedWindow } from "../src/rules.ts";
import { getDecision, withRateLimit } from "./with-rate-limit.ts";

export { RateLimiterObject } from "../durable-objects/index.ts";

export interface DemoEnv {
  RATE_LIMITER: DurableObjectNamespace<RateLimiterObject>;
  /** Requests per window per client IP (a wrangler.toml var; default 10). */
  DEMO_LIMIT?: string;
  /** The window, as a duration string (default "1m"). */
  DEMO_WINDOW?: string;
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
        rules: [
          fixedWindow({
            limit: Number(env.DEMO_LIMIT ?? 10),
            window: (env.DEMO_WINDOW ?? "1m") as Duration,
            name: "demo",
          }),
        ],
        prefix: "demo",
      }),
  },
);
