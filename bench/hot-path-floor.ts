// What a decision served from held units cannot shed, in the hot-path loop (sequential awaits, one key): an
// empty resolved promise, the same with Date.now(), and with a decision of edgelimit's shape, against
// RateLimiterMemory.consume, interleaved in 11 rounds; medians in ns per decision.
// Run: npx node bench/hot-path-floor.ts
import { RateLimiterMemory } from "rate-limiter-flexible";

const N = 300_000;
const ROUNDS = 11;
const held = new Map([["hot", { units: 1e9, resetAt: Date.now() + 3_600_000 }]]);
const info = { name: "f", algorithm: "fixedWindow", quota: 1e9, windowMs: 3_600_000 };
const rlf = new RateLimiterMemory({ points: 1e9, duration: 3600 });
const steps: Record<string, (key: string) => Promise<unknown>> = {
  "promise + await": () => Promise.resolve(undefined),
  "+ Date.now()": () => Promise.resolve(Date.now()),
  "+ a decision of edgelimit's shape": (key) => {
    const entry = held.get(key)!;
    entry.units--;
    const now = Date.now();
    const resetAt = entry.resetAt;
    const rule = { ...info, allowed: true, limit: info.quota, remaining: entry.units, resetAt, retryAfterMs: 0 };
    const { limit, remaining } = rule;
    const reason = "allowed";
    return Promise.resolve({
      allowed: true,
      limit,
      remaining,
      resetAt,
      retryAfterMs: 0,
      reason,
      degraded: false,
      now,
      rules: [rule],
    });
  },
  "RLF RateLimiterMemory.consume": (key) => rlf.consume(key),
};

async function time(step: (key: string) => Promise<unknown>, count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await step("hot");
  return ((performance.now() - started) * 1e6) / count;
}

const names = Object.keys(steps);
for (const name of names) await time(steps[name]!, 200_000);
const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let j = 0; j < names.length; j++) {
    const name = names[(j + round) % names.length]!;
    times[name]!.push(await time(steps[name]!, N));
  }
}
for (const name of names) {
  const sorted = [...times[name]!].sort((a, b) => a - b);
  console.log(`${name.padEnd(36)} ${Math.round(sorted[ROUNDS >> 1]!)} ns`);
}
