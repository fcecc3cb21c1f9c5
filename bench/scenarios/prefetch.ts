// Prefetching (issue 16): store operations per decision and admissions against offered load, for 1 to 64
// isolates sharing one hot key on the Upstash bridge and DynamoDB Local, prefetch on and off side by side; then
// the hot DynamoDB key and the decisions per second served from prefetched quota (prefetch-hot-path.ts).
import { fixedWindow, gcra, type RuleInput } from "../../src/index.ts";
import { startDynamoDbLocal } from "../../tests/support/dynamodb-local.ts";
import { startUpstashBackend } from "../../tests/support/upstash-bridge.ts";
import { offeredAt } from "../lib/load.ts";
import { dynamoDbShared, type SharedStore, upstashShared } from "../lib/prefetch.ts";
import type { Chart, LineChart, Row, ScenarioOptions, ScenarioResult, Table } from "../lib/result.ts";
import { exact } from "../lib/stats.ts";
import { exactCount, runWindow, type WindowResult } from "../lib/sweep.ts";
import { hotKeyTable, hotPathTable } from "./prefetch-hot-path.ts";

// `offIsolates`: the isolate counts at which prefetch off runs too. Off, every decision is a store call (the deny
// cache aside) at any isolate count, so one count shows it; each run off costs a minute of traffic in store calls.
const SIZES = {
  full: { limit: 1000, burst: 100, isolates: [1, 8, 64], offIsolates: [8], loads: [10, 50, 100, 200, 300] },
  // The smoke test's: every code path once (both sides, one and several isolates, under and over the limit).
  tiny: { limit: 50, burst: 5, isolates: [1, 4], offIsolates: [4], loads: [50, 300] },
};
const WINDOW_MS = 60_000;
/** Columns of every prefetch table: the first is the one the ratios put over the second. */
export const PREFETCH_COLUMNS = ["prefetch on", "prefetch off"] as const;

type Sizes = (typeof SIZES)["full"];
interface RuleSpec {
  readonly name: string;
  readonly rule: RuleInput;
}

const rulesOf = (s: Sizes): RuleSpec[] => [
  { name: `fixedWindow ${s.limit}/min`, rule: fixedWindow({ limit: s.limit, window: "1m", name: "fw" }) },
  {
    name: `gcra ${s.limit}/min burst ${s.burst}`,
    rule: gcra({ limit: s.limit, period: "1m", burst: s.burst, name: "gcra" }),
  },
];

const plural = (n: number) => `${n} isolate${n === 1 ? "" : "s"}`;
const at = (isolates: number, load: number) => `${plural(isolates)}, ${load} % load`;

/**
 * Every window of one store: per rule, isolate count and load, prefetch on and off. Each
 * run is sequential in itself (one decision at a time on its own clock); up to `store.parallel` runs at once.
 */
async function sweep(store: SharedStore, sizes: Sizes, rules: readonly RuleSpec[]) {
  const specs = rules.flatMap(({ name, rule }) =>
    sizes.isolates.flatMap((isolates) =>
      sizes.loads.flatMap((load) =>
        [true, false]
          .filter((prefetch) => prefetch || sizes.offIsolates.includes(isolates))
          .map((prefetch) => ({
            id: `${name}|${isolates}|${load}|${prefetch}`,
            spec: { rule, windowMs: WINDOW_MS, isolates, offered: offeredAt(load, sizes.limit), prefetch },
          })),
      ),
    ),
  );
  const results = new Map<string, WindowResult>();
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const { id, spec } = specs[next++]!;
      results.set(id, await runWindow(store, spec));
    }
  };
  await Promise.all(Array.from({ length: store.parallel }, worker));
  return results;
}

/** The warm-up: each rule's script loaded (the first EVALSHA answers NOSCRIPT) and the connections open. */
async function warm(store: SharedStore, rules: readonly RuleSpec[]): Promise<void> {
  for (const { rule } of rules) {
    const isolate = store.run().isolate({ rules: [rule], prefetch: false, prefix: "warm" });
    await isolate.limiter.limit("warm");
    isolate.close();
  }
}

