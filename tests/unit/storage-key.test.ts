import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { storageKey, storagePrefix, wellFormed } from "../../src/storage-key.ts";

/** Reads a store name back: the (prefix, key) of a short name, or the digest of a hashed one. */
function parseStorageKey(name: string): { prefix: string; key: string } | { digest: string } {
  if (name.startsWith("\\#")) {
    const digest = /#sha256:([0-9a-f]{64})$/.exec(name)?.[1];
    if (!digest) throw new Error(`hashed name without a digest: ${name}`);
    return { digest };
  }
  let prefix = "";
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === ":") return { prefix, key: name.slice(i + 1) };
    if (c === "\\") {
      const next = name[++i];
      if (next !== "\\" && next !== ":") throw new Error(`\\ before ${next} at ${i} in the prefix of ${name}`);
      prefix += next;
    } else prefix += c;
  }
  throw new Error(`no unescaped ':' in ${name}`);
}

const nameOf = (prefix: string, key: string, maxBytes?: number) => storageKey(storagePrefix(prefix) + key, maxBytes);

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Strings built from the characters the encoding treats specially, plus ordinary and astral text, so that
// near-collisions (shared pieces, shifted colons and backslashes) are common; sometimes long enough to hash.
const piece = fc.constantFrom(":", "\\", "#", "\\:", "\\\\", "\\#", "#sha256:", "a", "é", "🙂", "x:y", " ");
const text = fc.oneof(
  fc.array(piece, { maxLength: 8 }).map((parts) => parts.join("")),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.tuple(fc.array(piece, { maxLength: 4 }), fc.integer({ min: 60, max: 140 })).map(([p, n]) => p.join("").repeat(n)),
);
const pair = fc.tuple(
  text,
  text.filter((key) => key.length > 0),
);
const maxBytes = fc.constantFrom(0, 8, 40, 256);
const SETTINGS = { seed: 20_261_122, numRuns: 1000 };

describe("storageKey", () => {
  it("keeps common names readable: prefix, colon, key", async () => {
    expect(await nameOf("edgelimit", "user:42")).toBe("edgelimit:user:42");
    expect(await nameOf("", "user:42")).toBe(":user:42");
    expect(await nameOf("x:a", "b")).toBe("x\\:a:b");
    expect(await nameOf("x\\", ":c")).toBe("x\\\\::c");
  });

  it("hashes names past maxBytes to \\# + a head + the SHA-256 of the whole name", async () => {
    const name = `p:${"x".repeat(300)}a`;
    const hashed = await storageKey(name);
    expect(hashed).toBe(`\\#p:${"x".repeat(62)}#sha256:${await sha256Hex(name)}`);
    expect(await storageKey(`p:${"x".repeat(300)}b`)).not.toBe(hashed);
    expect(await storageKey(name)).toBe(hashed);
    expect(await storageKey(`p:${"é".repeat(127)}`)).toBe(`p:${"é".repeat(127)}`); // 256 bytes
    expect(await storageKey(`p:${"é".repeat(127)}x`)).toMatch(/^\\#p:é{62}#sha256:[0-9a-f]{64}$/); // 257 bytes
    expect(await storageKey("p:🙂🙂", 10)).toBe("p:🙂🙂");
    expect(await storageKey("p:🙂🙂🙂", 10)).toMatch(/^\\#p:🙂🙂🙂#sha256:/); // whole surrogate pairs in the head
  });

  it("the collisions of plain prefix:key joining are gone", async () => {
    const names = await Promise.all([
      nameOf("x", "a:b"),
      nameOf("x:a", "b"),
      nameOf("", "x:q"),
      nameOf("x", "q"),
      nameOf("x\\", ":c"),
      nameOf("x:", "c"),
    ]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("decodes: a short name gives back its (prefix, key); a hashed one the SHA-256 of the short name", async () => {
    await fc.assert(
      fc.asyncProperty(pair, maxBytes, async ([prefix, key], max) => {
        const short = storagePrefix(prefix) + key;
        const name = await storageKey(short, max);
        const parsed = parseStorageKey(name);
        if (new TextEncoder().encode(short).length <= max) expect(parsed).toEqual({ prefix, key });
        else expect(parsed).toEqual({ digest: await sha256Hex(short) });
      }),
      SETTINGS,
    );
  });

  it("is injective: distinct (prefix, key) pairs give distinct names", async () => {
    await fc.assert(
      fc.asyncProperty(pair, pair, maxBytes, async (a, b, max) => {
        fc.pre(a[0] !== b[0] || a[1] !== b[1]);
        expect(await nameOf(a[0], a[1], max)).not.toBe(await nameOf(b[0], b[1], max));
      }),
      SETTINGS,
    );
  });

  it("is injective over every prefix and key of up to 3 characters from ':', '\\', '#', 'a'", async () => {
    let words = [""];
    const all = [""];
    for (let length = 1; length <= 3; length++) {
      words = words.flatMap((w) => [":", "\\", "#", "a"].map((c) => w + c));
      all.push(...words);
    }
    for (const max of [256, 6]) {
      const seen = new Map<string, string>();
      for (const prefix of all) {
        for (const key of all.slice(1)) {
          const name = await nameOf(prefix, key, max);
          const pair = JSON.stringify([prefix, key]);
          expect(seen.get(name), `${pair} and ${seen.get(name)} share ${name}`).toBeUndefined();
          seen.set(name, pair);
        }
      }
      expect(seen.size).toBe(85 * 84);
    }
  });

  it("moving the boundary between prefix and key always changes the name", async () => {
    const pieces = fc.array(piece, { minLength: 2, maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(pieces, fc.nat(), fc.nat(), maxBytes, async (parts, i, j, max) => {
        const [a, b] = [i % parts.length, j % parts.length]; // the key keeps at least its last piece
        fc.pre(a !== b);
        const split = (at: number) => nameOf(parts.slice(0, at).join(""), parts.slice(at).join(""), max);
        expect(await split(a)).not.toBe(await split(b));
      }),
      SETTINGS,
    );
  });

  it("wellFormed finds lone surrogates, which UTF-8 would merge into U+FFFD", () => {
    expect(["s\ud800", "s\udc00", "\udc00\ud83d", "\ud83d"].map(wellFormed)).toEqual([false, false, false, false]);
    expect(["s\ud83d\ude42", "", "plain", "é"].map(wellFormed)).toEqual([true, true, true, true]);
    expect(new TextEncoder().encode("s\ud800")).toEqual(new TextEncoder().encode("s\udc00"));
  });
});
