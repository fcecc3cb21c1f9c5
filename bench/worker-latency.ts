// Median latency of one rate-limit decision through the local demo Worker (`npm start`: wrangler dev, workerd,
// the SQLite Durable Object). Sequential requests from one client IP: the first LIMIT are allowed, the rest denied.
// Run: npm run bench:worker [-- requests]   (default 600 requests, limit 300)
import { startDemo } from "../tests/support/npm-start.ts";

const requests = Number(process.argv[2] ?? 600);
const limit = Math.floor(requests / 2);
const demo = await startDemo({ vars: { DEMO_LIMIT: String(limit), DEMO_PERIOD: "1d" } });
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? Number.NaN;
try {
  const allowed: number[] = [];
  const denied: number[] = [];
  for (let i = 0; i < 20; i++) await (await fetch(demo.url, { headers: { "CF-Connecting-IP": "192.0.2.1" } })).text();
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    const response = await fetch(demo.url, { headers: { "CF-Connecting-IP": "198.51.100.1" } });
    await response.arrayBuffer();
    const ms = performance.now() - started;
    (response.status === 200 ? allowed : denied).push(ms);
  }
  const show = (xs: number[]) => `n=${xs.length} median=${median(xs).toFixed(2)} ms p99=${p99(xs).toFixed(2)} ms`;
  console.log(`local Worker round trip (fetch from Node → wrangler dev → Worker → Durable Object → back)`);
  console.log(`allowed: ${show(allowed)}`);
  console.log(`denied:  ${show(denied)}`);
  console.log(`all:     ${show([...allowed, ...denied])}`);
} finally {
  await demo.stop();
}
