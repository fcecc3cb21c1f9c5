// Upstash REST (local bridge over redis-server): edgelimit's upstashStore vs @upstash/ratelimit.
import { startUpstashBackend, type UpstashBackend } from "../../tests/support/upstash-bridge.ts";
import type { Chart, Row, ScenarioOptions, ScenarioResult, Table } from "../lib/result.ts";
import { interleaved, percentile, type Summary, summarize, takingTurns } from "../lib/stats.ts";
import { packageVersion, redisVersion } from "../lib/system.ts";
import { CommandCounter, costOf, type Decide, ours, peer, type UpstashAlgorithm } from "../lib/upstash.ts";

export const UPSTASH_COLUMNS = ["edgelimit upstashStore", "@upstash/ratelimit"] as const;
const ALGORITHMS: readonly UpstashAlgorithm[] = ["fixedWindow", "slidingWindow", "tokenBucket", "gcra"];
/** Limit per key and racing callers: 50 and 200 in full mode, 5 and 20 in tiny mode. */
const SIZES = { full: { limit: 50, racers: 200, latencyCalls: 300 }, tiny: { limit: 5, racers: 20, latencyCalls: 20 } };

/** The figures of one contender in one round, by name. */
type Figures = Record<string, number>;

type Sizes = (typeof SIZES)["full"];

let serial = 0;
const fresh = (what: string) => `${what}-${Date.now().toString(36)}-${serial++}`;

/** One round for one contender; `make(limit, cache)` builds a fresh limiter on its own prefix. */
async function round(
  backend: UpstashBackend,
  counter: CommandCounter,
  make: (limit: number, cache: boolean, prefix: string) => Decide,
  sizes: Sizes,
): Promise<Figures> {
  const figures: Figures = {};
  for (const cache of [false, true]) {
    const decide = make(sizes.limit, cache, fresh("cost"));
    const key = fresh("k");
    const allowed = await costOf(backend, counter, sizes.limit, () => expect(decide(key), true));
    const denied = await costOf(backend, counter, sizes.limit, () => expect(decide(key), false));
    const tag = cache ? "cacheOn" : "cacheOff";
    figures[`requestsAllowed.${tag}`] = allowed.requests;
    figures[`commandsAllowed.${tag}`] = allowed.commands;
    figures[`requestsDenied.${tag}`] = denied.requests;
    figures[`commandsDenied.${tag}`] = denied.commands;
  }
  const racer = make(sizes.limit, true, fresh("race"));
  const key = fresh("race");
  const answers = await Promise.all(Array.from({ length: sizes.racers }, () => racer(key)));
  figures.admitted = answers.filter(Boolean).length;
  return figures;
}

async function expect(answer: Promise<boolean>, allowed: boolean): Promise<void> {
  if ((await answer) !== allowed) throw new Error(`expected ${allowed ? "an allowed" : "a denied"} decision`);
}

const ROWS: readonly { field: string; label: string; unit: string; better: Row["better"]; headline?: boolean }[] = [
  { field: "requestsAllowed.cacheOff", label: "HTTP requests per allowed decision", unit: "requests", better: "lower" },
  {
    field: "requestsDenied.cacheOff",
    label: "HTTP requests per denied decision, cache off",
    unit: "requests",
    better: "lower",
  },
  {
    field: "requestsDenied.cacheOn",
    label: "HTTP requests per denied decision, cache on",
    unit: "requests",
    better: "lower",
  },
  {
    field: "commandsAllowed.cacheOff",
    label: "Redis commands per allowed decision",
    unit: "commands",
    better: "lower",
    headline: true,
  },
  {
    field: "commandsDenied.cacheOff",
    label: "Redis commands per denied decision, cache off",
    unit: "commands",
    better: "lower",
    headline: true,
  },
  {
    field: "commandsDenied.cacheOn",
    label: "Redis commands per denied decision, cache on",
    unit: "commands",
    better: "lower",
  },
  { field: "p50", label: "latency p50 (allowed, sequential)", unit: "ms", better: "lower", headline: true },
  { field: "p99", label: "latency p99 (allowed, sequential)", unit: "ms", better: "lower" },
  {
    field: "admitted",
    label: "admitted when RACERS callers race for LIMIT",
    unit: "requests",
    better: "exact",
    headline: true,
  },
];

