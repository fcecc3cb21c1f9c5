// Decisions per second served from prefetched quota on one key (bench/scenarios/prefetch-hot-path.ts's contenders)
// against RLF's RateLimiterMemory, alone and quicker than `bench/run.ts --only=prefetch`: `ROUNDS` rounds, the
// contenders taking turns (interleaved), each round's ratio printed, then the median and the spread.
// Run: npx node --expose-gc bench/hot-path.ts [rounds=7] [count=200000]
import { RateLimiterMemory } from "rate-limiter-flexible";
import { createRateLimiter, fixedWindow } from "../src/index.ts";
import { memoryStore } from "../src/stores/memory.ts";
import { upstashStore } from "../src/stores/upstash.ts";
import { startUpstashBackend } from "../tests/support/upstash-bridge.ts";
import { withPrefetch } from "./lib/prefetch-option.ts";
import { interleaved, median } from "./lib/stats.ts";
import { throughput } from "./scenarios/memory.ts";

const rounds = Number(process.argv[2] ?? 7);
const count = Number(process.argv[3] ?? 200_000);
const BIG = 1e9;
const backend = await startUpstashBackend();
try {
  const rule = fixedWindow({ limit: BIG, window: "1h" });
  const remote = createRateLimiter(
    withPrefetch({ store: upstashStore({ url: backend.url, token: backend.token }), rules: [rule] }, true),
  );
  const rlf = new RateLimiterMemory({ points: BIG, duration: 3600 });
  const local = createRateLimiter({ store: memoryStore(), rules: [rule] });
  const contenders = [
    { decide: (k: string) => remote.limit(k) },
    { decide: (k: string) => rlf.consume(k) },
    { decide: (k: string) => local.limit(k) },
  ];
  const names = ["hot"];
  for (const c of contenders) await throughput(c, names, 50_000);
  const [pre, peer, mem] = await interleaved(
    rounds,
    contenders.map((c) => () => throughput(c, names, count)),
  );
  const k = (n: number) => `${(n / 1e6).toFixed(2)}M`;
  for (let i = 0; i < rounds; i++) {
    console.log(
      `round ${i + 1}: prefetched ${k(pre![i]!)}  RLF ${k(peer![i]!)}  memory ${k(mem![i]!)}  ratio ${(pre![i]! / peer![i]!).toFixed(2)}×  memory/RLF ${(mem![i]! / peer![i]!).toFixed(2)}×`,
    );
  }
  const ratios = pre!.map((p, i) => p / peer![i]!);
  const memRatios = mem!.map((p, i) => p / peer![i]!);
  console.log(
    `prefetched/RLF median ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); ` +
      `medians ${k(median(pre!))} vs ${k(median(peer!))}/s; memory/RLF median ${median(memRatios).toFixed(2)}×; store calls ${remote.metrics().storeCalls}`,
  );
} finally {
  await backend.stop();
}
