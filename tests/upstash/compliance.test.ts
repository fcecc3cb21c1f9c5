import { Redis } from "@upstash/redis";
import { afterAll } from "vitest";
import { upstashStore } from "../../src/stores/upstash.ts";
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
    return upstashStore({ url, token });
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
});
