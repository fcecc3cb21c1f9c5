// Run by the memory scenario in a fresh `node --expose-gc` process: prints the heap bytes per key that one
// contender holds after deciding `keys` distinct keys once. A process of its own, so no other contender's
// garbage or timers (RLF keeps a timer per key) blur the figure.
// Usage: node --expose-gc bench/lib/heap-child.ts <contender index> <keys>
import { memoryContenders } from "../scenarios/memory.ts";

const [index, keys] = process.argv.slice(2).map(Number) as [number, number];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const names = Array.from({ length: keys }, (_, i) => `user:${i}`);
gc();
gc();
const before = process.memoryUsage().heapUsed;
const contender = memoryContenders(keys)[index]!;
for (const name of names) {
  const answer = contender.decide(name);
  if (answer instanceof Promise) await answer;
}
gc();
gc();
const after = process.memoryUsage().heapUsed;
contender.decide(names[0]!); // keeps it alive until measured
process.stdout.write(JSON.stringify({ bytesPerKey: (after - before) / keys }));
process.exit(0);
