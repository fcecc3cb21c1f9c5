// The prefetch bench's line charts: round y steps, an axis that holds every value, and lines with gaps.
import { describe, expect, it } from "vitest";
import { niceStep, renderLineChart, yAxis } from "../../bench/lib/line-chart.ts";

describe("niceStep and yAxis", () => {
  it("round steps up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect([0.3, 0.75, 1, 1.2, 2.2, 4, 7, 12].map(niceStep)).toEqual([0.5, 1, 1, 2, 2.5, 5, 10, 20]);
    expect(niceStep(0)).toBe(1);
  });

  it("starts at 0 unless told, and lowers a given start to take every value", () => {
    expect(yAxis([0.05, 3])).toEqual({ low: 0, step: 1, steps: 3 });
    expect(yAxis([91, 100, 101], 80)).toEqual({ low: 80, step: 10, steps: 3 });
    expect(yAxis([62, 100], 80)).toEqual({ low: 60, step: 10, steps: 4 });
  });
});

describe("renderLineChart", () => {
  it("draws one polyline per line with values, skipping the missing points", () => {
    const svg = renderLineChart({
      file: "t",
      title: "T",
      unit: "u",
      xLabel: "x",
      x: [10, 50, 300],
      panels: [
        {
          title: "p",
          lines: [
            { label: "a", color: 0, values: [3, undefined, 1] },
            { label: "b", color: 1, dashed: true, values: [undefined, undefined, undefined] },
          ],
        },
      ],
      reference: { value: 0.3, label: "target" },
    });
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain("target");
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});
