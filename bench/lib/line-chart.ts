// Hand-written SVG line charts (the prefetch bench's figures against offered load): panels in a grid of two
// columns, one shared legend, an optional reference line; system sans-serif font, no external resources.
import type { LineChart } from "./result.ts";
import { escapeXml, formatNumber } from "./text.ts";

const PALETTE = ["#1f6feb", "#d97706", "#059669", "#6b7280", "#be185d"];
const PANEL_W = 370;
const PANEL_H = 250;
const PAD = { left: 52, right: 22, top: 26, bottom: 40 };
const COLUMNS = 2;
/** Legend columns: a row per color, its solid line left and its dashed line right. */
const LEGEND_COLUMNS = 2;

/** The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ `value` (a round step for an axis). */
export function niceStep(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value * (1 - 1e-9)) return step * power;
  return 10 * power;
}

/** The y axis: from `low` (0, or `yMin` lowered to take every value) up in 3 to 5 round steps over every value. */
export function yAxis(values: readonly number[], yMin?: number): { low: number; step: number; steps: number } {
  const max = Math.max(...values);
  let low = 0;
  if (yMin !== undefined) {
    const step = niceStep((max - yMin) / 4);
    low = Math.min(yMin, Math.floor(Math.min(...values) / step) * step);
  }
  const step = niceStep((max - low) / 4);
  return { low, step, steps: Math.max(1, Math.ceil((max - low) / step - 1e-9)) };
}

const fixed = (n: number) => n.toFixed(1);

function panel(chart: LineChart, index: number, axis: ReturnType<typeof yAxis>): string[] {
  const { title, lines } = chart.panels[index]!;
  const ox = (index % COLUMNS) * PANEL_W;
  const oy = Math.floor(index / COLUMNS) * PANEL_H;
  const plotW = PANEL_W - PAD.left - PAD.right;
  const plotH = PANEL_H - PAD.top - PAD.bottom;
  const xMax = Math.max(...chart.x);
  const px = (x: number) => ox + PAD.left + (x / xMax) * plotW;
  const span = axis.step * axis.steps;
  const py = (y: number) => oy + PAD.top + plotH - ((y - axis.low) / span) * plotH;
  const parts = [
    `<text x="${ox + PAD.left}" y="${oy + 16}" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i <= axis.steps; i++) {
    const y = axis.low + axis.step * i;
    parts.push(
      `<line x1="${ox + PAD.left}" x2="${ox + PAD.left + plotW}" y1="${fixed(py(y))}" y2="${fixed(py(y))}" stroke="#e5e7eb"/>`,
      `<text x="${ox + PAD.left - 6}" y="${fixed(py(y) + 4)}" font-size="11" text-anchor="end">${formatNumber(y)}</text>`,
    );
  }
  for (const x of chart.x) {
    parts.push(
      `<text x="${fixed(px(x))}" y="${oy + PAD.top + plotH + 16}" font-size="11" text-anchor="middle">${x}</text>`,
    );
  }
  parts.push(
    `<text x="${ox + PAD.left + plotW / 2}" y="${oy + PANEL_H - 6}" font-size="11" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
  );
  if (chart.reference) {
    const y = py(chart.reference.value);
    // Below the line when it runs near the top, where the panel title is.
    const labelY = y - oy - PAD.top < 16 ? y + 12 : y - 4;
    parts.push(
      `<line x1="${ox + PAD.left}" x2="${ox + PAD.left + plotW}" y1="${fixed(y)}" y2="${fixed(y)}" stroke="#dc2626" stroke-dasharray="2 3"/>`,
      `<text x="${ox + PAD.left + plotW}" y="${fixed(labelY)}" font-size="10" fill="#dc2626" text-anchor="end">${escapeXml(chart.reference.label)}</text>`,
    );
  }
  for (const line of lines) {
    const color = PALETTE[line.color % PALETTE.length];
    const points = chart.x.flatMap((x, i) => {
      const v = line.values[i];
      return v === undefined || !Number.isFinite(v) ? [] : [`${fixed(px(x))},${fixed(py(v))}`];
    });
    if (points.length === 0) continue;
    const dash = line.dashed ? ` stroke-dasharray="6 4"` : "";
    parts.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const point of points) {
      const [cx, cy] = point.split(",");
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
    }
  }
  return parts;
}

/** The chart as a standalone SVG document. */
export function renderLineChart(chart: LineChart): string {
  const values = chart.panels.flatMap((p) =>
    p.lines.flatMap((l) => l.values.filter((v): v is number => v !== undefined && Number.isFinite(v))),
  );
  const reference = chart.reference === undefined ? [] : [chart.reference.value];
  const axis = yAxis([...values, ...reference], chart.yMin);
  const legend = chart.panels[0]?.lines ?? [];
  const legendRows = Math.max(0, ...legend.map((line) => line.color + 1));
  const top = 30 + legendRows * 18 + 6;
  const rows = Math.ceil(chart.panels.length / COLUMNS);
  const width = Math.max(PANEL_W * Math.min(COLUMNS, chart.panels.length), 20 + LEGEND_COLUMNS * 245);
  const height = top + rows * PANEL_H + 6;
  const parts = legend.map((line) => {
    const x = 10 + (line.dashed ? 1 : 0) * 245;
    const y = 34 + line.color * 18;
    const dash = line.dashed ? ` stroke-dasharray="6 4"` : "";
    return [
      `<line x1="${x}" x2="${x + 26}" y1="${y + 6}" y2="${y + 6}" stroke="${PALETTE[line.color % PALETTE.length]}" stroke-width="2"${dash}/>`,
      `<text x="${x + 32}" y="${y + 10}" font-size="12">${escapeXml(line.label)}</text>`,
    ].join("\n");
  });
  const panels = chart.panels.flatMap((_, i) => panel(chart, i, axis));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(chart.title)} (${escapeXml(chart.unit)})</text>`,
    ...parts,
    `<g transform="translate(0 ${top})">`,
    ...panels,
    "</g>",
    "</svg>",
    "",
  ].join("\n");
}
