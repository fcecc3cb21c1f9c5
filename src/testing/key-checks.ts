import { expect } from "vitest";
import { ConfigError, fixedWindow } from "../index.ts";
import { storageKey } from "../storage-key.ts";
import { type Check, type CheckContext, limiterFor, T0 } from "./checks.ts";

const hourly = [fixedWindow({ limit: 3, window: "1h" })];
const limiterOn = (context: CheckContext, prefix: string) => limiterFor({ ...context, prefix }, hourly, () => T0);

/**
 * (prefix, key) pairs that try to reach the state of `long` under `prefix` through the name a store keeps it
 * under: the name edgelimit 0.1 gave it (a readable head, then `#sha256:` and the hash of `prefix:key`, all
 * computable by anyone who knows the key) and the name `storageKey` gives it now, each taken as a key under
 * the empty prefix and split at its first colon into a prefix and a key.
 */
async function forgedPairs(prefix: string, long: string): Promise<[string, string][]> {
  const joined = `${prefix}:${long}`; // the test prefixes hold no ':' or '\', so this is also the encoded form
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(joined)));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  const names = new Set([`${Array.from(joined).slice(0, 64).join("")}#sha256:${hex}`, await storageKey(joined)]);
  const pairs: [string, string][] = [];
  for (const name of names) {
    pairs.push(["", name]);
    const colon = name.indexOf(":");
    if (colon >= 0 && colon < name.length - 1) pairs.push([name.slice(0, colon), name.slice(colon + 1)]);
  }
  return pairs;
}

/** Checks that no caller-chosen prefix or key reaches another's state, whatever the store does with names. */
export const keyChecks: readonly Check[] = [
  {
    name: "prefixes keep keys apart: no (prefix, key) pair reaches another pair's state",
    async run(context) {
      const p = context.prefix;
      const long = "L".repeat(300);
      // Neighbours that a plain `prefix:key` (or escaping ':' alone) joins into one string, then names that a
      // short key could give itself. Each pair must find its full quota after every earlier pair drained its own.
      const pairs: [string, string][] = [
        [p, "a:b"],
        [`${p}:a`, "b"],
        ["", `${p}:q`],
        [p, "q"],
        [`${p}\\`, ":c"],
        [`${p}:`, "c"],
        [`${p}\\:`, "c"],
        [p, long],
        ...(await forgedPairs(p, long)),
      ];
      for (const [prefix, key] of pairs) {
        const where = `prefix ${JSON.stringify(prefix)}, key ${JSON.stringify(key.slice(0, 100))}`;
        expect((await limiterOn(context, prefix).peek(key)).remaining, `${where} starts fresh`).toBe(3);
        expect((await limiterOn(context, prefix).limit(key, { cost: 3 })).remaining, where).toBe(0);
      }
    },
  },
  {
    name: "a key or prefix holding a lone surrogate is a ConfigError; surrogate pairs work",
    async run(context) {
      const limiter = limiterOn(context, context.prefix);
      for (const key of ["s\ud800", "s\udc00", "\udc00\ud83d"]) {
        await expect(limiter.limit(key), JSON.stringify(key)).rejects.toThrow(ConfigError);
        await expect(limiter.peek(key), JSON.stringify(key)).rejects.toThrow(
          /well-formed Unicode \(no lone surrogates\)/,
        );
      }
      expect((await limiter.limit("s\ud83d\ude42")).remaining).toBe(2);
      expect((await limiter.limit("s\ud83d\ude42")).remaining).toBe(1);
      expect(() => limiterOn(context, `${context.prefix}\ud800`)).toThrow(
        /prefix: expected a string of well-formed Unicode/,
      );
    },
  },
];
