// The prefetch bench's load schedule: even spacing inside one window, round-robin isolates, exact counts.
import { describe, expect, it } from "vitest";
import { loadSchedule, nextWindowStart, offeredAt, SimulatedClock } from "../../bench/lib/load.ts";

describe("loadSchedule", () => {
  it("puts each arrival in the middle of its slot and deals isolates round-robin", () => {
    expect(loadSchedule(4, 60_000, 3, 120_000)).toEqual([
      { at: 127_500, isolate: 0 },
      { at: 142_500, isolate: 1 },
      { at: 157_500, isolate: 2 },
      { at: 172_500, isolate: 0 },
    ]);
  });

  it("keeps every arrival inside the window, in order, at 300 % of 1000 per minute", () => {
    const arrivals = loadSchedule(3000, 60_000, 64, 0);
    expect(arrivals).toHaveLength(3000);
    expect(arrivals[0]!.at).toBe(10);
    expect(arrivals[2999]!.at).toBe(59_990);
    expect(arrivals.every((a, i) => i === 0 || a.at - arrivals[i - 1]!.at === 20)).toBe(true);
    expect(new Set(arrivals.map((a) => a.isolate)).size).toBe(64);
  });

  it("gives nothing for no load and refuses nonsense", () => {
    expect(loadSchedule(0, 60_000, 8, 0)).toEqual([]);
    expect(() => loadSchedule(1.5, 60_000, 1, 0)).toThrow(RangeError);
    expect(() => loadSchedule(10, 60_000, 0, 0)).toThrow(RangeError);
  });
});

describe("offeredAt and nextWindowStart", () => {
  it("round the offered load and align to the next window", () => {
    expect([10, 50, 100, 200, 300].map((p) => offeredAt(p, 1000))).toEqual([100, 500, 1000, 2000, 3000]);
    expect(offeredAt(10, 25)).toBe(3);
    expect(nextWindowStart(119_999, 60_000)).toBe(120_000);
    expect(nextWindowStart(120_000, 60_000)).toBe(180_000);
  });
});

describe("SimulatedClock", () => {
  it("moves forward only", () => {
    const clock = new SimulatedClock(100);
    clock.advanceTo(150);
    expect(clock.read()).toBe(150);
    expect(() => clock.advanceTo(149)).toThrow(RangeError);
  });
});
