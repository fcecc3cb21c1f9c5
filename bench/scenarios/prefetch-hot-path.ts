// Prefetch (issue 16), the two tables beside the load sweep: decisions per second served from prefetched quota
// on one key against in-process limiters, and issue 14's hot DynamoDB key with prefetching on and off.
import { RateLimiterMemory } from "rate-limiter-flexible";
import { createRateLimiter, fixedWindow } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { upstashStore } from "../../src/stores/upstash.ts";
import type { UpstashBackend } from "../../tests/support/upstash-bridge.ts";
import { ours } from "../lib/dynamodb.ts";
import { PREFETCH_TABLE } from "../lib/prefetch.ts";
import { withPrefetch } from "../lib/prefetch-option.ts";
import type { Row, ScenarioOptions, Table } from "../lib/result.ts";
import { interleaved, summarize } from "../lib/stats.ts";
import { hotKey, ROW_SPECS, SIZES } from "./dynamodb.ts";
import { throughput } from "./memory.ts";

const BIG = 1e9; // never reached: every decision is an allowed one
const HOT_PATH_COLUMNS = ["edgelimit upstashStore + prefetchQuota()", "RLF RateLimiterMemory", "edgelimit memoryStore"];

/**
 * Decisions per second on one key: edgelimit over the Upstash bridge with prefetching, warmed so that its pool
 * holds quota, against RLF's RateLimiterMemory and edgelimit's memory store, interleaved in rounds. The store
 * calls that refill the pool happen inside the timed loop and count in its time.
 */
export async function hotPathTable(backend: UpstashBackend, options: ScenarioOptions): Promise<Table> {
  const tiny = options.mode === "tiny";
  const count = tiny ? 2_000 : 200_000;
  const { remote, contenders, names } = await hotPathContenders(backend, tiny ? 1_000 : 50_000);
  const callsBefore = remote.metrics().storeCalls;
  const perRound = await interleaved(
    options.rounds,
    contenders.map((c) => () => throughput(c, names, count)),
  );
  const decided = count * options.rounds;
  const values = perRound.map(summarize);
  const rows: Row[] = [
    {
      label: "decisions/s, one key",
      unit: "decisions/s",
      better: "higher",
      values,
      headline: true,
    },
  ];
  rows.push({
    label: "store calls per 1,000 timed decisions",
    unit: "calls",
    better: "lower",
    values: [summarize([(1000 * (remote.metrics().storeCalls - callsBefore)) / decided])],
  });
  return {
    caption: "Prefetch: decisions per second served from prefetched quota (one key)",
    columns: HOT_PATH_COLUMNS,
    rows,
    notes: [
      `Fixed window, a limit never reached; sequential \`await limiter.limit("hot")\` (\`consume\` for RLF), ${count.toLocaleString("en")} per round after a warm-up that fills the prefetch pool. edgelimit's Upstash limiter runs over the local bridge on the real clock: the claims that refill its pool are inside the timed loop.`,
    ],
  };
}

/**
 * The hot path's three contenders on one key `"hot"`, warmed by `warmUp` decisions each (the prefetch pool then holds
 * quota): edgelimit over the Upstash bridge with `prefetchQuota()` (`remote`), RLF's RateLimiterMemory, edgelimit's
 * memory store. bench/hot-path.ts runs them alone.
 */
export async function hotPathContenders(backend: UpstashBackend, warmUp: number) {
  const rule = fixedWindow({ limit: BIG, window: "1h" });
  const remote = createRateLimiter(
    withPrefetch({ store: upstashStore({ url: backend.url, token: backend.token }), rules: [rule] }, true),
  );
  const rlf = new RateLimiterMemory({ points: BIG, duration: 3600 });
  const local = createRateLimiter({ store: memoryStore(), rules: [rule] });
  const contenders = [
    { decide: (k: string) => remote.limit(k) },
    { decide: (k: string) => rlf.consume(k) },
    { decide: (k: string) => local.limit(k) },
  ];
  const names = ["hot"];
  for (const c of contenders) await throughput(c, names, warmUp);
  return { remote, contenders, names };
}

/** Issue 14's hot DynamoDB key (bench/scenarios/dynamodb.ts's `hotKey`), prefetch on and off, one round each. */
export async function hotKeyTable(endpoint: string, options: ScenarioOptions): Promise<Table> {
  const sizes = SIZES[options.mode];
  const run = (prefetch: boolean) => async () => {
    const figures: Record<string, number> = {};
    const make: typeof ours = (e, t, limit, tally, defaults) => ours(e, t, limit, tally, defaults, prefetch);
    await hotKey(endpoint, PREFETCH_TABLE, make, sizes, figures);
    return figures;
  };
  // One round: admissions and requests are counts, and 2 × 300 cold clients take seconds per round.
  const perRound = await interleaved(1, [run(true), run(false)]);
  // Counts only: one round's time until the last decision is a single, noisy measurement.
  const counts = ROW_SPECS.filter(([field]) => field.startsWith("hot") && !field.endsWith("slowest"));
  const rows: Row[] = counts.map(([field, label, unit]) => {
    return {
      label: label
        .replace("HOTLIMIT", String(sizes.hotLimit))
        .replace("HOTA", String(sizes.hot[0]))
        .replace("HOTB", String(sizes.hot[1])),
      unit,
      better: field.endsWith("admitted") ? "exact" : "lower",
      ...(field.endsWith("admitted") ? { target: sizes.hotLimit } : {}),
      values: perRound.map((r) => summarize(r.map((f) => f[field]!))),
    };
  });
  return {
    caption: "Prefetch: the hot DynamoDB key (issue 14's scenario)",
    columns: ["prefetch on", "prefetch off"],
    rows,
    notes: [
      `As in the DynamoDB section: ${sizes.hot.join(" and ")} separate cold instances (own client each), one decision each at the same moment on one new key, fixed window ${sizes.hotLimit} per hour, deny cache off, the limiter's default 1 s budget; prefetch on adds \`prefetch: prefetchQuota()\`. One round, counts only (the times until the last decision are in the DynamoDB section).`,
    ],
  };
}
