import type { FullRateLimiterObject, RateLimiterObject } from "../../durable-objects/index.ts";

// The bindings of wrangler.toml, as `cloudflare:workers` and `cloudflare:test` type `env`.
declare global {
  namespace Cloudflare {
    interface Env {
      RATE_LIMITER: DurableObjectNamespace<RateLimiterObject>;
      /** Test-only (vitest.config.ts): the class with blockFor rules and settlements. */
      FULL_RATE_LIMITER: DurableObjectNamespace<FullRateLimiterObject>;
      DEMO_LIMIT: string;
      DEMO_PERIOD: string;
    }
  }
}
