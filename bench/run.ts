// `npm run bench`: runs every scenario side by side with its peers, then writes bench/RESULTS.md and the
// SVG charts in bench/results/. Options: `-- --only=memory,upstash` (a subset; the report is then not
// written unless --write), `-- --rounds=5`, `-- --tiny` (the smoke test's sizes).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { renderReport } from "./lib/report.ts";
import type { ScenarioOptions, ScenarioResult } from "./lib/result.ts";
import { renderChart } from "./lib/svg.ts";
import { gcExposed, machine, repoRoot } from "./lib/system.ts";
import { SCENARIOS } from "./scenarios/index.ts";

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const only = flag("only")?.split(",");
const tiny = args.includes("--tiny");
const options: ScenarioOptions = { mode: tiny ? "tiny" : "full", rounds: Number(flag("rounds") ?? (tiny ? 1 : 3)) };
const write = args.includes("--write") || (only === undefined && !tiny);

const started = performance.now();
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(", ");
const results: ScenarioResult[] = [];
for (const [name, run] of Object.entries(SCENARIOS)) {
  if (only && !only.includes(name)) continue;
  process.stdout.write(`${name}… `);
  const result = await run(options);
  console.log(`${(result.elapsedMs / 1000).toFixed(1)} s`);
  results.push(result);
}
const wallMs = performance.now() - started;
const own = JSON.parse(readFileSync(`${repoRoot}package.json`, "utf8")) as { version: string };
const versions: Record<string, string> = { edgelimit: own.version };
for (const result of results) Object.assign(versions, result.versions);
const report = renderReport(results, {
  date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  machine: machine(),
  load,
  versions,
  rounds: options.rounds,
  wallMs,
  gc: gcExposed(),
});
if (write) {
  mkdirSync(`${repoRoot}bench/results`, { recursive: true });
  for (const chart of results.flatMap((r) => r.charts)) {
    writeFileSync(`${repoRoot}bench/results/${chart.file}.svg`, renderChart(chart));
  }
  writeFileSync(`${repoRoot}bench/RESULTS.md`, report);
  console.log(`wrote bench/RESULTS.md and ${results.flatMap((r) => r.charts).length} charts in bench/results/`);
} else {
  console.log(report);
}
console.log(`total ${(wallMs / 1000).toFixed(1)} s`);
