/**
 * Continues the request in Vercel Routing Middleware (any framework), adding `headers` to the response the
 * client gets. It speaks the same protocol as `next({ headers })` from `@vercel/functions` (an empty response
 * marked `x-middleware-next: 1`), without depending on that package. In Next.js use `NextResponse.next({ headers })`.
 */
export function next(init: { headers?: HeadersInit } = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("x-middleware-next", "1");
  return new Response(null, { headers });
}
