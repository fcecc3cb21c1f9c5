import { DurableObject } from "cloudflare:workers";
import {
  type ApplyRequest,
  applyRelease,
  applyRules,
  type Evaluator,
  type KeyState,
  type Lease,
  type QuotaPlan,
  type RuleOutcome,
  type StoredQuotas,
} from "../src/algorithms/apply.ts";
import { evaluate } from "../src/algorithms/evaluators.ts";
import type { Rule } from "../src/rules/types.ts";

/** What the store sends for one decision (structured-clone values only: it crosses an RPC boundary). */
export interface ObjectApplyRequest {
  /** The key as the store named the object; one object may hold several keys, each in its own row. */
  readonly key: string;
  readonly rules: readonly Rule[];
  readonly cost: number;
  /** The caller's clock, epoch ms; `undefined` lets the object decide on its own clock. */
  readonly now: number | undefined;
  readonly consume: boolean;
  /** From a limiter with `tenants`: the quotas stored with the key apply (src/quotas.ts), or `set` stores them. */
  readonly quotas?: QuotaPlan | undefined;
  /** A settlement (`decision.settle`) instead of a decision: `delta` units at the decision's time `at` (epoch ms). */
  readonly adjust?: { readonly delta: number; readonly at: number };
}

/** What the store sends to give leases back (structured-clone values only). */
export interface ObjectReleaseRequest {
  readonly key: string;
  readonly rules: readonly Rule[];
  readonly leases: readonly Lease[];
  /** The caller's clock, epoch ms; `undefined` lets the object use its own clock. */
  readonly now: number | undefined;
  /** As in `ObjectApplyRequest`: live stored quotas keep the key alive. */
  readonly quotas?: QuotaPlan | undefined;
}

export interface ObjectApplyResponse {
  readonly outcomes: readonly RuleOutcome[];
  /** The time the object decided at, epoch ms. */
  readonly now: number;
  /** With `quotas`: the rules decided with, the stored quotas in force applied. */
  readonly rules?: readonly Rule[] | undefined;
}

/**
 * What this instance did since it was created (in memory only: it restarts with the object). Billing
 * counts `sqlRowsWritten + alarmsSet` as SQLite rows written, and each RPC call as one request.
 */
export interface ObjectStats {
  requests: number;
  allowed: number;
  denied: number;
  /** Release calls that freed at least one lease (and so wrote). */
  released: number;
  /** Settlements (`decision.settle`), each one write. */
  settled: number;
  sqlRowsWritten: number;
  sqlRowsRead: number;
  alarmsSet: number;
  alarmRuns: number;
}

interface Row extends Record<string, SqlStorageValue> {
  key: string;
  rules: string;
  expires_at: number;
}

const SCHEMA =
  "CREATE TABLE IF NOT EXISTS edgelimit_state (key TEXT PRIMARY KEY, rules TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID";

/**
 * The Durable Object behind `durableObjectStore()`: one instance per key name, SQLite-backed.
 *
 * Each decision runs `applyRules` (the core's algorithms) between a synchronous read and a synchronous
 * SQLite write, so no other event can interleave: decisions on one key are atomic without locks. State is
 * cached in memory and written through to SQLite, so eviction, hibernation or a deploy lose nothing. A
 * denied or looking request writes nothing. One alarm deletes the object's storage once every key has
 * been idle past its `expiresAt`; it is set once, then moved forward only when it fires, so an allowed
 * decision writes one row in the steady state.
 *
 * Bind it with a `new_sqlite_classes` migration (see wrangler.toml).
 */
export class RateLimiterObject extends DurableObject {
  readonly #cache = new Map<string, KeyState | undefined>();
  #schemaReady = false;
  /** When the pending alarm fires (epoch ms), `null` when none is set, `undefined` before it was read. */
  #alarmAt: number | null | undefined;
  readonly stats: ObjectStats = {
    requests: 0,
    allowed: 0,
    denied: 0,
    released: 0,
    settled: 0,
    sqlRowsWritten: 0,
    sqlRowsRead: 0,
    alarmsSet: 0,
    alarmRuns: 0,
  };

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * Applies all rules of one key atomically and returns their outcomes (RPC; one billed request); or, with `adjust`,
   * settles an earlier decision's cost on them.
   */
  apply(request: ObjectApplyRequest): ObjectApplyResponse {
    this.stats.requests++;
    const now = request.now ?? Date.now();
    const { key, adjust } = request;
    const asked = this.asked(request, now);
    // From here to the write nothing awaits: the read, the algorithms and the write run as one event.
    const stored = this.#read(key, now);
    const applied = applyRules(asked, stored);
    const { outcomes, write } = applied;
    if (adjust) this.stats.settled++;
    else if (outcomes.every((o) => o.allowed)) this.stats.allowed++;
    else this.stats.denied++;
    if (write) {
      if (write.expiresAt > now) this.#store(key, write);
      else this.#remove(key);
    }
    // With stored quotas (`FullRateLimiterObject`): the rules decided with, which the store hands to the limiter.
    return { outcomes, now, rules: applied.rules };
  }

