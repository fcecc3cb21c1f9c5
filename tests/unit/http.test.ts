import { describe, expect, it } from "vitest";
import { type DeniedBody, deniedBody } from "../../src/http/responses.ts";
import {
  clientIp,
  concurrency,
  createRateLimiter,
  type Decision,
  deniedResponse,
  fixedWindow,
  gcra,
  ipKey,
  parseDuration,
  rateLimitHeaders,
} from "../../src/index.ts";
import { standardLayers } from "../../src/store-entry.ts";
import { memoryStore } from "../../src/stores/memory.ts";

async function decisions(): Promise<{ allowed: Decision; denied: Decision }> {
  const limiter = createRateLimiter({
    store: memoryStore(),
    rules: [
      fixedWindow({ limit: 100, window: "1m", name: "minute" }),
      gcra({ limit: 2, period: "10s", name: "burst" }),
    ],
    clock: () => 1_000_000_015_000, // 55 s into a minute window
  });
  const allowed = await limiter.limit("k");
  await limiter.limit("k");
  return { allowed, denied: await limiter.limit("k") };
}

describe("rateLimitHeaders", () => {
  it("writes draft-8 named policies for every rule", async () => {
    const { allowed, denied } = await decisions();
    expect(rateLimitHeaders(allowed)).toEqual({
      "RateLimit-Policy": '"minute";q=100;w=60, "burst";q=2;w=10',
      RateLimit: '"minute";r=99;t=5, "burst";r=1;t=5',
    });
    expect(rateLimitHeaders(denied)).toEqual({
      "Retry-After": "5",
      "RateLimit-Policy": '"minute";q=100;w=60, "burst";q=2;w=10',
      RateLimit: '"minute";r=98;t=5, "burst";r=0;t=10',
    });
  });

  it('marks concurrency rules with qu="concurrent-requests" in draft-8 only', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      rules: [concurrency({ limit: 2, lease: "30s", name: "inflight" }), fixedWindow({ limit: 100, window: "1m" })],
      clock: () => 1_000_000_015_000,
    });
    const held = await limiter.limit("k");
    expect(rateLimitHeaders(held)).toEqual({
      "RateLimit-Policy": '"inflight";q=2;qu="concurrent-requests";w=30, "fixed-100-per-1m";q=100;w=60',
      RateLimit: '"inflight";r=1;t=30, "fixed-100-per-1m";r=99;t=5',
    });
    expect(rateLimitHeaders(held, "draft-7")["RateLimit-Policy"]).toBe("2;w=30, 100;w=60");
  });

  it("writes draft-7, draft-6 and legacy from the tightest rule", async () => {
    const { allowed } = await decisions();
    expect(rateLimitHeaders(allowed, "draft-7")).toEqual({
      "RateLimit-Policy": "100;w=60, 2;w=10",
      RateLimit: "limit=2, remaining=1, reset=5",
    });
    expect(rateLimitHeaders(allowed, "draft-6")).toEqual({
      "RateLimit-Policy": "100;w=60, 2;w=10",
      "RateLimit-Limit": "2",
      "RateLimit-Remaining": "1",
      "RateLimit-Reset": "5",
    });
    expect(rateLimitHeaders(allowed, "legacy")).toEqual({
      "X-RateLimit-Limit": "2",
      "X-RateLimit-Remaining": "1",
      "X-RateLimit-Reset": "1000000020",
    });
    expect(() => rateLimitHeaders(allowed, "draft-99" as "draft-8")).toThrow(/unknown header format/);
  });
});

describe("deniedResponse", () => {
  it("is a 429 problem+json naming the violated policies", async () => {
    const { denied } = await decisions();
    const response = deniedResponse(denied, { headers: { "X-Request-Id": "r1" } });
    expect(response.status).toBe(429);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(response.headers.get("Retry-After")).toBe("5");
    expect(response.headers.get("X-Request-Id")).toBe("r1");
    expect(await response.json()).toEqual({
      type: "https://iana.org/assignments/http-problem-types#quota-exceeded",
      title: "Too Many Requests",
      status: 429,
      detail: "Quota exceeded; retry in 5 seconds.",
      "violated-policies": ["burst"],
    });
  });

  it("says 1 second in the singular and other waits in the plural", async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      rules: [fixedWindow({ limit: 1, window: "1s", name: "second" })],
      clock: () => 1_000_000_000_500, // half a second into a window: Retry-After rounds up to 1
    });
    await limiter.limit("k");
    const response = deniedResponse(await limiter.limit("k"));
    expect(response.headers.get("Retry-After")).toBe("1");
    expect(((await response.json()) as DeniedBody).detail).toBe("Quota exceeded; retry in 1 second.");
    const rules = [{ name: "second", allowed: false }];
    const body = (retryAfter: string | undefined) =>
      deniedBody({ degraded: false, reason: "limited", rules }, retryAfter);
    expect(body("2").detail).toBe("Quota exceeded; retry in 2 seconds.");
    expect(body("10").detail).toBe("Quota exceeded; retry in 10 seconds.");
    expect(body(undefined).detail).toBe("Quota exceeded; retry in a few seconds.");
  });

  it("is a 503 without RateLimit fields when the store failed and the policy denied", async () => {
    const limiter = createRateLimiter({
      store: {
        ...memoryStore(),
        local: undefined,
        layers: standardLayers,
        apply: () => Promise.reject(new Error("down")),
      },
      rules: [fixedWindow({ limit: 1, window: "1s" })],
      onStoreError: "deny",
    });
    const response = deniedResponse(await limiter.limit("k"));
    expect(response.status).toBe(503);
    expect(response.headers.get("RateLimit")).toBeNull();
    expect(response.headers.get("Retry-After")).toBe("1");
  });
});

