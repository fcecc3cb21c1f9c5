// Hand-written SVG charts: grouped horizontal bars, system sans-serif font, no external resources.
import { renderLineChart } from "./line-chart.ts";
import type { Chart, LineChart } from "./result.ts";
import { escapeXml, formatNumber } from "./text.ts";

const COLORS = ["#1f6feb", "#d97706", "#6b7280", "#059669"];
const WIDTH = 760;
const LABEL_WIDTH = 260;
const BAR = 14;
const GAP = 4;
const GROUP_GAP = 14;

/** A label in lines of at most ~36 characters (about the label column at 12 px), broken at spaces. */
function wrap(label: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of label.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > 36) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/** The chart as a standalone SVG document (a line chart when it has panels). */
export function renderChart(chart: Chart | LineChart): string {
  if ("panels" in chart) return renderLineChart(chart);
  const max = Math.max(...chart.groups.flatMap((g) => g.values.filter((v): v is number => v !== undefined)), 0);
  const plot = WIDTH - LABEL_WIDTH - 90;
  const parts: string[] = [];
  let y = 34;
  chart.series.forEach((name, i) => {
    const x = 10 + i * 240;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${x + 18}" y="${y + 10}" font-size="12">${escapeXml(name)}</text>`);
  });
  y += 28;
  for (const group of chart.groups) {
    const lines = wrap(group.label);
    const height = Math.max(group.values.length * (BAR + GAP) - GAP, lines.length * 14);
    lines.forEach((line, i) => {
      const lineY = y + height / 2 + 4 + (i - (lines.length - 1) / 2) * 14;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${lineY}" font-size="12" text-anchor="end">${escapeXml(line)}</text>`,
      );
    });
    group.values.forEach((value, i) => {
      const top = y + i * (BAR + GAP);
      if (value === undefined || !Number.isFinite(value)) {
        parts.push(`<text x="${LABEL_WIDTH + 4}" y="${top + 11}" font-size="11" fill="#6b7280">n/a</text>`);
        return;
      }
      const width = max > 0 ? Math.max(1, (value / max) * plot) : 1;
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${top}" width="${width.toFixed(1)}" height="${BAR}" fill="${COLORS[i % COLORS.length]}"/>`,
      );
      parts.push(
        `<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${top + 11}" font-size="11">${formatNumber(value)}</text>`,
      );
    });
    y += height + GROUP_GAP;
  }
  const total = y + 6;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${total}" viewBox="0 0 ${WIDTH} ${total}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(chart.title)} (${escapeXml(chart.unit)}, median of rounds)</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
