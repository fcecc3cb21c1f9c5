// RESULTS.md from the scenarios' results: headline table first, then every table with spread and ratios.
import type { Row, ScenarioResult, Table } from "./result.ts";
import type { Summary } from "./stats.ts";
import { formatNumber } from "./text.ts";

export interface ReportContext {
  readonly date: string;
  readonly machine: string;
  readonly load: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly rounds: number;
  readonly wallMs: number;
  readonly gc: boolean;
}

const cell = (s: Summary | undefined) =>
  s === undefined || !Number.isFinite(s.median)
    ? "—"
    : s.min === s.max
      ? formatNumber(s.median)
      : `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`;

/** edgelimit ÷ peer, said so that the reader sees at once who is ahead. */
export function ratio(row: Row, peer: Summary | undefined): string {
  const ours = row.values[0];
  if (!ours || !peer || !Number.isFinite(ours.median) || !Number.isFinite(peer.median)) return "—";
  if (row.better === "exact") {
    const off = (s: Summary) => Math.abs(s.median - (row.target ?? 0));
    return off(ours) === off(peer) ? "same" : off(ours) < off(peer) ? "edgelimit closer" : "peer closer";
  }
  if (peer.median === 0) return ours.median === 0 ? "1.00×" : "—";
  const r = ours.median / peer.median;
  const ahead = row.better === "higher" ? r > 1.02 : r < 0.98;
  const behind = row.better === "higher" ? r < 0.98 : r > 1.02;
  return `${r.toFixed(2)}×${ahead ? " ✓" : behind ? " ✗" : ""}`;
}

const figure = (row: Row) =>
  `${row.label} (${row.unit}, ${row.better === "exact" ? `exact is ${row.target}` : `${row.better} is better`})`;

function tableMarkdown(table: Table): string {
  const peers = table.columns.slice(1);
  const head = `| Figure | ${table.columns.join(" | ")} | ${peers.map((p) => `ratio to ${p}`).join(" | ")} |`;
  const rule = `|---|${table.columns.map(() => "---:").join("|")}|${peers.map(() => "---:").join("|")}|`;
  const body = table.rows.map(
    (row) =>
      `| ${figure(row)} | ${table.columns.map((_, i) => cell(row.values[i])).join(" | ")} | ${peers
        .map((_, i) => ratio(row, row.values[i + 1]))
        .join(" | ")} |`,
  );
  const notes = (table.notes ?? []).map((n) => `- ${n}`);
  return [`### ${table.caption}`, "", head, rule, ...body, "", ...notes, ""].join("\n");
}

/** The whole report. */
export function renderReport(results: readonly ScenarioResult[], context: ReportContext): string {
  const headline: string[] = [
    "| Scenario | Figure | edgelimit | peer | edgelimit ÷ peer |",
    "|---|---|---:|---:|---:|",
  ];
  for (const result of results) {
    for (const table of result.tables) {
      for (const row of table.rows.filter((r) => r.headline)) {
        const where = table.caption.replace(/\s*\(.*\)$/, "");
        headline.push(
          `| ${where} | ${figure(row)} | ${cell(row.values[0])} | ${table.columns[1]}: ${cell(row.values[1])} | ${ratio(row, row.values[1])} |`,
        );
      }
    }
  }
  const versions = Object.entries(context.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  const sections = results.map((result) =>
    [
      `## ${result.title}`,
      "",
      `_${(result.elapsedMs / 1000).toFixed(1)} s._`,
      "",
      ...result.tables.map(tableMarkdown),
      ...result.charts.map((c) => `![${c.title}](results/${c.file}.svg)\n`),
    ].join("\n"),
  );
  return [
    "# edgelimit benchmarks",
    "",
    `Written by \`npm run bench\` on ${context.date}; the whole run took ${(context.wallMs / 1000).toFixed(0)} s.`,
    "",
    `- Machine: ${context.machine}; load average at start ${context.load} (other work was running: read the spreads).`,
    `- Versions: ${versions}.`,
    `- Every figure is the median of ${context.rounds} rounds, with the min–max over rounds in parentheses when they differ; contenders run interleaved within each round, in rotating order. Ratios are edgelimit's median ÷ the peer's: ✓ edgelimit ahead, ✗ behind (by more than 2 %).`,
    `- Everything runs on loopback: Upstash and DynamoDB latencies have no network RTT in them, so they show the libraries' and local servers' own costs, not production latency.${context.gc ? "" : " Node ran without --expose-gc: heap figures are unreliable."}`,
    "",
    "## Headline",
    "",
    ...headline,
    "",
    ...sections,
  ].join("\n");
}
