// Memory store: decisions/s and bytes per key, edgelimit's memoryStore vs rate-limiter-flexible's
// RateLimiterMemory and the `limiter` package's TokenBucket (one bucket per key, in a Map).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { TokenBucket } from "limiter";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { createRateLimiter, fixedWindow } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { chartOf, type Row, type ScenarioOptions, type ScenarioResult, type Table } from "../lib/result.ts";
import { interleaved, summarize } from "../lib/stats.ts";
import { collectGarbage, packageVersion } from "../lib/system.ts";

/** One contender: `decide` answers one request for `key`; sync when the library is sync. */
interface Contender {
  decide(key: string): unknown;
}

export const MEMORY_COLUMNS = ["edgelimit memoryStore", "RLF RateLimiterMemory", "limiter TokenBucket"] as const;

const HOUR_S = 3600;
const run = promisify(execFile);
const BIG = 1e9; // a limit never reached: every decision is an allowed one, the common case

/** Fresh contenders sized for `keys` keys (our store keeps every key: no eviction during the run). */
export function memoryContenders(keys: number): Contender[] {
  const ours = createRateLimiter({
    store: memoryStore({ maxKeys: Math.max(2 * keys, 100_000) }),
    rules: [fixedWindow({ limit: BIG, window: "1h" })],
  });
  const rlf = new RateLimiterMemory({ points: BIG, duration: HOUR_S });
  const buckets = new Map<string, TokenBucket>();
  const bucket = {
    decide(key: string) {
      let found = buckets.get(key);
      if (found === undefined) {
        found = new TokenBucket({ bucketSize: BIG, tokensPerInterval: BIG, interval: "hour" });
        found.content = BIG; // starts empty otherwise
        buckets.set(key, found);
      }
      return found.tryRemoveTokens(1);
    },
  };
  return [{ decide: (k) => ours.limit(k) }, { decide: (k) => rlf.consume(k) }, bucket];
}

/**
 * Decisions per second of `count` decisions over `names`, visited with a prime stride so large key sets are
 * touched all over, not in insertion order; awaits only what returns a promise. A full GC first (skipped for
 * more than 10 000 keys, where it alone takes a second).
 */
export async function throughput(contender: Contender, names: readonly string[], count: number): Promise<number> {
  if (names.length <= 10_000) collectGarbage();
  const size = names.length;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const answer = contender.decide(names[(i * 7919) % size]!);
    if (answer instanceof Promise) await answer;
  }
  return count / ((performance.now() - started) / 1000);
}

/** Heap bytes per key a contender holds after deciding `keys` distinct keys once (measured in a child process). */
async function bytesPerKey(index: number, keys: number): Promise<number> {
  const child = fileURLToPath(new URL("../lib/heap-child.ts", import.meta.url));
  const { stdout } = await run(process.execPath, ["--expose-gc", child, String(index), String(keys)]);
  return (JSON.parse(stdout) as { bytesPerKey: number }).bytesPerKey;
}

/** Runs the memory scenario. */
export async function runMemory(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const tiny = options.mode === "tiny";
  const keyCounts = tiny ? [1, 100] : [1, 10_000, 1_000_000];
  const rows: Row[] = [];
  for (const keys of keyCounts) {
    const names = Array.from({ length: keys }, (_, i) => `user:${i}`);
    const contenders = memoryContenders(keys);
    const count = tiny ? 2_000 : 200_000;
    // Fill every key and warm up (7919 is prime and does not divide any key count used, so all keys are visited).
    for (const c of contenders) await throughput(c, names, Math.max(keys, tiny ? 200 : 20_000));
    const perRound = await interleaved(
      options.rounds,
      contenders.map((c) => () => throughput(c, names, count)),
    );
    rows.push({
      label: `decisions/s, ${keys.toLocaleString("en")} key${keys === 1 ? "" : "s"}`,
      unit: "decisions/s",
      better: "higher",
      values: perRound.map(summarize),
      headline: keys === 10_000 || (tiny && keys === 100),
    });
  }
  const fillKeys = tiny ? 1_000 : 50_000;
  const memory = await interleaved(
    options.rounds,
    MEMORY_COLUMNS.map((_, i) => () => bytesPerKey(i, fillKeys)),
  );
  rows.push({
    label: `heap per key (${fillKeys.toLocaleString("en")} keys)`,
    unit: "bytes",
    better: "lower",
    values: memory.map(summarize),
    headline: true,
  });
  const table: Table = {
    caption: "Memory store (fixed window, every decision allowed)",
    columns: MEMORY_COLUMNS,
    rows,
    notes: [
      "One caller, sequential `await limiter.limit(key)` (`consume(key)` for RLF); `limiter`'s TokenBucket is synchronous and not awaited.",
      "Keys are decided round-robin; all keys are filled and warmed before timing. Our store is sized to keep every key.",
      "Heap per key: in a fresh `node --expose-gc` process per contender, the `process.memoryUsage().heapUsed` delta after deciding each key once, with full GCs before and after.",
    ],
  };
  return {
    name: "memory",
    title: "Memory store",
    tables: [table],
    charts: [
      chartOf(table, "memory-throughput", "Memory store: decisions per second", (r) => r.unit === "decisions/s"),
    ],
    versions: {
      "rate-limiter-flexible": packageVersion("rate-limiter-flexible"),
      limiter: packageVersion("limiter"),
    },
    elapsedMs: performance.now() - started,
  };
}