/** Runs the Upstash scenario against its own redis-server and bridge. */
export async function runUpstash(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const backend = await startUpstashBackend();
  const counter = await CommandCounter.connect(backend.redisPort);
  const sizes: Sizes = SIZES[options.mode];
  const tables: Table[] = [];
  const charts: Chart[] = [];
  try {
    // Warm up: loads both scripts (the first EVALSHA of each answers NOSCRIPT) and the HTTP connections.
    for (const a of ALGORITHMS) {
      await ours(backend, a, 5, false, "warm")("w");
      if (a !== "gcra") await peer(backend, a, 5, false, "warm")("w");
    }
    for (const algorithm of ALGORITHMS) {
      const makers = [
        (l: number, c: boolean, p: string) => ours(backend, algorithm, l, c, p),
        ...(algorithm === "gcra" ? [] : [(l: number, c: boolean, p: string) => peer(backend, algorithm, l, c, p)]),
      ];
      const contenders = makers.map((make) => () => round(backend, counter, make, sizes));
      const perRound = await interleaved(options.rounds, contenders);
      // Latency apart from the other figures, the contenders taking turns call by call: a burst of scheduling noise
      // on this shared machine then lands on both, not on whichever contender's round it fell in.
      for (let r = 0; r < options.rounds; r++) {
        const opens = makers.map((make) => make(1e6, false, fresh("lat")));
        const times = await takingTurns(
          sizes.latencyCalls,
          opens.map((open) => (i: number) => open(`user:${i}`)),
        );
        times.forEach((t, i) => {
          perRound[i]![r]!.p50 = percentile(t, 50);
          perRound[i]![r]!.p99 = percentile(t, 99);
        });
      }
      const pick = (field: string): (Summary | undefined)[] =>
        UPSTASH_COLUMNS.map((_, i) => (perRound[i] ? summarize(perRound[i]!.map((f) => f[field]!)) : undefined));
      // The headline keeps every algorithm's Redis commands and fixedWindow's other figures.
      const rows: Row[] = ROWS.map((r) => ({
        label: r.label.replace("RACERS", String(sizes.racers)).replace("LIMIT", String(sizes.limit)),
        unit: r.unit,
        better: r.better,
        ...(r.better === "exact" ? { target: sizes.limit } : {}),
        values: pick(r.field),
        headline: r.headline === true && (algorithm === "fixedWindow" || r.field.startsWith("commands")),
      }));
      tables.push({
        caption: `Upstash REST, ${algorithm}${algorithm === "gcra" ? " (edgelimit only: @upstash/ratelimit has no GCRA)" : ""}`,
        columns: UPSTASH_COLUMNS,
        rows,
      });
    }
  } finally {
    counter.close();
    await backend.stop();
  }
  const group = (row: number) =>
    tables.map((t) => ({
      label: t.caption.replace(/^Upstash REST, (\w+).*/, "$1"),
      values: t.rows[row]!.values.map((v) => v?.median),
    }));
  charts.push(
    {
      file: "upstash-latency",
      title: "Upstash REST: p50 latency per decision",
      unit: "ms",
      series: UPSTASH_COLUMNS,
      groups: group(6),
    },
    {
      file: "upstash-commands",
      title: "Upstash REST: Redis commands per allowed decision",
      unit: "commands",
      series: UPSTASH_COLUMNS,
      groups: group(3),
    },
  );
  const notes = [
    `Limit ${sizes.limit} per hour per key; a fresh key and limiter per round. Redis commands are \`INFO commandstats\` deltas (EVALSHA plus the commands the script calls, as Upstash bills them).`,
    '"cache off": edgelimit `denyCache: false`, @upstash/ratelimit `ephemeralCache: false`, so every decision reaches Redis. "cache on": both libraries\' defaults, which answer a repeated denial in-process.',
    `Latency: ${sizes.latencyCalls} sequential decisions per contender on distinct keys, all allowed, the contenders taking turns call by call (the first alternating), HTTP over loopback to the bridge (no network RTT: real deployments add it to both).`,
    `Race: ${sizes.racers} concurrent \`limit()\` calls on one key (defaults, caches on); exact is ${sizes.limit}.`,
  ];
  tables[0] = { ...tables[0]!, notes };
  return {
    name: "upstash",
    title: "Upstash REST",
    tables,
    charts,
    versions: {
      "@upstash/ratelimit": packageVersion("@upstash/ratelimit"),
      "@upstash/redis": packageVersion("@upstash/redis"),
      "redis-server": redisVersion(),
    },
    elapsedMs: performance.now() - started,
  };
}
