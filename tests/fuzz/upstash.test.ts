import { afterAll, beforeAll, describe, it } from "vitest";
import { upstashStore } from "../../src/stores/upstash.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";
import { fuzz, MODES } from "./run.ts";

let backend: UpstashBackend;
beforeAll(async () => {
  backend = await startUpstashBackend();
});
afterAll(() => backend?.stop());

// Each isolate is its own store instance (its own fetch client and script cache) on the one redis-server.
describe("differential fuzz: Upstash REST (redis-server + bridge) against the memory store", () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      const store = () => upstashStore({ url: backend.url, token: backend.token });
      await fuzz(mode, 25, 30, async () => Array.from({ length: mode.isolates }, store));
    });
  }
});
