import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["edgelimit-source"] },
  test: {
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["tests/unit/**/*.test.ts", "tests/compliance/**/*.test.ts"],
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
    ],
  },
});
