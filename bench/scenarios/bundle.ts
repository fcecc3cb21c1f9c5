// Bundle size of a Worker using each limiter: esbuild (minified, ESM, browser platform, worker conditions),
// then gzip. Deterministic, so one build each; rounds only repeat it.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { chartOf, type Row, type ScenarioOptions, type ScenarioResult, type Table } from "../lib/result.ts";
import { exact } from "../lib/stats.ts";
import { packageVersion, repoRoot } from "../lib/system.ts";

const RESPOND = "export default { async fetch() { return new Response(String(await decide())); } };";

/** Each pair: a Worker entry using edgelimit, and one using the peer a user would pick instead (or none). */
const PAIRS: readonly { label: string; ours: string; peer?: string }[] = [
  {
    label: "core + memory store vs RLF RateLimiterMemory",
    ours: `import { createRateLimiter, fixedWindow } from "./src/index.ts";
import { memoryStore } from "./src/stores/memory.ts";
const l = createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 10, window: "1m" })] });
const decide = async () => (await l.limit("k")).allowed;`,
    peer: `import { RateLimiterMemory } from "rate-limiter-flexible";
const l = new RateLimiterMemory({ points: 10, duration: 60 });
const decide = () => l.consume("k").then(() => true, () => false);`,
  },
  {
    label: "core + Upstash store vs @upstash/ratelimit + @upstash/redis",
    ours: `import { createRateLimiter, fixedWindow } from "./src/index.ts";
import { upstashStore } from "./src/stores/upstash.ts";
const l = createRateLimiter({ store: upstashStore({ url: "https://x.upstash.io", token: "t" }), rules: [fixedWindow({ limit: 10, window: "1m" })] });
const decide = async () => (await l.limit("k")).allowed;`,
    peer: `import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
const l = new Ratelimit({ redis: new Redis({ url: "https://x.upstash.io", token: "t" }), limiter: Ratelimit.fixedWindow(10, "1 m") });
const decide = async () => (await l.limit("k")).success;`,
  },
  {
    label: "core + Durable Object store (the CF binding is built in: no code)",
    ours: `import { createRateLimiter, fixedWindow } from "./src/index.ts";
import { durableObjectStore, RateLimiterObject } from "./durable-objects/index.ts";
export { RateLimiterObject };
let env;
const decide = async () => (await createRateLimiter({ store: durableObjectStore(env.RL), rules: [fixedWindow({ limit: 10, window: "1m" })] }).limit("k")).allowed;`,
  },
  {
    label: "workers adapter (withRateLimit) + Durable Object store",
    ours: `import { createRateLimiter, fixedWindow } from "./src/index.ts";
import { withRateLimit } from "./workers/index.ts";
import { durableObjectStore, RateLimiterObject } from "./durable-objects/index.ts";
export { RateLimiterObject };
export default withRateLimit({ fetch: () => new Response("ok") }, {
  limiter: (env) => createRateLimiter({ store: durableObjectStore(env.RL), rules: [fixedWindow({ limit: 10, window: "1m" })] }),
});`,
  },
];

/** Minified and gzipped bytes of a Worker whose entry is `source` (TypeScript, resolved from the repo root). */
export async function bundleSize(source: string): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: "ts", sourcefile: "worker.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

/** Runs the bundle-size scenario. */
export async function runBundle(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const rows: Row[] = [];
  const pairs = options.mode === "tiny" ? PAIRS.slice(0, 2) : PAIRS;
  for (const pair of pairs) {
    const peer = pair.peer ? await bundleSize(`${pair.peer}\n${RESPOND}`) : undefined;
    const entry = pair.ours.includes("export default") ? pair.ours : `${pair.ours}\n${RESPOND}`;
    const sized = await bundleSize(entry);
    rows.push({
      label: `${pair.label}, gzipped`,
      unit: "bytes",
      better: "lower",
      values: [exact(sized.gzipped, options.rounds), peer && exact(peer.gzipped, options.rounds)],
      headline: pair.label.includes("Upstash"),
    });
    rows.push({
      label: `${pair.label}, minified`,
      unit: "bytes",
      better: "lower",
      values: [exact(sized.minified, options.rounds), peer && exact(peer.minified, options.rounds)],
    });
  }
  const table: Table = {
    caption: "Bundle size of a Worker using each limiter",
    columns: ["edgelimit", "peer"],
    rows,
    notes: [
      `esbuild ${packageVersion("esbuild")}: bundle, minify, ESM, platform browser, conditions workerd/worker/browser; gzip level 9. Sizes are deterministic (no spread).`,
      "rate-limiter-flexible is imported from its main entry as its README shows; it is CommonJS, so every limiter it ships is bundled.",
    ],
  };
  return {
    name: "bundle",
    title: "Bundle size",
    tables: [table],
    charts: [chartOf(table, "bundle-gzip", "Worker bundle, minified + gzipped", (r) => r.label.endsWith("gzipped"))],
    versions: { esbuild: packageVersion("esbuild") },
    elapsedMs: performance.now() - started,
  };
}
