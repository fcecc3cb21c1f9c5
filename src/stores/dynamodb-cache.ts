import type { RawItem } from "./dynamodb-item.ts";

/** An item as this isolate last saw it in DynamoDB (raw: decoded per batch, with that batch's rules), and when. */
export interface Seen {
  readonly raw: RawItem;
  /** The limiter's clock, epoch ms. */
  readonly seenAt: number;
}

/**
 * The last item seen per key, bounded: when full, the least recently used key is dropped (which only costs
 * that key one failed conditional write or one read later, never a wrong decision).
 */
export class SeenItems {
  // A Map iterates in insertion order; re-inserting on every use keeps the least recently used first.
  readonly #entries = new Map<string, Seen>();
  readonly #maxKeys: number;

  constructor(maxKeys: number) {
    this.#maxKeys = maxKeys;
  }

  get(key: string): Seen | undefined {
    const seen = this.#entries.get(key);
    if (seen !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, seen);
    }
    return seen;
  }

  /** Remembers `raw` (or forgets the key when the item does not exist). */
  set(key: string, raw: RawItem | undefined, seenAt: number): void {
    this.#entries.delete(key);
    if (raw === undefined || this.#maxKeys === 0) return;
    this.#entries.set(key, { raw, seenAt });
    if (this.#entries.size > this.#maxKeys) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
