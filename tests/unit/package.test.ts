import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// What npm publishes is dist/, built by `npm run build` (and on `npm pack`/`publish`). This builds it into a
// temporary folder laid out like the package and checks what a consumer without TypeScript would meet.
const ROOT = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  exports: Record<string, { types: string; default: string; "edgelimit-source": string }>;
};
let out: string;

// What only a store author calls or names; `edgelimit` must export none of it (applyRulesWith, applyReleaseWith and
// evaluate are gone: applyRules and applyRelease take the evaluators with the request).
const STORE_AUTHOR_VALUES = [
  "applyRules",
  "applyRelease",
  "evaluatorsOf",
  "kindOf",
  "capacityOf",
  "policyOf",
  "standardLayers",
  "ALGORITHMS",
  "storageKey",
  "adjustRules",
  "adjustersOf",
  "asApply",
  "withCode",
];
const STORE_AUTHOR_TYPES = [
  "Store",
  "StoreRequest",
  "StoreResponse",
  "ReleaseRequest",
  "LocalStore",
  "ApplyRequest",
  "ApplyReleaseRequest",
  "Applied",
  "Evaluator",
  "Evaluation",
  "KeyState",
  "Lease",
  "RuleOutcome",
  "RuleState",
  "AnyStore",
  "RemoteStore",
  "LocalFace",
  "NearFace",
  "Layer",
  "LayerContext",
  "LayerOptions",
  "LayerSettings",
  "Settlement",
  "Adjuster",
  "ApplyAdjustRequest",
];

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), "edgelimit-build-"));
  execFileSync("tsc", ["-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(out, "dist")], { cwd: ROOT });
  symlinkSync(join(ROOT, "node_modules"), join(out, "node_modules")); // the optional peers, for the imports below
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the published package", () => {
  it("has the JavaScript and declarations of every export", () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      expect(existsSync(join(out, target.default)), `${subpath} → ${target.default}`).toBe(true);
      expect(existsSync(join(out, target.types)), `${subpath} → ${target.types}`).toBe(true);
      expect(target.default.replace(/^\.\/dist\//, "./").replace(/\.js$/, ".ts")).toBe(target["edgelimit-source"]);
    }
  });

  it("runs in plain Node without TypeScript: the built core and memory store decide", async () => {
    const core = await import(pathToFileURL(join(out, pkg.exports["."]!.default)).href);
    const { memoryStore } = await import(pathToFileURL(join(out, pkg.exports["./memory"]!.default)).href);
    const limiter = core.createRateLimiter({
      store: memoryStore(),
      rules: [core.fixedWindow({ limit: 1, window: "1m" })],
    });
    expect((await limiter.limit("k")).allowed).toBe(true);
    expect((await limiter.limit("k")).allowed).toBe(false);
  });

  it("edgelimit exports what applications call; what a store author needs is edgelimit/store", async () => {
    const core = await import(pathToFileURL(join(out, pkg.exports["."]!.default)).href);
    const store = await import(pathToFileURL(join(out, pkg.exports["./store"]!.default)).href);
    expect(Object.keys(core).filter((name) => STORE_AUTHOR_VALUES.includes(name))).toEqual([]);
    expect(Object.keys(store).sort()).toEqual([...STORE_AUTHOR_VALUES].sort());
    // Types leave no trace at run time: read the declarations, which re-export by name.
    const coreTypes = readFileSync(join(out, pkg.exports["."]!.types), "utf8");
    const storeTypes = readFileSync(join(out, pkg.exports["./store"]!.types), "utf8");
    const named = (text: string) => STORE_AUTHOR_TYPES.filter((name) => new RegExp(`\\b${name}\\b`).test(text));
    expect(named(coreTypes)).toEqual([]);
    expect(named(storeTypes)).toEqual(STORE_AUTHOR_TYPES);
  });

  it("loads every Node-usable entry point (DynamoDB, Lambda, Upstash) from dist", async () => {
    for (const subpath of ["./dynamodb", "./lambda", "./upstash", "./vercel"]) {
      const entry = pkg.exports[subpath]!;
      const module = await import(pathToFileURL(join(out, entry.default)).href);
      expect(Object.keys(module).length, subpath).toBeGreaterThan(0);
    }
  });
});
