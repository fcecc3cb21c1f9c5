// A Hono app on Cloudflare Workers, rate limited per client IP (CF-Connecting-IP) with the Upstash Redis REST
// store. Bindings exist per request, so the limiter is a function of the context, built once per env object.
import { createRateLimiter, fixedWindow, gcra } from "edgelimit";
import { rateLimiter } from "edgelimit/hono";
import { upstashStore } from "edgelimit/upstash";
import { Hono } from "hono";

interface Env {
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
}

const app = new Hono<{ Bindings: Env }>();

app.use(
  "/api/*",
  rateLimiter({
    limiter: (c) =>
      createRateLimiter({
        store: upstashStore({ url: c.env.UPSTASH_REDIS_REST_URL, token: c.env.UPSTASH_REDIS_REST_TOKEN }),
        rules: [
          gcra({ limit: 10, period: "1s", burst: 20 }),
          fixedWindow({ limit: 10_000, window: "1d", name: "daily" }),
        ],
        prefix: "hono-api",
      }),
    platform: "cloudflare", // the default: the key is CF-Connecting-IP
  }),
);

app.get("/api/hello", (c) => {
  const { remaining } = c.get("rateLimit");
  return c.json({ hello: "world", remaining });
});

export default app;
