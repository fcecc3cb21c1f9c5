import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `npm start` as a newcomer runs it: wrangler dev serving the demo Worker (limit 10 per minute per IP, GCRA),
// in its own process group so that stopping it stops wrangler and both workerd processes too.
let child: ChildProcess;
let base: string;
let output = "";
const stateDir = mkdtempSync(join(tmpdir(), "edgelimit-start-"));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitUntilServing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(url, { headers: { "CF-Connecting-IP": "192.0.2.250" } });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`npm start did not answer within ${timeoutMs} ms:\n${output}`);
}

function stop(): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal); // the whole group: npm, sh, wrangler, workerd
      } catch {
        // already gone
      }
    };
    const force = setTimeout(() => kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    kill("SIGTERM");
  });
}

describe("npm start", () => {
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn("npm", ["start", "--", "--persist-to", stateDir], {
      env: { ...process.env, PORT: String(port) },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    await waitUntilServing(base, 60_000);
  }, 70_000);

  afterAll(async () => {
    await stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("serves the demo: 10 allowed with RateLimit headers, then 429 with Retry-After and problem+json", async () => {
    const get = () => fetch(`${base}/`, { headers: { "CF-Connecting-IP": "203.0.113.77" } });
    for (let i = 0; i < 10; i++) {
      const response = await get();
      expect(response.status, `request ${i + 1}`).toBe(200);
      expect(response.headers.get("ratelimit-policy")).toBe('"demo";q=10;w=60');
      expect(response.headers.get("ratelimit")).toMatch(new RegExp(`^"demo";r=${9 - i};t=\\d+$`));
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ allowed: true, limit: 10, remaining: 9 - i, key: "203.0.113.77" });
    }
    const denied = await get();
    expect(denied.status).toBe(429);
    expect(denied.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(denied.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(denied.headers.get("retry-after"))).toBeLessThanOrEqual(6);
    expect(denied.headers.get("ratelimit")).toMatch(/^"demo";r=0;t=\d+$/);
    expect(await denied.json()).toMatchObject({
      status: 429,
      title: "Too Many Requests",
      "violated-policies": ["demo"],
    });
    // Another client is not affected.
    const other = await fetch(`${base}/`, { headers: { "CF-Connecting-IP": "203.0.113.78" } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });
});
