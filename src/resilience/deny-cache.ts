import type { Decision } from "../decision.ts";

interface Entry {
  /** The smallest cost the store denied; any cost at least this large is denied too. */
  readonly cost: number;
  /** Local clock time when the store was asked, and before which it would deny that cost. */
  readonly askedAt: number;
  readonly until: number;
  readonly decision: Decision;
}

/**
 * Keys the store has denied, kept in this isolate until the store could allow them again, so repeated
 * requests from a limited client cost no round trip. Sound by construction: under every algorithm a
 * larger cost never becomes allowed sooner, other callers can only consume more, and `until` is measured
 * from before the store call, so the cache never denies what the store would allow, nor for longer
 * (a reset made elsewhere is the exception: see `reset` in the README).
 */
export class DenyCache {
  private readonly entries = new Map<string, Entry>();

  private readonly maxKeys: number;

  constructor(maxKeys: number) {
    this.maxKeys = maxKeys;
  }

  /** The cached denial for this key and cost at `now`, re-timed to `now`, or undefined. */
  get(key: string, cost: number, now: number): Decision | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    if (cost < entry.cost || cost === 0) return undefined;
    const elapsed = now - entry.askedAt;
    return {
      ...entry.decision,
      reason: "cached",
      retryAfterMs: entry.until - now,
      now,
      rules: entry.decision.rules.map((r) =>
        r.allowed ? r : { ...r, retryAfterMs: Math.max(0, r.retryAfterMs - elapsed) },
      ),
    };
  }

  /** Remembers a denial the store made for `cost`, asked at local time `askedAt`. */
  remember(key: string, cost: number, askedAt: number, decision: Decision): void {
    if (decision.allowed || decision.degraded || !Number.isFinite(decision.retryAfterMs) || cost === 0) return;
    // A release (from any isolate) can free a concurrency slot before retryAfterMs: never cache those denials.
    if (decision.rules.some((r) => r.algorithm === "concurrency" && !r.allowed)) return;
    const existing = this.entries.get(key);
    if (existing && existing.cost < cost && existing.until > askedAt) return; // keep the broader entry
    this.entries.delete(key);
    if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { cost, askedAt, until: askedAt + decision.retryAfterMs, decision });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
