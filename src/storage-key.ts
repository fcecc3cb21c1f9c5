// The names under which keys live in a remote store (Redis key, DynamoDB `pk`, Durable Object name):
//   short: <prefix with `\` → `\\` and `:` → `\:`> `:` <key>                    e.g. `api:user:42`, `:user:42`
//   long:  `\#` <first 64 code points of the short name> `#sha256:` <64 hex>   past `maxBytes` UTF-8 bytes
// The first unescaped `:` ends the prefix, so a short name gives back its (prefix, key). In a short name a `\`
// before that colon is always followed by `\` or `:`, so no short name starts with `\#`: a key cannot name
// itself after another key's hashed form, and the hash covers the whole short name, prefix included.

// Pure: a bundle that never encodes a key (the memory store) leaves it out.
const encoder = /* @__PURE__ */ new TextEncoder();

/**
 * The start of every name a limiter with this `prefix` writes: the prefix with `\` and `:` escaped by a `\`,
 * then `:` (`"api"` → `"api:"`, `""` → `":"`, `"a:b"` → `"a\:b:"`). Append the key to get the short name.
 */
export function storagePrefix(prefix: string): string {
  return `${prefix.replace(/[\\:]/g, "\\$&")}:`;
}

/**
 * `String.prototype.isWellFormed` (ES2024; Node 20+, workerd, Vercel's edge runtime): `false` when the text
 * holds a lone surrogate, which UTF-8 (and so every store and SHA-256) would turn into U+FFFD.
 */
export const wellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * The name a remote store writes a key under, given the short name (`storagePrefix(prefix) + key`, as the
 * limiter passes it in `StoreRequest.key`): that name itself while its UTF-8 form fits in `maxBytes`
 * (default 256), else `\#`, a readable head, `#sha256:` and the SHA-256 of the whole short name, so keys of
 * any length map to a bounded name no short name can take. Deterministic: every isolate and region derives
 * the same name. The short name must be well-formed Unicode (the limiter refuses lone surrogates).
 */
export async function storageKey(key: string, maxBytes = 256): Promise<string> {
  const bytes = encoder.encode(key);
  if (bytes.length <= maxBytes) return key;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  // 64 code points of head keep names recognizable in a console without splitting a surrogate pair.
  return `\\#${Array.from(key).slice(0, 64).join("")}#sha256:${hex}`;
}
