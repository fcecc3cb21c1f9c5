import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { durableObjectStore } from "../../durable-objects/index.ts";
import { fuzz, MODES } from "./run.ts";

// Each isolate is its own store on the one namespace (the same objects), deciding on the caller's clock.
describe("differential fuzz: Durable Objects (workerd) against the memory store", () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      const store = () => durableObjectStore(env.RATE_LIMITER, { clock: "caller" });
      await fuzz(mode, 25, 30, async () => Array.from({ length: mode.isolates }, store));
    });
  }
});
