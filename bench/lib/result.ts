// The shape every scenario returns; bench/lib/report.ts turns it into RESULTS.md and SVG charts.
import type { Summary } from "./stats.ts";

/** One measured figure for every contender of a table (`undefined` where a contender has no such thing). */
export interface Row {
  readonly label: string;
  /** Unit of the figure: `decisions/s`, `ms`, `commands`, `bytes`, `requests`, … */
  readonly unit: string;
  /** Which way is better; `exact` means the right answer is `target` (admitted requests). */
  readonly better: "higher" | "lower" | "exact";
  readonly target?: number;
  /** One entry per column of the table; the first column is edgelimit. */
  readonly values: readonly (Summary | undefined)[];
  /** Copied into the headline table at the top of the report. */
  readonly headline?: boolean;
}

export interface Table {
  readonly caption: string;
  /** Contender names; the first is edgelimit, the others are the peers its figures are compared with. */
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
  /** Said under the table: how it was measured, what is on and off. */
  readonly notes?: readonly string[];
}

/** A grouped bar chart: one group per label, one bar per series. */
export interface Chart {
  /** File name under bench/results/, without `.svg`. */
  readonly file: string;
  readonly title: string;
  readonly unit: string;
  readonly series: readonly string[];
  readonly groups: readonly { readonly label: string; readonly values: readonly (number | undefined)[] }[];
}

/** One line of a line chart: a figure at each x of the chart (`undefined` where it was not measured). */
export interface Line {
  readonly label: string;
  readonly values: readonly (number | undefined)[];
  /** Index into the chart palette and legend row; lines of one series share it across panels. */
  readonly color: number;
  readonly dashed?: boolean;
}

/** Line charts side by side (panels) sharing one x axis, one y unit and one legend (the first panel's lines). */
export interface LineChart {
  /** File name under bench/results/, without `.svg`. */
  readonly file: string;
  readonly title: string;
  /** Unit of the y axis. */
  readonly unit: string;
  readonly xLabel: string;
  readonly x: readonly number[];
  readonly panels: readonly { readonly title: string; readonly lines: readonly Line[] }[];
  /** Where the y axis starts, lowered to show every value; 0 when absent. */
  readonly yMin?: number;
  /** A horizontal line to read the figures against, e.g. a target. */
  readonly reference?: { readonly value: number; readonly label: string };
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly tables: readonly Table[];
  readonly charts: readonly (Chart | LineChart)[];
  /** Versions of the peers and backends measured, e.g. `{ "rate-limiter-flexible": "11.4.0" }`. */
  readonly versions: Readonly<Record<string, string>>;
  /** Wall time the scenario took, ms. */
  readonly elapsedMs: number;
}

/** How hard a scenario works: `tiny` is for the smoke test (seconds, own backends), `full` for the report. */
export interface ScenarioOptions {
  readonly mode: "tiny" | "full";
  /** Rounds per figure (≥ 3 in full mode). */
  readonly rounds: number;
}

/** A chart from a table: the medians of the chosen rows, one group per row. */
export function chartOf(table: Table, file: string, title: string, pick: (row: Row) => boolean): Chart {
  const rows = table.rows.filter(pick);
  return {
    file,
    title,
    unit: rows[0]?.unit ?? "",
    series: table.columns,
    // Parenthesized details stay in the tables; the charts keep labels short.
    groups: rows.map((row) => ({
      label: row.label.replace(/\s*\([^)]*\)/g, ""),
      values: row.values.map((v) => v?.median),
    })),
  };
}
