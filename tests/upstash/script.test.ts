import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALGORITHMS } from "../../src/rules/algorithm-list.ts";
import { SCRIPT_ALGORITHMS, UPSTASH_SCRIPT, UPSTASH_SCRIPT_SHA1 } from "../../src/stores/upstash-script.ts";

describe("the Upstash Lua script", () => {
  it("has the pinned SHA-1 (update UPSTASH_SCRIPT_SHA1 whenever the script changes)", () => {
    expect(createHash("sha1").update(UPSTASH_SCRIPT).digest("hex")).toBe(UPSTASH_SCRIPT_SHA1);
  });

  it("asks Upstash for key locking (a shebang flag, so inside the pinned text), which is safe: its one key is KEYS[1]", () => {
    expect(UPSTASH_SCRIPT.split("\n")[0]).toBe("#!lua flags=allow-key-locking");
    expect(UPSTASH_SCRIPT.indexOf("#!")).toBe(0);
    expect(UPSTASH_SCRIPT.lastIndexOf("#!")).toBe(0);
  });

  it("touches only KEYS; its inputs are documented beside it, and it ships without Lua comments", () => {
    const calls = [...UPSTASH_SCRIPT.matchAll(/redis\.call\("(\w+)"(?:,(\w+))?/g)].map((m) => [m[1], m[2]]);
    // `key` is KEYS[1]; `k` is a fixed-window counter, KEYS[i + 1] (both places that name it are checked below).
    expect(calls).toEqual([
      ["TIME", undefined],
      ["GET", "key"],
      ["BITFIELD", "k"],
      ["BITFIELD", "k"],
      ["SET", "k"],
      ["DEL", "k"],
      ["BITFIELD", "k"],
      ["SET", "key"],
    ]);
    expect(UPSTASH_SCRIPT.match(/^ *local k\b[^\n]*/gm)).toEqual([
      "local k=KEYS[i+1]",
      "local k,r,seen=KEYS[i+1],res[i],st[ARGV[5*i+1]][1]",
    ]);
    expect(UPSTASH_SCRIPT).toMatch(/^local key=KEYS\[1\]$/m);
    expect(UPSTASH_SCRIPT).not.toContain("--");
    const source = readFileSync(new URL("../../src/stores/upstash-script.ts", import.meta.url), "utf8");
    for (const input of ["KEYS[1]", "KEYS[2…]", "ARGV[1]", "ARGV[2]", "ARGV[3]", "ARGV[4]", "ARGV[5…]", "Returns"]) {
      expect(source).toContain(` * ${input} `);
    }
    expect(Object.values(SCRIPT_ALGORITHMS)).toEqual([1, 2, 3, 4, 5]);
    // The store sends ALGORITHMS' position + 1 as a rule's code.
    expect(ALGORITHMS.map((algorithm) => SCRIPT_ALGORITHMS[algorithm])).toEqual([1, 2, 3, 4, 5]);
  });
});
