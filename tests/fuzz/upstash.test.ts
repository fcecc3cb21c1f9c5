import { afterAll, beforeAll, describe, it } from "vitest";
import { upstashStore } from "../../src/stores/upstash.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";
import { REGRESSIONS } from "./regressions.ts";
import { fuzz, MODES, runTrace } from "./run.ts";

let backend: UpstashBackend;
beforeAll(async () => {
  backend = await startUpstashBackend();
});
afterAll(() => backend?.stop());

// Each isolate is its own store instance (its own fetch client and script cache) on the one redis-server.
const isolates = async (count: number) =>
  Array.from({ length: count }, () => upstashStore({ url: backend.url, token: backend.token }));

describe("differential fuzz: Upstash REST (redis-server + bridge) against the memory store", () => {
  for (const mode of MODES) it(mode.name, () => fuzz(mode, 60, 30, () => isolates(mode.isolates)));
  for (const r of REGRESSIONS)
    it(`regression: ${r.name}`, async () => void (await runTrace(r.trace, await isolates(r.isolates), r.denyCache)));
});
