import { EdgeVM } from "@edge-runtime/vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashBackend, type UpstashBackend } from "../support/upstash-bridge.ts";
import { bundle, ROOT } from "./bundle.ts";

// Vercel's edge runtime, strictly: each bundle runs in a fresh EdgeVM, where Buffer, process, require and
// setImmediate do not exist and `fetch` is the runtime's own (it reaches the loopback Upstash bridge).
const FIXTURES = `${ROOT}tests/edge/fixtures/`;

type Handler = (request: Request) => Promise<Response>;

/** Bundles a fixture to an IIFE, evaluates it in a new EdgeVM and returns the VM and the fixture's exports. */
async function load<T>(fixture: string): Promise<{ vm: EdgeVM; exports: T }> {
  const { code, nodeGlobals } = await bundle(`${FIXTURES}${fixture}`, { format: "iife", globalName: "fixture" });
  expect(nodeGlobals).toEqual([]);
  const vm = new EdgeVM();
  vm.evaluate(code);
  return { vm, exports: vm.evaluate<T>("fixture") };
}

/** A request made inside the VM's realm, as the runtime would hand it to the middleware. */
const request = (vm: EdgeVM, headers: Record<string, string>, url = "https://app.example/api/items") =>
  new vm.context.Request(url, { headers }) as Request;

let backend: UpstashBackend | undefined;
beforeAll(async () => {
  backend = await startUpstashBackend();
});
afterAll(async () => {
  await backend?.stop();
});

describe("inside Vercel's edge runtime (EdgeVM)", () => {
  it("has no Node globals, so the checks below are meaningful", () => {
    const vm = new EdgeVM();
    const types = vm.evaluate(
      "[typeof process, typeof Buffer, typeof require, typeof setImmediate, typeof EdgeRuntime]",
    );
    expect([...types]).toEqual(["undefined", "undefined", "undefined", "undefined", "string"]);
  });

  for (const store of ["memory", "upstash"] as const) {
    it(`edgelimit/vercel with the ${store} store: allowed with headers, then 429 with headers`, async () => {
      const { vm, exports } = await load<{ createMiddleware(u?: object): Handler }>("vercel-middleware.ts");
      const middleware = exports.createMiddleware(
        store === "upstash" ? { url: backend!.url, token: backend!.token } : undefined,
      );
      const client = { "x-real-ip": "203.0.113.7" };
      const first = await middleware(request(vm, client));
      // The first decision on a fresh Redis may cost one more request (NOSCRIPT, then EVAL); count from here.
      const before = backend!.requests();
      expect(first.status).toBe(200);
      expect(first.headers.get("x-middleware-next")).toBe("1");
      expect(first.headers.get("RateLimit-Policy")).toBe('"api";q=2;w=3600');
      expect(first.headers.get("RateLimit")).toBe('"api";r=1;t=3600');
      expect((await middleware(request(vm, client))).headers.get("RateLimit")).toBe('"api";r=0;t=3600');
      const third = await middleware(request(vm, client));
      expect(third.status).toBe(429);
      expect(third.headers.get("Retry-After")).toBe("3600");
      expect(third.headers.get("RateLimit")).toBe('"api";r=0;t=3600');
      expect(third.headers.get("Content-Type")).toBe("application/problem+json");
      expect(await third.json()).toMatchObject({ status: 429, "violated-policies": ["api"] });
      // Another client has its own bucket.
      expect((await middleware(request(vm, { "x-real-ip": "203.0.113.8" }))).status).toBe(200);
      // Each later decision was one HTTP request to the bridge, made by the runtime's fetch (none with memory).
      expect(backend!.requests() - before).toBe(store === "upstash" ? 3 : 0);
    });
  }

  type Worker = { default: { fetch(request: Request, env: object): Promise<Response> } };

  /** Ten requests from one client through a bundle-budget Worker, then an eleventh: the statuses and the last. */
  async function elevenRequests(fixture: string, client: string) {
    const { vm, exports } = await load<Worker>(fixture);
    const env = { UPSTASH_REDIS_REST_URL: backend!.url, UPSTASH_REDIS_REST_TOKEN: backend!.token };
    const responses: Response[] = [];
    for (let i = 0; i < 11; i++) {
      responses.push(await exports.default.fetch(request(vm, { "cf-connecting-ip": client }), env));
    }
    return { statuses: responses.map((r) => r.status), first: responses[0]!, last: responses[10]! };
  }

  it("the smallest Worker with the core and the Upstash store (the 8 KB budget's fixture): allowed, then 429", async () => {
    const before = backend!.requests();
    const { statuses } = await elevenRequests("worker-upstash.ts", "198.51.100.21");
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
    expect(backend!.requests() - before).toBe(11);
  });

  it("the same Worker with the HTTP helpers: RateLimit headers, then 429 with Retry-After", async () => {
    const { statuses, first, last } = await elevenRequests("worker-upstash-http.ts", "198.51.100.20");
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
    expect(first.headers.get("RateLimit")).toMatch(/^"bucket-10-refill-10-per-1m";r=9;t=\d+$/);
    expect(Number(last.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(last.headers.get("RateLimit")).toMatch(/;r=0;/);
  });

  it("edgelimit/hono with the memory store: decision in c.get, headers, then 429", async () => {
    const { vm, exports } = await load<{ createApp(): { fetch: Handler } }>("hono-app.ts");
    const app = exports.createApp();
    const client = { "cf-connecting-ip": "192.0.2.44" };
    const first = await app.fetch(request(vm, client, "https://app.example/"));
    expect([first.status, await first.json(), first.headers.get("RateLimit")]).toEqual([
      200,
      { remaining: 1 },
      '"api";r=1;t=3600',
    ]);
    await app.fetch(request(vm, client, "https://app.example/"));
    const third = await app.fetch(request(vm, client, "https://app.example/"));
    expect([third.status, third.headers.get("Retry-After")]).toEqual([429, "3600"]);
  });
});
