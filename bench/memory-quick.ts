// Quick decisions-per-second of memoryStore against rate-limiter-flexible's RateLimiterMemory.
// Run: npx node bench/memory-quick.ts   (the full side-by-side benchmark is `npm run bench`)
import { RateLimiterMemory } from "rate-limiter-flexible";
import { createRateLimiter, fixedWindow } from "../src/index.ts";
import { memoryStore } from "../src/stores/memory.ts";

const N = 300_000;

async function measure(name: string, keys: number, decide: (key: string) => Promise<unknown>): Promise<number> {
  const names = Array.from({ length: keys }, (_, i) => `user:${i}`);
  for (let i = 0; i < 20_000; i++) await decide(names[i % keys]!); // warm up
  const start = performance.now();
  for (let i = 0; i < N; i++) await decide(names[i % keys]!);
  const perSecond = N / ((performance.now() - start) / 1000);
  console.log(
    `${name.padEnd(40)} ${keys.toString().padStart(6)} keys  ${Math.round(perSecond).toLocaleString("en")} decisions/s`,
  );
  return perSecond;
}

for (const keys of [1, 10_000]) {
  const ours = createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 1e9, window: "1h" })] });
  const theirs = new RateLimiterMemory({ points: 1e9, duration: 3600 });
  const a = await measure("edgelimit memoryStore (fixedWindow)", keys, (k) => ours.limit(k));
  const b = await measure("rate-limiter-flexible RateLimiterMemory", keys, (k) => theirs.consume(k));
  console.log(`  ratio ${(a / b).toFixed(2)}×`);
}
