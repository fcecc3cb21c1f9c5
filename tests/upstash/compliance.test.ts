import { Redis } from "@upstash/redis";
import { afterAll } from "vitest";
import { upstashSettle, upstashStore } from "../../src/stores/upstash.ts";
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
    // The script with its settle mode, so that the settle checks run; it decides as the plain one, which the suite
    // below (and every other Upstash test) runs.
    return upstashStore({ url, token, settle: upstashSettle });
  },
  traceLength: 200,
});

testStore({
  name: "upstash ({ redis }: @upstash/redis client)",
  create: async () => {
    const { url, token } = await backend();
    return upstashStore({ redis: new Redis({ url, token, enableTelemetry: false }) });
  },
  traceLength: 200,
  settle: false, // made without upstashSettle (the suite above runs the settle checks)
});
