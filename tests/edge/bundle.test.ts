import { relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundle, entryPoints, forbiddenImports, kb, NOT_EDGE, ROOT } from "./bundle.ts";

const FIXTURES = `${ROOT}tests/edge/fixtures/`;
const sizes: { name: string; bytes: number; gzipBytes: number }[] = [];

describe("every public entry point bundles for edge runtimes with no Node API", () => {
  for (const entry of entryPoints()) {
    const reason =
      NOT_EDGE[entry.subpath] ?? (entry.exists ? undefined : `${relative(ROOT, entry.file)} is not on this branch yet`);
    it.skipIf(reason !== undefined)(`${entry.specifier}${reason ? ` (skipped: ${reason})` : ""}`, async () => {
      const plain = await bundle(entry.file);
      expect(forbiddenImports(entry.subpath, plain.externalImports)).toEqual([]);
      expect(plain.nodeGlobals).toEqual([]);
      const minified = await bundle(entry.file, { minify: true });
      sizes.push({ name: entry.specifier, bytes: minified.bytes, gzipBytes: minified.gzipBytes });
    });
  }

  it("the check itself catches node: imports and every Node global, and nothing else", async () => {
    const result = await bundle(`${FIXTURES}uses-node.ts`);
    expect(forbiddenImports(".", result.externalImports)).toEqual(["node:crypto"]);
    expect(result.nodeGlobals).toEqual(["process", "Buffer", "__dirname", "setImmediate"]);
    expect(forbiddenImports("./workers", ["cloudflare:workers", "@aws-sdk/client-dynamodb"])).toEqual([
      "@aws-sdk/client-dynamodb",
    ]);
    expect(forbiddenImports("./dynamodb", ["@aws-sdk/client-dynamodb"])).toEqual([]);
  });
});

// Issue 7's budgets, for the smallest Worker that uses the core with each store (limit, then a plain 429): 5 KB with
// the memory store (met) and 8 KB with the Upstash store (also DESIGN.md; not met). Where the target is not met, the
// limit is a ceiling just above today's size, so that growth fails loudly; lower it as the code shrinks. The same
// Workers with the HTTP helpers (clientIp, rateLimitHeaders, deniedResponse) have ceilings of their own.
// docs/edge.md says what each part costs. The Upstash ceilings moved up by 0.25 KB with the fixed-window counters
// (2 billed commands per decision instead of 3: their Lua and key names cost about 360 B, which every Upstash Worker
// carries, since the store picks the path per request). Issue 17 (per-call `limits`): every limiter rejects unknown
// options and hands `limits` to `tenantLimits()` when given; the layers tell a call's own quotas apart. Moving the
// fallback store's algorithm check into fallbackTo's code paid for part of it; the Upstash ceilings still moved up by
// 0.125 KB (10,494 -> 10,566 B and 12,015 -> 12,082 B), kept: rejecting unknown options is issue 17's fix, and the
// rest is the seam that lets a Worker without `tenants` carry none of the quota code. The rest of issue 17 (shadow
// rules, blocks, settling, stored quotas) came with savings larger than its hooks, so the ceilings came down by
// 0.125 KB (Upstash 10,476 B, with the HTTP helpers 11,996 B, memory with them 6,507 B; gzip 6).
const WORKERS: readonly { fixture: string; name: string; limitKb: number; targetKb?: number; upstash?: true }[] = [
  { fixture: "worker-memory.ts", name: "Worker: core + memory store", limitKb: 5 },
  { fixture: "worker-upstash.ts", name: "Worker: core + Upstash store", limitKb: 10.25, targetKb: 8, upstash: true },
  { fixture: "worker-memory-http.ts", name: "Worker: core + memory store + HTTP helpers", limitKb: 6.5 },
  {
    fixture: "worker-upstash-http.ts",
    name: "Worker: core + Upstash store + HTTP helpers",
    limitKb: 11.75,
    upstash: true,
  },
];

describe("bundle budgets (minified, gzipped)", () => {
  const upstashOnBranch = entryPoints().some((e) => e.subpath === "./upstash" && e.exists);

  for (const { fixture, name, limitKb, targetKb, upstash } of WORKERS) {
    const target = targetKb === undefined ? "" : ` (target ${targetKb} KB)`;
    it.skipIf(upstash && !upstashOnBranch)(`${name} stays within ${limitKb} KB${target}`, async () => {
      const worker = await bundle(`${FIXTURES}${fixture}`, { minify: true });
      sizes.push({ name, bytes: worker.bytes, gzipBytes: worker.gzipBytes });
      expect(worker.externalImports).toEqual([]);
      expect(worker.nodeGlobals).toEqual([]);
      expect(worker.gzipBytes).toBeLessThanOrEqual(limitKb * 1024);
    });
  }

  it.skipIf(!upstashOnBranch)("an Upstash Worker without upstashQuotas ships none of the quota pieces", async () => {
    const worker = await bundle(`${FIXTURES}worker-upstash.ts`, { minify: true });
    expect(worker.files).not.toContain("src/stores/upstash-quotas.ts");
    expect(worker.code).not.toContain("local qs,qa,cap=");
    expect(worker.code).toContain("local add=");
  });

  it("a Worker bundles only the algorithms its rules use, and no layer or lease code without need", async () => {
    const worker = await bundle(`${FIXTURES}worker-memory-http.ts`);
    const algorithms = worker.files.filter((file) => file.startsWith("src/algorithms/"));
    // apply.ts holds applyRules; applyRelease comes with a release request (the lease codec's), not with the store.
    expect(algorithms).toEqual(["src/algorithms/apply.ts", "src/algorithms/token-bucket.ts"]);
    expect(worker.code).not.toMatch(/function applyRelease\d*\(/);
    // Settling comes with settleCosts() (and upstashSettle) only.
    expect(worker.code).not.toMatch(/function adjustRules\d*\(|function asApply\d*\(|local at = #mode/);
    expect(worker.code).not.toMatch(/function concurrency\d*\(/);
    expect(worker.files.filter((file) => file.startsWith("src/layers/"))).toEqual([]);
    expect(worker.code).not.toMatch(/leaseCodec\d*\b/);
  });
});

it("for scale: the same Worker with @upstash/ratelimit and @upstash/redis (measured, not limited)", async () => {
  const worker = await bundle(`${FIXTURES}worker-upstash-ratelimit.ts`, { minify: true });
  sizes.push({ name: "For scale: @upstash/ratelimit Worker", bytes: worker.bytes, gzipBytes: worker.gzipBytes });
  expect(worker.gzipBytes).toBeGreaterThan(0);
});

afterAll(() => {
  const width = Math.max(...sizes.map((s) => s.name.length));
  const lines = sizes.map(
    (s) => `  ${s.name.padEnd(width)}  ${kb(s.bytes).padStart(9)} min  ${kb(s.gzipBytes).padStart(8)} gzip`,
  );
  console.log(`Bundle sizes (esbuild, platform browser, minified; gzip level 6):\n${lines.join("\n")}`);
});
