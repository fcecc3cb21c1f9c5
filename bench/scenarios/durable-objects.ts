// Durable Objects (workerd through Miniflare): edgelimit's durableObjectStore vs the Cloudflare
// rate-limiting binding that Miniflare simulates (`ratelimits`, period 60 s).
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { type Chart, chartOf, type Row, type ScenarioOptions, type ScenarioResult, type Table } from "../lib/result.ts";
import { interleaved, latencies, percentile, summarize } from "../lib/stats.ts";
import { packageVersion, repoRoot } from "../lib/system.ts";

const LIMIT = 50;
const RACERS = 200;

/** The Worker under test: routes to our limiter, to the binding, or to nothing (the path's own cost). */
const WORKER = `
import { createRateLimiter, fixedWindow } from "./src/index.ts";
import { durableObjectStore, RateLimiterObject } from "./durable-objects/index.ts";
export { RateLimiterObject };
const limiters = new Map();
function ours(env, limit) {
  let l = limiters.get(limit);
  if (!l) limiters.set(limit, (l = createRateLimiter({ store: durableObjectStore(env.RATE_LIMITER), rules: [fixedWindow({ limit, window: "1h" })] })));
  return l;
}
async function decide(env, impl, key, limit) {
  if (impl === "ours") return (await ours(env, limit).limit(key)).allowed;
  if (impl === "binding") return (await env.RL.limit({ key })).success;
  return true;
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const impl = url.pathname.slice(1);
    const key = url.searchParams.get("key") ?? "k";
    const limit = Number(url.searchParams.get("limit") ?? ${LIMIT});
    const racers = Number(url.searchParams.get("race") ?? 0);
    if (racers > 0) {
      const answers = await Promise.all(Array.from({ length: racers }, () => decide(env, impl, key, limit)));
      return new Response(String(answers.filter(Boolean).length));
    }
    return new Response((await decide(env, impl, key, limit)) ? "1" : "0");
  },
};`;

/** Bundles the Worker in memory and starts it in workerd with the Durable Object and the binding. */
export async function startWorker(): Promise<Miniflare> {
  const bundled = await build({
    stdin: { contents: WORKER, resolveDir: repoRoot, loader: "ts", sourcefile: "bench-worker.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: [{ type: "ESModule", path: "index.mjs", contents: bundled.outputFiles[0]!.text }],
      compatibilityDate: "2026-10-01",
      durableObjects: { RATE_LIMITER: { className: "RateLimiterObject", useSQLite: true } },
      ratelimits: { RL: { namespace_id: "1001", simple: { limit: LIMIT, period: 60 } } },
    }),
  );
  await mf.ready;
  return mf;
}

let serial = 0;

async function call(mf: Miniflare, path: string): Promise<string> {
  const response = await mf.dispatchFetch(`http://bench${path}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`worker answered ${response.status}: ${text.slice(0, 200)}`);
  return text;
}

/**
 * One round of one contender: sequential latency on 10 keys already used (warm objects), then on new keys
 * (each request creates an object and its table), then the race on a fresh key.
 */
async function round(mf: Miniflare, impl: string, latencyCalls: number): Promise<Record<string, number>> {
  const run = `${Date.now().toString(36)}-${serial++}`;
  const warm = (i: number) => call(mf, `/${impl}?key=warm-${run}-${i % 10}&limit=1000000`);
  for (let i = 0; i < 10; i++) await warm(i);
  const times = await latencies(latencyCalls, warm);
  const cold = await latencies(Math.ceil(latencyCalls / 5), (i) =>
    call(mf, `/${impl}?key=cold-${run}-${i}&limit=1000000`),
  );
  const admitted = impl === "noop" ? Number.NaN : Number(await call(mf, `/${impl}?key=race-${run}&race=${RACERS}`));
  return { p50: percentile(times, 50), p99: percentile(times, 99), cold: percentile(cold, 50), admitted };
}

/** Runs the Durable Objects scenario. */
export async function runDurableObjects(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const latencyCalls = options.mode === "tiny" ? 10 : 300;
  const mf = await startWorker();
  let perRound: Record<string, number>[][];
  try {
    for (const impl of ["ours", "binding", "noop"]) await call(mf, `/${impl}?key=warm&limit=1000000`);
    perRound = await interleaved(
      options.rounds,
      ["ours", "binding", "noop"].map((impl) => () => round(mf, impl, latencyCalls)),
    );
  } finally {
    await mf.dispose();
  }
  const pick = (field: string, columns: number) =>
    perRound.slice(0, columns).map((r) => summarize(r.map((f) => f[field]!)));
  const rows: Row[] = [
    {
      label: "latency p50, warm key (Node → workerd → limiter → back)",
      unit: "ms",
      better: "lower",
      values: pick("p50", 3),
      headline: true,
    },
    { label: "latency p99", unit: "ms", better: "lower", values: pick("p99", 3) },
    { label: "latency p50, new key (creates the object)", unit: "ms", better: "lower", values: pick("cold", 3) },
    {
      label: `admitted when ${RACERS} callers race for ${LIMIT}`,
      unit: "requests",
      better: "exact",
      target: LIMIT,
      values: pick("admitted", 2),
      headline: true,
    },
  ];
  const table: Table = {
    caption: "Durable Objects (workerd via Miniflare)",
    columns: ["edgelimit durableObjectStore", "CF ratelimit binding (simulated)", "no limiter (path cost)"],
    rows,
    notes: [
      `One Worker in workerd; latency is \`mf.dispatchFetch\` from Node, ${latencyCalls} sequential requests over 10 keys already used (all allowed), then ${Math.ceil(latencyCalls / 5)} on new keys, whose first request creates a Durable Object. "no limiter" is the same route without a decision: subtract it to see the limiter's own cost.`,
      `Race: one request whose Worker awaits ${RACERS} concurrent decisions on one key, limit ${LIMIT} (the binding: \`simple: { limit: ${LIMIT}, period: 60 }\`). Cloudflare documents the real binding as approximate; Miniflare's simulation is local and single-process, so it says nothing about the binding's accuracy across machines.`,
    ],
  };
  const charts: Chart[] = [
    chartOf(table, "durable-objects-latency", "Durable Objects: latency per decision", (r) => r.unit === "ms"),
  ];
  return {
    name: "durable-objects",
    title: "Durable Objects",
    tables: [table],
    charts,
    versions: { miniflare: packageVersion("miniflare"), workerd: packageVersion("workerd") },
    elapsedMs: performance.now() - started,
  };
}
