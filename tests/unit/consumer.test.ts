import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOLUTIONS, type Resolution, TYPESCRIPT5_VERSION, typecheck } from "../consumer/typecheck.ts";

// The package as npm publishes it: `npm pack` (its prepack builds dist/), unpacked into fresh consumer projects,
// then type-checked by TypeScript 5 under every moduleResolution a consumer's tsconfig may have. Next.js 15 writes
// `moduleResolution: "node"` (node10), which ignores `exports`: `types` and `typesVersions` serve it.
const ROOT = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
const ENTRIES = Object.keys(pkg.exports).map((subpath) => subpath.replace(/^\./, "edgelimit"));
const WORKER_ONLY = ["edgelimit/durable-objects", "edgelimit/workers"];
let work: string;

/** A consumer project: package.json, the unpacked package, and the peers it names, linked from this repo. */
function consumer(name: string, peers: string[], sources: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  cpSync(join(work, "package"), join(dir, "node_modules/edgelimit"), { recursive: true });
  for (const peer of peers) {
    mkdirSync(dirname(join(dir, "node_modules", peer)), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", peer), join(dir, "node_modules", peer));
  }
  for (const [file, text] of Object.entries(sources)) writeFileSync(join(dir, file), text);
  return dir;
}

// Every export of every entry is typed: an unresolved global in a declaration (the silent `any` of skipLibCheck)
// fails here as TS2322, and an unresolved entry as TS2307.
const NO_ANY = `type AnyExport<M> = { [K in keyof M]: 0 extends 1 & M[K] ? K : never }[keyof M];
export type NotAny<T> = 0 extends 1 & T ? false : true;
export const typed = <M>(_module: M, _check: [AnyExport<M>] extends [never] ? true : AnyExport<M>): void => {};`;
const importsOf = (entries: string[]) =>
  entries.map((e, i) => `import * as m${i} from "${e}";\ntyped(m${i}, true);`).join("\n");

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "edgelimit-consumer-"));
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" });
  execFileSync("tar", ["-xzf", join(work, out.trim().split("\n").pop()!), "-C", work]);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`the packed package, type-checked by a consumer with TypeScript ${TYPESCRIPT5_VERSION}`, () => {
  const resolutions = Object.keys(RESOLUTIONS) as Resolution[];

  it("resolves every entry with its types, under node10, node16, nodenext and bundler (Node/Vercel app, DOM lib)", () => {
    const dir = consumer("app", ["hono", "@upstash/redis", "@aws-sdk/client-dynamodb"], {
      "check.ts": NO_ANY,
      "app.ts": `import { typed } from "./check.js";\n${importsOf(ENTRIES.filter((e) => !WORKER_ONLY.includes(e)))}\n`,
    });
    for (const resolution of resolutions) {
      const files = ["check.ts", "app.ts"];
      expect({ resolution, errors: typecheck({ dir, files, resolution, lib: ["ES2022", "DOM"], types: [] }) }).toEqual({
        resolution,
        errors: [],
      });
    }
  }, 60_000);

  it("a Worker with @cloudflare/workers-types installed: every entry, the Durable Object typed by the Workers runtime", () => {
    const dir = consumer("worker", ["hono", "@upstash/redis", "@cloudflare/workers-types"], {
      "check.ts": NO_ANY,
      "worker.ts": `import { typed, type NotAny } from "./check.js";
${importsOf(ENTRIES.filter((e) => !["edgelimit/dynamodb", "edgelimit/lambda"].includes(e)))}
import { durableObjectStore, RateLimiterObject, type RateLimiterNamespace } from "edgelimit/durable-objects";
import { withRateLimit } from "edgelimit/workers";
export { RateLimiterObject };
const state: NotAny<ConstructorParameters<typeof RateLimiterObject>[0]> = true;
const id: NotAny<ReturnType<RateLimiterNamespace["idFromName"]>> = true;
const handler: NotAny<Parameters<typeof withRateLimit>[0]["fetch"]> = true;
export const used = [state, id, handler, durableObjectStore];
`,
    });
    for (const resolution of resolutions) {
      // No "types" entry: the declarations reference @cloudflare/workers-types themselves.
      const errors = typecheck({ dir, files: ["check.ts", "worker.ts"], resolution, lib: ["ES2022"], types: [] });
      expect({ resolution, errors }).toEqual({ resolution, errors: [] });
    }
  });

  it("examples/hono-worker and examples/vercel-routing-middleware type-check against it as their tsconfig says", () => {
    // (`npm run examples:check` installs and builds every example, Next.js included, from the registry.)
    const example = (name: string, file: string) => readFileSync(join(ROOT, "examples", name, file), "utf8");
    const hono = consumer("hono-worker", ["hono", "@cloudflare/workers-types"], {
      "index.ts": example("hono-worker", "index.ts"),
    });
    const vercel = consumer("vercel-routing-middleware", ["@types/node"], {
      "middleware.ts": example("vercel-routing-middleware", "middleware.ts"),
    });
    const types = ["@cloudflare/workers-types"];
    expect(typecheck({ dir: hono, files: ["index.ts"], resolution: "bundler", lib: ["ES2022"], types })).toEqual([]);
    const files = ["middleware.ts"];
    expect(typecheck({ dir: vercel, files, resolution: "bundler", lib: ["ES2022", "DOM"], types: ["node"] })).toEqual(
      [],
    );
  });

  it("a Worker without Worker types fails with an error naming the package to install (without skipLibCheck, which hides it)", () => {
    const dir = consumer("worker-untyped", [], {
      "worker.ts": `import { RateLimiterObject } from "edgelimit/durable-objects";\nexport { RateLimiterObject };\n`,
    });
    const errors = typecheck({
      dir,
      files: ["worker.ts"],
      resolution: "bundler",
      lib: ["ES2022"],
      types: [],
    });
    expect(errors).toContain(
      "node_modules/edgelimit/dist/durable-objects/index.d.ts(1): TS2688 Cannot find type definition file for '@cloudflare/workers-types'.",
    );
  });
});
