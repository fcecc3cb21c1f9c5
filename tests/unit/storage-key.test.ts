import { describe, expect, it } from "vitest";
import { storageKey } from "../../src/stores/storage-key.ts";

describe("storageKey", () => {
  it("keeps keys that fit", async () => {
    expect(await storageKey("user:42")).toBe("user:42");
    expect(await storageKey("é".repeat(128))).toBe("é".repeat(128)); // 256 bytes
  });

  it("hashes longer keys to a bounded, distinct name", async () => {
    const a = await storageKey(`${"x".repeat(300)}a`);
    const b = await storageKey(`${"x".repeat(300)}b`);
    expect(a).not.toBe(b);
    expect(a).toBe(`${"x".repeat(64)}#sha256:${a.slice(-64)}`);
    expect(a.slice(-64)).toMatch(/^[0-9a-f]{64}$/);
    expect(await storageKey(`${"x".repeat(300)}a`)).toBe(a);
    expect(await storageKey("é".repeat(129))).toContain("#sha256:");
  });
});
