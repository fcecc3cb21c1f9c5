import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { durableObjectStore } from "../../durable-objects/index.ts";
import { concurrency, createRateLimiter } from "../../src/index.ts";
import { withRateLimit } from "../../workers/index.ts";

// withRateLimit gives concurrency leases back when the response is done, on the Durable Object store.
let prefixes = 0;
const limiterOf = (limit: number) =>
  createRateLimiter({
    store: durableObjectStore(env.RATE_LIMITER),
    rules: [concurrency({ limit, lease: "30s", name: "inflight" })],
    prefix: `adapter-lease-${++prefixes}`,
  });

function workerOf(fetch: (request: Request) => Response | Promise<Response>, limit = 1) {
  const worker = withRateLimit<Cloudflare.Env>({ fetch }, { limiter: limiterOf(limit), key: () => "k" });
  /** Sends a request; `done` settles once everything the Worker left to ctx.waitUntil has finished. */
  return (path = "/") => {
    const ctx = createExecutionContext();
    const response = worker.fetch!(new Request(`https://x${path}`), env, ctx) as Promise<Response>;
    return { response, done: response.then(() => waitOnExecutionContext(ctx)) };
  };
}

describe("withRateLimit with a concurrency rule", () => {
  it("releases the lease once a response is sent, and says qu=concurrent-requests", async () => {
    const send = workerOf(() => new Response("ok", { headers: { "Content-Length": "2" } }));
    const first = send();
    const response = await first.response;
    expect(response.headers.get("RateLimit-Policy")).toBe('"inflight";q=1;qu="concurrent-requests";w=30');
    expect(await response.text()).toBe("ok");
    await first.done;
    const second = send();
    expect((await second.response).status).toBe(200);
    await (await second.response).arrayBuffer();
    await second.done;
  });

  it("holds the lease while a streamed body is being sent, and releases it when the stream ends", async () => {
    let push: ReadableStreamDefaultController<Uint8Array> | undefined;
    const send = workerOf(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              push = controller;
            },
          }),
        ),
    );
    const first = send();
    const streaming = await first.response;
    expect(streaming.status).toBe(200);
    const reading = streaming.text();
    const during = send();
    expect((await during.response).status, "the body is still streaming").toBe(429);
    push!.enqueue(new TextEncoder().encode("chunk"));
    push!.close();
    expect(await reading).toBe("chunk");
    await first.done;
    expect((await send().response).status).toBe(200);
  });

  it("releases the lease when the client cancels the body", async () => {
    const send = workerOf(() => new Response(new ReadableStream({ pull() {} })));
    const first = send();
    await (await first.response).body!.cancel();
    await first.done;
    expect((await send().response).status).toBe(200);
  });

  it("releases the lease when the handler throws", async () => {
    let calls = 0;
    const send = workerOf(() => {
      calls++;
      if (calls === 1) throw new Error("boom");
      return new Response(null, { status: 204 });
    });
    const first = send();
    await expect(first.response).rejects.toThrow("boom");
    await first.done.catch(() => {});
    const second = send();
    expect((await second.response).status).toBe(204);
    await second.done;
    expect((await send().response).status, "a response without a body releases at once").toBe(204);
  });

  it("caps a costly upstream at N in flight: N + k parallel slow requests, exactly N reach it at once", async () => {
    const N = 4;
    const k = 6;
    let inFlight = 0;
    let most = 0;
    let reached = 0;
    // The docs/cloudflare.md example: a slow upstream behind one global key.
    const upstream = async () => {
      reached++;
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 100));
      inFlight--;
      return new Response("from upstream");
    };
    const send = workerOf(upstream, N);
    const calls = Array.from({ length: N + k }, () => send());
    const responses = await Promise.all(calls.map((c) => c.response));
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(N).fill(200), ...Array(k).fill(429)]);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    await Promise.all(calls.map((c) => c.done));
    expect([reached, most]).toEqual([N, N]);
    // Every lease came back: the next N go through again.
    const again = Array.from({ length: N }, () => send());
    expect((await Promise.all(again.map((c) => c.response))).map((r) => r.status)).toEqual(Array(N).fill(200));
  });
});
