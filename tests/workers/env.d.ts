import type { RateLimiterObject } from "../../durable-objects/index.ts";

// The bindings of wrangler.toml, as `cloudflare:workers` and `cloudflare:test` type `env`.
declare global {
  namespace Cloudflare {
    interface Env {
      RATE_LIMITER: DurableObjectNamespace<RateLimiterObject>;
      DEMO_LIMIT: string;
      DEMO_PERIOD: string;
    }
  }
}