interface StoreSweep {
  readonly store: string;
  /** Short unit for the rows: `commands` or `requests`. */
  readonly unit: string;
  readonly results: Map<string, WindowResult>;
}

function sweepTable(sweep: StoreSweep, rule: RuleSpec, sizes: Sizes, exacts: Map<string, number>): Table {
  const pick = (isolates: number, load: number, f: (r: WindowResult) => number) =>
    PREFETCH_COLUMNS.map((_, i) => {
      const r = sweep.results.get(`${rule.name}|${isolates}|${load}|${i === 0}`);
      return r === undefined ? undefined : exact(f(r));
    });
  const opsRows: Row[] = [];
  const admittedRows: Row[] = [];
  for (const isolates of sizes.isolates) {
    for (const load of sizes.loads) {
      const target = exacts.get(`${rule.name}|${load}`)!;
      const headline = isolates === sizes.isolates[1];
      opsRows.push({
        label: `${at(isolates, load)}: ${sweep.unit === "commands" ? "Redis commands" : "DynamoDB requests"} per decision`,
        unit: sweep.unit,
        better: "lower",
        values: pick(isolates, load, (r) => r.operationsPerDecision),
        headline: headline && load === 50,
      });
      admittedRows.push({
        label: `${at(isolates, load)}: admitted of ${offeredAt(load, sizes.limit)} offered`,
        unit: "requests",
        better: "exact",
        target,
        values: pick(isolates, load, (r) => r.admitted),
        headline: headline && (load === 50 || load === 300),
      });
    }
  }
  return {
    caption: `Prefetch: ${sweep.store}, ${rule.name}`,
    columns: PREFETCH_COLUMNS,
    rows: [...opsRows, ...admittedRows],
  };
}

const lineStyle = (sizes: Sizes, isolates: number, prefetch: boolean) => ({
  label: `${plural(isolates)}, prefetch ${prefetch ? "on" : "off"}`,
  color: sizes.isolates.indexOf(isolates),
  dashed: !prefetch,
});

function lines(sweep: StoreSweep, rule: RuleSpec, sizes: Sizes, figure: (r: WindowResult, load: number) => number) {
  const all = sizes.isolates.flatMap((isolates) =>
    [true, false].map((prefetch) => ({
      ...lineStyle(sizes, isolates, prefetch),
      values: sizes.loads.map((load) => {
        const r = sweep.results.get(`${rule.name}|${isolates}|${load}|${prefetch}`);
        return r === undefined ? undefined : figure(r, load);
      }),
    })),
  );
  return all.filter((line) => line.values.some((v) => v !== undefined));
}

