import type { Passage } from "./gate.ts";
import type { HeaderFormat } from "./headers.ts";
import { type Background, releaseWhenDone } from "./release.ts";
import { deniedResponse, missingKeyResponse } from "./responses.ts";

/**
 * The Fetch side of the gate, shared by the adapters whose handlers answer with a `Response` (Workers, Hono, Vercel
 * route handlers): a refused keyless request gets the 400, a denied one the 429 (503 when degraded) and `run` is not
 * called; an allowed one gets `run`'s response with the RateLimit headers, and its leases are given back (and its
 * cost settled, with the `settle` option) through `background` when that response is done (leases at once when `run`
 * throws). A skipped request gets `run`'s response as is.
 */
export async function serve(
  passage: Passage,
  format: HeaderFormat | undefined,
  run: () => Response | Promise<Response>,
  background: Background,
): Promise<Response> {
  const { decision } = passage;
  if (!decision) return passage.refused ? missingKeyResponse() : run();
  if (!decision.allowed) return deniedResponse(decision, format ? { format } : {});
  const { release } = passage;
  let response: Response;
  try {
    response = await run();
  } catch (error) {
    if (release) background(release());
    throw error;
  }
  const sent = withHeaders(response, passage.headers);
  return release ? releaseWhenDone(sent, () => release(sent), background) : sent;
}

/** A copy of `response` with `headers` set: a copy has mutable headers (a response from `fetch()` has not). */
function withHeaders(response: Response, headers: Record<string, string>): Response {
  // A 101 keeps its WebSocket only as itself.
  const target = response.status === 101 ? response : new Response(response.body, response);
  try {
    for (const [name, value] of Object.entries(headers)) target.headers.set(name, value);
  } catch {
    // An immutable 101: it goes out without RateLimit headers rather than failing the upgrade.
  }
  return target;
}
