import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["edgelimit-source"] },
  test: {
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    projects: [
      {
        // Runs inside workerd with wrangler.toml's bindings; the demo's limit is raised for the 200-request test.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { DEMO_LIMIT: "50", DEMO_PERIOD: "1h" },
              // wrangler.toml's binding, and FullRateLimiterObject (blockFor rules and settlements) beside it.
              durableObjects: {
                RATE_LIMITER: { className: "RateLimiterObject", useSQLite: true },
                FULL_RATE_LIMITER: { className: "FullRateLimiterObject", useSQLite: true },
              },
            },
          }),
        ],
        test: { name: "workers", include: ["tests/workers/**/*.test.ts"], testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: [
            "tests/unit/**/*.test.ts",
            "tests/compliance/**/*.test.ts",
            "tests/start/**/*.test.ts",
            "tests/bench/**/*.test.ts",
          ],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "upstash",
          environment: "node",
          include: ["tests/upstash/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "dynamodb",
          environment: "node",
          include: ["tests/dynamodb/**/*.test.ts"],
          globalSetup: ["tests/dynamodb/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Fault injection against the real backends: redis-server killed and restarted, the Upstash bridge
        // failing, DynamoDB Local stopped and throttled. Each file starts its own backends.
        extends: true,
        test: {
          name: "faults",
          environment: "node",
          include: ["tests/faults/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Adapters for edge runtimes, bundles of every entry point, and runs inside Vercel's EdgeVM (started
        // directly: vitest's edge-runtime environment leaks Node globals, so it could not catch their use).
        extends: true,
        test: {
          name: "edge",
          environment: "node",
          include: ["tests/edge/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The cross-store differential fuzz (issue 19): seeded, shrinking traces on Upstash and DynamoDB Local against
        // the memory store. `FUZZ_RUNS=5000 npm run fuzz` for a long run, `FUZZ_SEED=…` to replay a failure.
        extends: true,
        test: {
          name: "fuzz",
          environment: "node",
          include: ["tests/fuzz/**/*.test.ts"],
          exclude: ["tests/fuzz/**/*.workers.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The same fuzz for the Durable Object store, inside workerd.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { FUZZ_RUNS: process.env.FUZZ_RUNS ?? "", FUZZ_SEED: process.env.FUZZ_SEED ?? "" } },
          }),
        ],
        test: { name: "fuzz-workers", include: ["tests/fuzz/**/*.workers.test.ts"], testTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: "lambda",
          environment: "node",
          include: ["tests/lambda/**/*.test.ts"],
          globalSetup: ["tests/dynamodb/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