/** Runs the prefetch scenario on its own redis-server with the bridge and its own DynamoDB Local, both at once. */
export async function runPrefetch(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const sizes = SIZES[options.mode];
  const rules = rulesOf(sizes);
  const exacts = new Map<string, number>();
  for (const { name, rule } of rules) {
    for (const load of sizes.loads)
      exacts.set(`${name}|${load}`, await exactCount(rule, WINDOW_MS, offeredAt(load, sizes.limit)));
  }
  const tables: Table[] = [];
  let sweeps: StoreSweep[];
  const upstash = await startUpstashBackend();
  try {
    const local = await startDynamoDbLocal(90_000); // Java starts in ~4 s, much slower on a loaded machine
    try {
      const stores = [await upstashShared(upstash), await dynamoDbShared(local.endpoint)];
      try {
        for (const store of stores) await warm(store, rules);
        // The two backends at once: each store's runs are counted apart, and no figure here is a timing.
        sweeps = await Promise.all(
          stores.map(async (store) => ({
            store: store.name,
            unit: store.unit === "Redis commands" ? "commands" : "requests",
            results: await sweep(store, sizes, rules),
          })),
        );
        // Timed figures after the sweeps, each alone.
        tables.push(await hotPathTable(upstash, options), await hotKeyTable(local.endpoint, options));
      } finally {
        for (const store of stores) store.close();
      }
    } finally {
      await local.stop();
    }
  } finally {
    await upstash.stop();
  }
  const sweepTables = sweeps.flatMap((s) => rules.map((r) => sweepTable(s, r, sizes, exacts)));
  const degraded = sweeps.reduce((n, s) => n + [...s.results.values()].reduce((m, r) => m + r.degraded, 0), 0);
  sweepTables[0] = {
    ...sweepTables[0]!,
    notes: [
      `One hot key, rules \`fixedWindow\` ${sizes.limit}/min and \`gcra\` ${sizes.limit}/min burst ${sizes.burst}; the load (${sizes.loads.join(", ")} % of the limit) is spread evenly over one window that starts on a window boundary, dealt round-robin to the isolates (each its own limiter and store client on the one backend), one decision at a time on a simulated clock (the limiters' \`clock\` option): a minute of traffic takes only as long as its store calls. One run per figure (counts, not timings), a fresh key prefix per run.`,
      'Defaults otherwise (deny cache on), `timeout: 10_000`, `onStoreError: "deny"`; prefetch on is `prefetch: prefetchQuota()` (share 0.1). Operations per decision = backend operations over the window (Redis commands by `INFO commandstats` deltas; DynamoDB read and write requests, failed ones too) ÷ offered decisions, counted until the backend is idle.',
      ...(sizes.offIsolates.length < sizes.isolates.length
        ? [
            `Prefetch off runs at ${sizes.offIsolates.join(", ")} isolates only (— elsewhere), to keep \`npm run bench\` within about 4 minutes: off, every decision is a store call (the deny cache aside) whatever the isolate count. Measured once at 1, 8 and 64 isolates: 8 and 64 within 0.05 per decision of each other on both backends; 1 isolate the same for fixedWindow but cheaper for gcra: 1.73 Redis commands at 300 % load (8 isolates: 2.37), as one isolate's deny cache answers more of the denials, and on DynamoDB 1 request per decision at every load (8 isolates: 1.37 to 2), since with more isolates each one's cached item is stale after another's write, so its conditional write fails once.`,
          ]
        : []),
      'In every prefetch table the ratio is prefetch on ÷ prefetch off, and on admissions "edgelimit closer" means prefetch on, "peer closer" prefetch off.',
      `"Exact is" = what the exact limiter admits on the same arrivals (one memory store shared by all isolates): min(offered, limit) for the fixed window. Decisions degraded by a store error in the whole sweep: ${degraded}.`,
    ],
  };
  const charts: (Chart | LineChart)[] = sweeps.map((s) => ({
    file: `prefetch-${s.store.startsWith("Upstash") ? "upstash" : "dynamodb"}-operations`,
    title: `${s.store}, one hot key`,
    unit: `${s.unit === "commands" ? "Redis commands" : "DynamoDB requests"} per decision`,
    xLabel: "offered load, % of the limit",
    x: sizes.loads,
    panels: rules.map((r) => ({ title: r.name, lines: lines(s, r, sizes, (w) => w.operationsPerDecision) })),
    reference: { value: 0.3, label: "target: 0.3 at 8 isolates, 50 %" },
  }));
  charts.push({
    file: "prefetch-admitted",
    title: "Admitted in one window, % of the exact limiter's count",
    unit: "%",
    xLabel: "offered load, % of the limit",
    x: sizes.loads,
    panels: sweeps.flatMap((s) =>
      rules.map((r) => ({
        title: `${s.store}, ${r.name}`,
        lines: lines(s, r, sizes, (w, load) => (100 * w.admitted) / exacts.get(`${r.name}|${load}`)!),
      })),
    ),
    yMin: 80,
    reference: { value: 100, label: "exact" },
  });
  return {
    name: "prefetch",
    title: "Prefetch",
    tables: [...sweepTables, ...tables],
    charts,
    versions: {},
    elapsedMs: performance.now() - started,
  };
}
