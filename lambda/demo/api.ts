// The demo backend that template.yaml deploys (entry point of ApiFunction), for REST and HTTP API routes.
import type { ProxyEvent } from "../index.ts";
import { withRateLimit } from "../index.ts";
import { limiter } from "./limiter.ts";

/**
 * Behind the authorizer, the authorizer's decision is used (`trustAuthorizer`), so a request is counted
 * once, and HTTP API requests the authorizer let through in `allow-with-context` mode get their 429 here.
 * On a route without the authorizer (`/open`), the limiter decides here.
 */
export const handler = withRateLimit(
  async (event: ProxyEvent) => ({
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ok: true, payload: event.version ?? "1.0" }),
  }),
  { limiter, trustAuthorizer: true },
);