describe("clientIp", () => {
  const request = (headers: Record<string, string>) => new Request("https://example.com", { headers });

  it("reads the platform's own header and ignores a client-supplied X-Forwarded-For", () => {
    const spoofed = { "x-forwarded-for": "6.6.6.6" };
    expect(clientIp(request({ ...spoofed, "cf-connecting-ip": "203.0.113.7" }), { platform: "cloudflare" })).toBe(
      "203.0.113.7",
    );
    expect(clientIp(request(spoofed), { platform: "cloudflare" })).toBeUndefined();
    expect(clientIp(request({ ...spoofed, "x-real-ip": "198.51.100.2" }), { platform: "vercel" })).toBe("198.51.100.2");
    expect(clientIp(request({ "x-forwarded-for": "198.51.100.3, 10.0.0.1" }), { platform: "vercel" })).toBe(
      "198.51.100.3",
    );
  });

  it("counts trusted proxies from the right in proxy mode", () => {
    const headers = { "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.2" };
    expect(clientIp(request(headers), { platform: "proxy" })).toBe("10.0.0.2");
    expect(clientIp(request(headers), { platform: "proxy", trustedProxies: 2 })).toBe("203.0.113.9");
    expect(clientIp(request(headers), { platform: "proxy", trustedProxies: 4 })).toBeUndefined();
  });

  it("keys IPv6 by prefix and rejects what is not an address", () => {
    expect(ipKey("2001:db8:abcd:12ff:1:2:3:4")).toBe("2001:db8:abcd:1200::/56");
    expect(ipKey("2001:DB8:abcd:12ff::1", 64)).toBe("2001:db8:abcd:12ff::/64");
    expect(ipKey("[2001:db8::1]", 128)).toBe("2001:db8::1/128");
    expect(ipKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(ipKey("::", 128)).toBe("::/128");
    expect(ipKey("1:2:3:4:5:6:7:8", 128)).toBe("1:2:3:4:5:6:7:8/128");
    expect(ipKey("64:ff9b::192.0.2.33", 128)).toBe("64:ff9b::c000:221/128");
    // RFC 5952: the longest run of zero groups becomes "::", the first of equally long runs; one zero group stays.
    expect(ipKey("1:0:0:2:0:0:0:3", 128)).toBe("1:0:0:2::3/128");
    expect(ipKey("0:0:1:0:0:1:1:1", 128)).toBe("::1:0:0:1:1:1/128");
    expect(ipKey("1:0:0:1:1:1:0:0", 128)).toBe("1::1:1:1:0:0/128");
    expect(ipKey("1:0:1:1:1:1:1:1", 128)).toBe("1:0:1:1:1:1:1:1/128");
    expect(ipKey("2001:8db8:ff:ffff::", 17)).toBe("2001:8000::/17");
    expect(ipKey("2001:db8:ff:ffff::", 17)).toBe("2001::/17");
    for (const bad of [
      "",
      "unknown",
      "1.2.3",
      "256.1.1.1",
      "01.2.3.4",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "::g",
    ]) {
      expect(ipKey(bad), bad).toBeUndefined();
    }
    expect(() => ipKey("::1", 0)).toThrow(/ipv6Prefix/);
  });
});

describe("parseDuration", () => {
  it("reads numbers and unit strings into whole milliseconds", () => {
    expect(["500ms", "10s", "1m", "1h", "1d", "1.5s", " 2 m ", 250].map(parseDuration)).toEqual([
      500, 10_000, 60_000, 3_600_000, 86_400_000, 1500, 120_000, 250,
    ]);
    expect(parseDuration("1w")).toMatch(/not a duration/);
    expect(parseDuration(Number.NaN)).toMatch(/not a finite duration/);
    expect(parseDuration({})).toMatch(/expected a duration/);
  });
});
