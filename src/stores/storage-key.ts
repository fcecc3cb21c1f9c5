const encoder = new TextEncoder();

/**
 * The key a remote store writes under: the key itself while its UTF-8 form fits in `maxBytes`
 * (default 256), else a readable head plus the SHA-256 of the whole key, so keys of any length map to a
 * bounded, collision-resistant name. Deterministic: every isolate and region derives the same name.
 */
export async function storageKey(key: string, maxBytes = 256): Promise<string> {
  const bytes = encoder.encode(key);
  if (bytes.length <= maxBytes) return key;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  // 64 characters of head keep keys recognizable in the console without risking a split surrogate pair.
  return `${Array.from(key).slice(0, 64).join("")}#sha256:${hex}`;
}