  /**
   * Gives leases back (RPC; one billed request): `applyRelease` between the same synchronous read and write
   * as `apply`. Nothing held any more (released, expired, never taken) writes nothing; a key left with no
   * live state is deleted. The pending alarm stays where it is even when the key's expiry moved earlier:
   * it then fires late and cleans up, which costs no extra write now.
   */
  release(request: ObjectReleaseRequest): void {
    this.stats.requests++;
    const now = request.now ?? Date.now();
    const { key, rules, leases } = request;
    const quotas = this.quotasOf(request.quotas);
    const next = applyRelease(
      { rules, evaluators: this.evaluatorsOf(rules), leases, now, quotas },
      this.#read(key, now),
    );
    if (!next) return;
    this.stats.released++;
    if (next.expiresAt > now) this.#store(key, next);
    else this.#remove(key);
  }

  /**
   * What `applyRules` runs for a request: the plain algorithms. `blockFor()` rules and settlements (`adjust`) need
   * `FullRateLimiterObject`, which overrides this; here they are refused, never applied as plain rules.
   */
  protected asked(request: ObjectApplyRequest, now: number): ApplyRequest {
    const { rules, cost, consume } = request;
    if (request.adjust || request.quotas || rules.some((rule) => rule.blockMs)) {
      throw new Error(
        "[edgelimit] RateLimiterObject applies no blockFor() rule, settlement or stored quota: bind FullRateLimiterObject instead",
      );
    }
    return { rules, evaluators: this.evaluatorsOf(rules), cost, now, consume };
  }

  /** Stored quotas (`setLimits`) a release keeps: none here (`FullRateLimiterObject` applies them). */
  protected quotasOf(_plan: QuotaPlan | undefined): StoredQuotas | undefined {
    return undefined;
  }

  /** Each rule's algorithm (`FullRateLimiterObject`: with a `blockFor()` rule's block around it). */
  protected evaluatorsOf(rules: readonly Rule[]): Evaluator[] {
    return rules.map(() => evaluate);
  }

  /** Forgets a key (RPC). */
  reset(key: string): void {
    this.stats.requests++;
    this.#remove(key);
  }

  /** Answers at once; proves the namespace is bound and reachable (RPC). */
  ping(): number {
    this.stats.requests++;
    return Date.now();
  }

  /**
   * Deletes keys idle past their expiry; when none is left, all storage (and so the bill for it). Expiry runs on
   * this object's clock, while with `clock: "caller"` decisions use the caller's: this assumes the caller's clock is
   * not behind real time, or state is deleted before the caller is done with it (docs/consistency.md).
   */
  override async alarm(): Promise<void> {
    this.stats.alarmRuns++;
    this.#alarmAt = null;
    const now = Date.now();
    this.#ensureSchema();
    const expired = this.#exec("DELETE FROM edgelimit_state WHERE expires_at <= ?", now);
    expired.toArray();
    this.#count(expired);
    this.#cache.clear();
    const latest = this.#exec<{ latest: number | null }>("SELECT MAX(expires_at) AS latest FROM edgelimit_state").one();
    if (latest.latest === null) {
      await this.ctx.storage.deleteAll();
      this.#schemaReady = false;
    } else {
      this.#setAlarm(latest.latest);
    }
  }

  #read(key: string, now: number): KeyState | undefined {
    let state = this.#cache.get(key);
    if (!this.#cache.has(key)) {
      this.#ensureSchema();
      const cursor = this.#exec<Row>("SELECT key, rules, expires_at FROM edgelimit_state WHERE key = ?", key);
      const row = cursor.toArray()[0];
      this.#count(cursor);
      state = row ? { rules: JSON.parse(row.rules) as KeyState["rules"], expiresAt: row.expires_at } : undefined;
      this.#cache.set(key, state);
    }
    return state && state.expiresAt > now ? state : undefined;
  }

  #store(key: string, state: KeyState): void {
    this.#ensureSchema();
    const cursor = this.#exec(
      "INSERT INTO edgelimit_state (key, rules, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET rules = excluded.rules, expires_at = excluded.expires_at",
      key,
      JSON.stringify(state.rules),
      state.expiresAt,
    );
    cursor.toArray();
    this.#count(cursor);
    this.#cache.set(key, state);
    // An earlier alarm is left alone: when it fires it finds this key alive and moves itself forward.
    if (this.#alarmAt === null || this.#alarmAt === undefined) this.#setAlarm(state.expiresAt);
  }

  #remove(key: string): void {
    this.#ensureSchema();
    const cursor = this.#exec("DELETE FROM edgelimit_state WHERE key = ?", key);
    cursor.toArray();
    this.#count(cursor);
    this.#cache.set(key, undefined);
  }

  #setAlarm(at: number): void {
    this.#alarmAt = at;
    this.stats.alarmsSet++;
    // Not awaited: the output gate holds this object's replies until the alarm is stored.
    void this.ctx.storage.setAlarm(at);
  }

  #ensureSchema(): void {
    if (this.#schemaReady) return;
    this.#count(this.#exec(SCHEMA));
    this.#schemaReady = true;
  }

  #exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> {
    return this.ctx.storage.sql.exec<T>(query, ...bindings);
  }

  #count(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>): void {
    this.stats.sqlRowsWritten += cursor.rowsWritten;
    this.stats.sqlRowsRead += cursor.rowsRead;
  }
}
