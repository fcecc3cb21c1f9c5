// edgelimit/hono: a Hono middleware. `hono` is imported for types only, so nothing of it is bundled from here.
export type { MissingKeyPolicy } from "../src/http/gate.ts";
export { type HonoRateLimitOptions, type RateLimiterOptions, rateLimiter } from "./rate-limiter.ts";
