// Decisions per second served from prefetched quota on one key (bench/scenarios/prefetch-hot-path.ts's contenders)
// against RLF's RateLimiterMemory, alone and quicker than `bench/run.ts --only=prefetch`: `ROUNDS` rounds, the
// contenders taking turns (interleaved), each round's ratio printed, then the median and the spread.
// Run: npx node --expose-gc bench/hot-path.ts [rounds=7] [count=200000]
import { startUpstashBackend } from "../tests/support/upstash-bridge.ts";
import { interleaved, median } from "./lib/stats.ts";
import { throughput } from "./scenarios/memory.ts";
import { hotPathContenders } from "./scenarios/prefetch-hot-path.ts";

const rounds = Number(process.argv[2] ?? 7);
const count = Number(process.argv[3] ?? 200_000);
const backend = await startUpstashBackend();
try {
  const { remote, contenders, names } = await hotPathContenders(backend, 50_000);
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
