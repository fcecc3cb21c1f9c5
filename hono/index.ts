// edgelimit/hono: a Hono middleware. `hono` is imported for types only, so nothing of it is bundled from here.
export { type MissingKeyPolicy, type RateLimiterOptions, rateLimiter } from "./rate-limiter.ts";
