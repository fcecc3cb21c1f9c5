/** Runs a promise past the response: `ctx.waitUntil` on Workers, `waitUntil` from `@vercel/functions`, … */
export type Background = (promise: Promise<unknown>) => void;

/**
 * Gives a decision's leases back once its response is done, and returns the response to send instead:
 * - no body (204, 304, a redirect, a WebSocket upgrade): released at once;
 * - a body: passed through a `TransformStream` and released once it has been read to its end, has failed,
 *   or the client went away (the stream was cancelled).
 * The release runs through `background`; a failed release is ignored (the lease then expires by itself).
 * A `101` keeps its WebSocket only as itself, so it is returned unchanged and released at once.
 */
export function releaseWhenDone(response: Response, release: () => Promise<void>, background: Background): Response {
  const quietly = () => release().catch(() => {});
  if (response.body === null || response.status === 101) {
    background(quietly());
    return response;
  }
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  background(response.body.pipeTo(writable).then(quietly, quietly));
  return new Response(readable, response);
}
