import { ipKey } from "../src/http/identity.ts";
import type { StringMap } from "./events.ts";

/**
 * The bucket every request without a usable client address shares under `missingKey: "shared"`. API Gateway
 * always sets `sourceIp` on real traffic; the console's test invoke sends `test-invoke-source-ip` or nothing.
 */
export const UNKNOWN_CLIENT_KEY = "ip:unknown";

/**
 * The SHA-256 of `text` as 64 lowercase hex digits, prefixed `sha256:`. Use it to key on tokens or API keys
 * without storing them: a raw credential must never become a store key (keys are readable in the table).
 */
export async function hashKey(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return `sha256:${hex}`;
}

/** `ip:<address>` (IPv6 bucketed by `ipv6Prefix`, default 56), or `undefined` if `address` is not an IP. */
export function sourceIpKey(address: string | null | undefined, ipv6Prefix?: number): string | undefined {
  if (typeof address !== "string") return undefined;
  const normalized = ipKey(address, ipv6Prefix);
  return normalized === undefined ? undefined : `ip:${normalized}`;
}

/** The problems of an `ipv6Prefix` option (a whole number of bits from 1 to 128), for a `ConfigError`. */
export function ipv6PrefixProblems(ipv6Prefix: number | undefined): string[] {
  if (ipv6Prefix === undefined || (Number.isInteger(ipv6Prefix) && ipv6Prefix >= 1 && ipv6Prefix <= 128)) return [];
  return [`ipv6Prefix must be a whole number of bits from 1 to 128, got ${JSON.stringify(ipv6Prefix)}`];
}

/** A header's value, whatever the case of its name; `undefined` when absent or the map is `null`. */
export function header(headers: StringMap, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && typeof value === "string") return value;
  }
  return undefined;
}

/** Thrown to make API Gateway answer 401: the message must be exactly `Unauthorized`. */
export function unauthorized(): Error {
  return new Error("Unauthorized");
}
