import { env } from "cloudflare:workers";
import { durableObjectStore } from "../../durable-objects/index.ts";
import { testStore } from "../../src/testing/compliance.ts";

// The suite drives time through the limiter's clock, so the objects decide on the caller's clock here.
testStore({
  name: "durable-object",
  create: () => durableObjectStore(env.FULL_RATE_LIMITER, { clock: "caller", full: true }),
});
