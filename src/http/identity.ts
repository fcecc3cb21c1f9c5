/** Where the request came through, which decides the header that holds the client's address. */
export type Platform = "cloudflare" | "vercel" | "proxy";

export interface ClientIpOptions {
  /**
   * - `"cloudflare"`: `CF-Connecting-IP`, set by Cloudflare's edge.
   * - `"vercel"`: `x-real-ip`, then the first hop of `x-vercel-forwarded-for` or `x-forwarded-for`
   *   (Vercel overwrites these, so a client cannot forge them).
   * - `"proxy"`: `X-Forwarded-For` behind your own proxies; the address `trustedProxies` hops from the right.
   */
  platform: Platform;
  /** With `"proxy"`: how many proxies you run in front of the app, each appending to X-Forwarded-For (default 1). */
  trustedProxies?: number;
  /** IPv6 addresses are keyed by this prefix length (default 56: one customer site). 128 keeps whole addresses. */
  ipv6Prefix?: number;
}

/** Anything with Fetch-style headers: a `Request`, a Next.js request. */
export interface HasHeaders {
  readonly headers: { get(name: string): string | null };
}

/**
 * The client's address as a rate-limit key, or `undefined` when the platform's header is missing or
 * not an IP address. IPv6 addresses come back as their prefix (`2001:db8:aa:bb00::/56`). A client-supplied
 * `X-Forwarded-For` is never trusted unless you choose `"proxy"`.
 */
export function clientIp(request: HasHeaders, options: ClientIpOptions): string | undefined {
  const header = (name: string) => request.headers.get(name)?.trim() || undefined;
  const firstHop = (name: string) => header(name)?.split(",")[0];
  let address: string | undefined;
  switch (options.platform) {
    case "cloudflare":
      address = header("cf-connecting-ip");
      break;
    case "vercel":
      address = header("x-real-ip") ?? firstHop("x-vercel-forwarded-for") ?? firstHop("x-forwarded-for");
      break;
    case "proxy": {
      const trusted = options.trustedProxies ?? 1;
      if (!Number.isInteger(trusted) || trusted < 1) {
        throw new TypeError(`[edgelimit] clientIp: trustedProxies must be a whole number ≥ 1, got ${String(trusted)}`);
      }
      const hops = header("x-forwarded-for")?.split(",") ?? [];
      address = hops[hops.length - trusted];
      break;
    }
    default:
      throw new TypeError(
        `[edgelimit] clientIp: unknown platform ${JSON.stringify(options.platform)}; use "cloudflare", "vercel" or "proxy"`,
      );
  }
  return address === undefined ? undefined : ipKey(address, options.ipv6Prefix);
}

/**
 * Normalizes an address into a key: IPv4 as is (IPv4-mapped IPv6 too), IPv6 masked to `ipv6Prefix` bits
 * (default 56) in its compressed form (RFC 5952) with the prefix length. `undefined` for anything that is not an address.
 */
export function ipKey(address: string, ipv6Prefix = 56): string | undefined {
  if (!Number.isInteger(ipv6Prefix) || ipv6Prefix < 1 || ipv6Prefix > 128) {
    throw new TypeError(`[edgelimit] ipv6Prefix must be a whole number from 1 to 128, got ${String(ipv6Prefix)}`);
  }
  const text = address.trim();
  if (ipv4(text)) return text;
  const groups = parseIpv6(text);
  if (!groups) return undefined;
  const [, , , , , , high, low] = groups as [number, number, number, number, number, number, number, number];
  if (groups.join().startsWith("0,0,0,0,0,65535,")) return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  // A shift by 16 leaves no bit of a group: the groups past the prefix become 0.
  const masked = groups.map((group, i) => group & (0xffff << (16 - Math.min(16, Math.max(0, ipv6Prefix - i * 16)))));
  return `${compress(masked)}/${ipv6Prefix}`;
}

/** The four octets of a dotted IPv4 address (no leading zeros), or `undefined`. */
function ipv4(text: string): number[] | undefined {
  const parts = text.split(".");
  const ok = parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) < 256);
  return ok ? parts.map(Number) : undefined;
}

/** The eight groups of an IPv6 address, with or without brackets, `::` and an embedded IPv4 tail. */
function parseIpv6(text: string): number[] | undefined {
  let body = text.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const cut = body.lastIndexOf(":");
  if (body.includes(".")) {
    // An embedded IPv4 address stands for the last two groups (`::ffff:192.0.2.1` is `::ffff:c000:201`).
    const octets = ipv4(body.slice(cut + 1));
    if (!octets) return undefined;
    const [a, b, c, d] = octets as [number, number, number, number];
    body = `${body.slice(0, cut + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = body.split("::").map((half) => (half === "" ? [] : half.split(":")));
  const known = halves.flat();
  if (halves.length > 2 || !known.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  if (halves.length === 1 ? known.length !== 8 : known.length > 7) return undefined;
  const zeros = new Array<string>(8 - known.length).fill("0");
  return [...halves[0]!, ...zeros, ...(halves[1] ?? [])].map((group) => Number.parseInt(group, 16));
}

/** RFC 5952 text: lowercase hex without leading zeros, the first longest run of two or more zero groups as `::`. */
function compress(groups: number[]): string {
  const text = groups.map((group) => group.toString(16)).join(":");
  let longest: RegExpExecArray | undefined;
  for (const run of text.matchAll(/(^|:)(0(?::0)+)(:|$)/g)) {
    if (!longest || run[2]!.length > longest[2]!.length) longest = run;
  }
  if (!longest) return text;
  return `${text.slice(0, longest.index)}::${text.slice(longest.index + longest[0].length)}`;
}
