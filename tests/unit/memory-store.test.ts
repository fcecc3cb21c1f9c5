import { describe, expect, it } from "vitest";
import { ConfigError, createRateLimiter, fixedWindow } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";

describe("memoryStore", () => {
  it("drops the least recently used keys beyond maxKeys and keeps the recent ones", async () => {
    const limiter = createRateLimiter({
      store: memoryStore({ maxKeys: 2 }),
      rules: [fixedWindow({ limit: 5, window: "1h" })],
      clock: () => 0,
    });
    await limiter.limit("a");
    await limiter.limit("b");
    await limiter.limit("a"); // a is now the most recently used
    await limiter.limit("c"); // evicts b
    expect((await limiter.peek("a")).remaining).toBe(3);
    expect((await limiter.peek("b")).remaining).toBe(5);
    expect((await limiter.peek("c")).remaining).toBe(4);
  });

  it("rejects a bad maxKeys", () => {
    expect(() => memoryStore({ maxKeys: 0 })).toThrow(ConfigError);
  });
});
