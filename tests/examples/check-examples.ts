// `npm run examples:check`: installs every example under examples/ as its README says (edgelimit comes from the
// repository, packed by npm as it would come from the registry: each example's .npmrc sets install-links), then
// type-checks and builds it (`next build`, `wrangler deploy --dry-run`). It downloads the examples' dependencies
// (Next.js, wrangler…) from the npm registry, so it is not part of `npm test`; tests/unit/consumer.test.ts
// type-checks the examples that need no download against the packed package on every run.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const EXAMPLES = join(import.meta.dirname, "../../examples");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", WRANGLER_SEND_METRICS: "false", CI: "1" };
const failures: string[] = [];
const started = performance.now();

function run(dir: string, args: string[]): boolean {
  const t0 = performance.now();
  const result = spawnSync("npm", args, { cwd: dir, env, encoding: "utf8" });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const ok = result.status === 0;
  console.log(`  ${ok ? "ok  " : "FAIL"} npm ${args.join(" ")} (${seconds} s)`);
  if (!ok) console.log(`${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-40).join("\n"));
  return ok;
}

/** After the build: Next put the middleware in its edge bundle (server/edge/), not in a Node.js function. */
function middlewareOnEdge(dir: string): boolean {
  const manifest = join(dir, ".next/server/middleware-manifest.json");
  if (!existsSync(manifest)) return false;
  const { middleware } = JSON.parse(readFileSync(manifest, "utf8")) as {
    middleware: Record<string, { files: string[] }>;
  };
  const files = Object.values(middleware).flatMap((m) => m.files);
  const ok = files.length > 0 && files.every((f) => f.startsWith("server/edge/"));
  console.log(
    `  ${ok ? "ok  " : "FAIL"} middleware built for the edge runtime (${files.length} files in server/edge/)`,
  );
  return ok;
}

for (const name of readdirSync(EXAMPLES).sort()) {
  const dir = join(EXAMPLES, name);
  if (!existsSync(join(dir, "package.json"))) continue;
  const scripts = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts?: object }).scripts ?? {};
  console.log(`examples/${name}`);
  // As from a fresh clone: npm would keep a stale copy of edgelimit (same version) in an existing node_modules.
  for (const output of ["node_modules", ".next", "dist"]) rmSync(join(dir, output), { recursive: true, force: true });
  const steps = [
    ["install", "--no-audit", "--no-fund"],
    ...["check", "build"].filter((s) => s in scripts).map((s) => ["run", s]),
  ];
  for (const step of steps) {
    if (!run(dir, step)) {
      failures.push(`examples/${name}: npm ${step.join(" ")}`);
      break;
    }
  }
  if (name === "next-middleware" && failures.length === 0 && !middlewareOnEdge(dir)) {
    failures.push(`examples/${name}: middleware not on the edge runtime`);
  }
}
const total = ((performance.now() - started) / 1000).toFixed(0);
console.log(
  failures.length === 0 ? `examples: all ok (${total} s)` : `examples failed (${total} s):\n${failures.join("\n")}`,
);
process.exitCode = failures.length === 0 ? 0 : 1;
