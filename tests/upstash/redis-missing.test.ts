import { expect, it } from "vitest";
import { startRedisServer } from "../support/redis-server.ts";

it("a missing redis-server fails with how to install it (the tests never skip)", async () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    await expect(startRedisServer()).rejects.toThrow(
      /redis-server was not found on PATH.*apt-get install -y redis-server/,
    );
  } finally {
    process.env.PATH = path;
  }
});
