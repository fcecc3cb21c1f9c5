import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { durableObjectStore } from "../../durable-objects/index.ts";
import { REGRESSIONS } from "./regressions.ts";
import { fuzz, MODES, runTrace } from "./run.ts";

// Each isolate is its own store on the one namespace (the same objects), deciding on the caller's clock.
const isolates = async (count: number) =>
  Array.from({ length: count }, () => durableObjectStore(env.RATE_LIMITER, { clock: "caller" }));
// FUZZ_RUNS and FUZZ_SEED reach workerd as bindings (vitest.config.ts).
const settings = env as unknown as Record<string, string | undefined>;

describe("differential fuzz: Durable Objects (workerd) against the memory store", () => {
  // 16 keys, reused: a new key per trace would open one SQLite database per trace in workerd, which runs out of
  // file handles after a few thousand traces (SQLITE_CANTOPEN).
  for (const mode of MODES) {
    it(mode.name, () => fuzz(mode, 60, 30, () => isolates(mode.isolates), { env: settings, keyPool: 16 }));
  }
  for (const r of REGRESSIONS)
    it(`regression: ${r.name}`, async () => void (await runTrace(r.trace, await isolates(r.isolates), r.denyCache)));
});
