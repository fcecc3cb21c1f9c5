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
          name: "dynamodb",
          environment: "node",
          include: ["tests/dynamodb/**/*.test.ts"],
          globalSetup: ["tests/dynamodb/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
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
