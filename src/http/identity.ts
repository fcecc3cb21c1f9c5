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
 * (default 56) in its compressed form with the prefix length. `undefined` for anything that is not an address.
 */
export function ipKey(address: string, ipv6Prefix = 56): string | undefined {
  if (!Number.isInteger(ipv6Prefix) || ipv6Prefix < 1 || ipv6Prefix > 128) {
    throw new TypeError(`[edgelimit] ipv6Prefix must be a whole number from 1 to 128, got ${String(ipv6Prefix)}`);
  }
  const text = address.trim();
  if (parseIpv4(text)) return text;
  const groups = parseIpv6(text);
  if (!groups) return undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  const masked = groups.map((group, i) => {
    const bits = Math.min(16, Math.max(0, ipv6Prefix - i * 16));
    return group & (bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff);
  });
  return `${compress(masked)}/${ipv6Prefix}`;
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets = parts.map((p) => (/^(0|[1-9]\d{0,2})$/.test(p) ? Number(p) : 256));
  return octets.every((o) => o <= 255) ? octets : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  const bracketed = /^\[(.*)\]$/.exec(text);
  let body = (bracketed ? bracketed[1]! : text).toLowerCase();
  const tail: number[] = [];
  if (body.includes(".")) {
    // An embedded IPv4 address stands for the last two groups (`::ffff:192.0.2.1`).
    const cut = body.lastIndexOf(":");
    const v4 = parseIpv4(body.slice(cut + 1));
    if (!v4) return undefined;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    body = body.slice(0, cut + 1);
    if (!body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const parse = (half: string) => (half === "" ? [] : half.split(":"));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const zeros = new Array<number>(8 - known).fill(0);
  return [...head.map((g) => Number.parseInt(g, 16)), ...zeros, ...rest.map((g) => Number.parseInt(g, 16)), ...tail];
}

function compress(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
