import { Redis } from "@upstash/redis";
import { afterAll } from "vitest";
import { upstashQuotas, upstashSettle, upstashStore } from "../../src/stores/upstash.ts";
import { testStore } from "../../src/testing/compliance.ts";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";

let started: Promise<UpstashBackend> | undefined;
const backend = () => {
  started ??= startUpstashBackend();
  return started;
};
afterAll(async () => (await started)?.stop());

testStore({
  name: "upstash ({ url, token } over fetch)",
  create: async () => {
    const { url, token } = await backend();
    // The script with its settle mode and its quota pieces, so that the settle and setLimits checks run (and settle
    // under a stored quota); it decides as the plain one, which every other Upstash test runs.
    return upstashStore({ url, token, settle: upstashSettle, quotas: upstashQuotas });
  },
  traceLength: 200,
});

testStore({
  name: "upstash ({ redis }: @upstash/redis client)",
  create: async () => {
    const { url, token } = await backend();
    // The quota pieces without the settle mode (the plain script's own pinned SHA-1).
    return upstashStore({ redis: new Redis({ url, token, enableTelemetry: false }), quotas: upstashQuotas });
  },
  traceLength: 200,
  settle: false, // made without upstashSettle (the suite above runs the settle checks)
});
