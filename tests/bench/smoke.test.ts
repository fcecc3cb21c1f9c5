// Each bench scenario starts (with its own backends) and produces finite figures of the right shape.
// Tiny sizes, one round; no timing or threshold is checked here.
import { describe, expect, it } from "vitest";
import { renderReport } from "../../bench/lib/report.ts";
import type { ScenarioResult } from "../../bench/lib/result.ts";
import { renderChart } from "../../bench/lib/svg.ts";
import { SCENARIOS } from "../../bench/scenarios/index.ts";

function checkShape(result: ScenarioResult): void {
  expect(result.tables.length).toBeGreaterThan(0);
  for (const table of result.tables) {
    expect(table.columns.length).toBeGreaterThanOrEqual(2);
    expect(table.rows.length).toBeGreaterThan(0);
    for (const row of table.rows) {
      expect(row.values.length).toBeLessThanOrEqual(table.columns.length);
      const ours = row.values[0];
      expect(ours, `${table.caption}: ${row.label}`).toBeDefined();
      for (const value of row.values) {
        if (value === undefined) continue;
        for (const n of [value.median, value.min, value.max]) {
          expect(Number.isFinite(n), `${table.caption}: ${row.label} = ${n}`).toBe(true);
        }
        expect(value.min).toBeLessThanOrEqual(value.median);
        expect(value.median).toBeLessThanOrEqual(value.max);
      }
    }
  }
  for (const chart of result.charts) {
    if ("panels" in chart) {
      expect(chart.panels.length).toBeGreaterThan(0);
      for (const line of chart.panels.flatMap((p) => p.lines)) expect(line.values.length).toBe(chart.x.length);
    } else {
      expect(chart.groups.length).toBeGreaterThan(0);
      for (const group of chart.groups) expect(group.values.length).toBe(chart.series.length);
    }
    const svg = renderChart(chart);
    expect(svg).toMatch(/^<svg [^>]*font-family="sans-serif"/);
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  }
}

// Scenarios run concurrently (each has its own backends; most of the time is waiting on them).
describe("bench scenarios (tiny mode)", () => {
  const runs = new Map<string, Promise<ScenarioResult>>();
  const runOnce = (name: string, run: (typeof SCENARIOS)[string]) => {
    if (!runs.has(name)) runs.set(name, run({ mode: "tiny", rounds: 1 }));
    return runs.get(name)!;
  };
  for (const [name, run] of Object.entries(SCENARIOS)) {
    it.concurrent(`${name} produces finite figures`, { timeout: 90_000 }, async () => {
      const result = await runOnce(name, run);
      expect(result.name).toBe(name);
      checkShape(result);
    });
  }

  it("renders a report with a headline table and every scenario", { timeout: 90_000 }, async () => {
    const results = await Promise.all(Object.entries(SCENARIOS).map(([name, run]) => runOnce(name, run)));
    const report = renderReport(results, {
      date: "2026-01-01 00:00 UTC",
      machine: "test",
      load: "0",
      versions: { edgelimit: "0.0.0" },
      rounds: 1,
      wallMs: 1,
      gc: false,
    });
    expect(report).toContain("## Headline");
    for (const result of results) expect(report).toContain(`## ${result.title}`);
  });
});
