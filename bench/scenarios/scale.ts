// Scale: how the cost of one decision grows with the number of rules per key and the number of keys,
// for the memory store and Upstash REST.
import { RateLimiterMemory, RateLimiterUnion } from "rate-limiter-flexible";
import { createRateLimiter, fixedWindow } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { startUpstashBackend, type UpstashBackend } from "../../tests/support/upstash-bridge.ts";
import { chartOf, type Row, type ScenarioOptions, type ScenarioResult, type Table } from "../lib/result.ts";
import { interleaved, latencies, percentile, type Summary, summarize } from "../lib/stats.ts";
import { CommandCounter, costOf, type Decide, ours, peer } from "../lib/upstash.ts";
import { throughput } from "./memory.ts";

const RULE_COUNTS = [1, 2, 4];
const BIG = 1e9;

/** Memory: R fixed windows on one edgelimit limiter vs R RateLimiterMemory in a RateLimiterUnion. */
function memoryPair(rules: number) {
  const limiter = createRateLimiter({
    store: memoryStore(),
    rules: Array.from({ length: rules }, (_, i) => fixedWindow({ limit: BIG, window: `${i + 1}h`, name: `r${i}` })),
  });
  const singles = Array.from(
    { length: rules },
    (_, i) => new RateLimiterMemory({ points: BIG, duration: 3600 * (i + 1), keyPrefix: `r${i}` }),
  );
  const union = rules === 1 ? singles[0]! : new RateLimiterUnion(...singles);
  return [{ decide: (k: string) => limiter.limit(k) }, { decide: (k: string) => union.consume(k) }];
}

let serial = 0;

/** Cost and p50 latency of `calls` allowed decisions spread round-robin over `keys` keys. */
async function upstashCost(
  backend: UpstashBackend,
  counter: CommandCounter,
  decide: Decide,
  keys: number,
  calls: number,
): Promise<{ requests: number; commands: number; p50: number }> {
  const run = serial++;
  const times: number[] = [];
  const cost = await costOf(backend, counter, calls, async (i) => {
    times.push(...(await latencies(1, () => decide(`scale-${run}-${i % keys}`))));
  });
  return { ...cost, p50: percentile(times, 50) };
}

/** Runs the scale scenario (its own redis-server and bridge). */
export async function runScale(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const tiny = options.mode === "tiny";
  const memoryKeys = tiny ? 100 : 10_000;
  const names = Array.from({ length: memoryKeys }, (_, i) => `user:${i}`);
  const rulesRows: Row[] = [];
  for (const rules of RULE_COUNTS) {
    const pair = memoryPair(rules);
    for (const c of pair) await throughput(c, names, memoryKeys);
    const perRound = await interleaved(
      options.rounds,
      pair.map((c) => () => throughput(c, names, tiny ? 1_000 : 100_000)),
    );
    rulesRows.push({
      label: `memory, ${rules} rule${rules > 1 ? "s" : ""} per key (${memoryKeys.toLocaleString("en")} keys)`,
      unit: "decisions/s",
      better: "higher",
      values: perRound.map(summarize),
    });
  }
  const backend = await startUpstashBackend();
  const counter = await CommandCounter.connect(backend.redisPort);
  const calls = tiny ? 10 : 200;
  const keyCounts = [1, tiny ? 20 : 1_000];
  const keysRows: Row[] = [];
  try {
    await ours(backend, "fixedWindow", 5, false, "warm")("w");
    await peer(backend, "fixedWindow", 5, false, "warm")("w");
    const configs = [
      ...RULE_COUNTS.map((rules) => ({ rules, keys: 1 })),
      ...keyCounts.slice(1).map((keys) => ({ rules: 1, keys })),
    ];
    for (const { rules, keys } of configs) {
      const perRound = await interleaved(options.rounds, [
        () =>
          upstashCost(backend, counter, ours(backend, "fixedWindow", BIG, false, `s${serial++}`, rules), keys, calls),
        () =>
          upstashCost(backend, counter, peer(backend, "fixedWindow", BIG, false, `s${serial++}`, rules), keys, calls),
      ]);
      const pick = (field: "requests" | "commands" | "p50"): Summary[] =>
        perRound.map((r) => summarize(r.map((f) => f[field])));
      const where = `Upstash, ${rules} rule${rules > 1 ? "s" : ""}, ${keys.toLocaleString("en")} key${keys > 1 ? "s" : ""}`;
      const target = keys === 1 ? rulesRows : keysRows;
      target.push(
        { label: `${where}: HTTP requests per decision`, unit: "requests", better: "lower", values: pick("requests") },
        { label: `${where}: Redis commands per decision`, unit: "commands", better: "lower", values: pick("commands") },
        { label: `${where}: latency p50`, unit: "ms", better: "lower", values: pick("p50") },
      );
      if (keys === 1 && rules === 1) keysRows.push(...target.slice(-3));
    }
  } finally {
    counter.close();
    await backend.stop();
  }
  const rulesTable: Table = {
    caption: "Scale: rules per key (fixed windows; every decision allowed)",
    columns: ["edgelimit", "peer (RLF RateLimiterUnion / R × @upstash/ratelimit)"],
    rows: rulesRows,
    notes: [
      "edgelimit applies all rules of a key in one store call (one Lua script). Peers have no multi-rule limiter: RLF uses `RateLimiterUnion` of R `RateLimiterMemory`; @upstash/ratelimit uses R `Ratelimit` instances called with `Promise.all` (@upstash/redis auto-pipelining may batch them into one HTTP request).",
      `Upstash figures: ${calls} sequential decisions per round, deny caches off.`,
    ],
  };
  const keysTable: Table = {
    caption: "Scale: keys (Upstash REST, one fixed-window rule)",
    columns: ["edgelimit", "@upstash/ratelimit"],
    rows: keysRows,
    notes: [
      "Decisions go round-robin over the keys, so with many keys most decisions are a key's first in its window (the peer's fixed window then adds a PEXPIRE).",
    ],
  };
  return {
    name: "scale",
    title: "Scale",
    tables: [rulesTable, keysTable],
    charts: [
      chartOf(rulesTable, "scale-upstash-commands", "Upstash: Redis commands per decision by rules per key", (r) =>
        r.label.includes("1 key: Redis commands"),
      ),
      chartOf(
        rulesTable,
        "scale-memory",
        "Memory: decisions per second by rules per key",
        (r) => r.unit === "decisions/s",
      ),
    ],
    versions: {},
    elapsedMs: performance.now() - started,
  };
}
