// Reached only when middleware.ts let the request through; the RateLimit headers are on the response.
export function GET(): Response {
  return Response.json({ hello: "world" });
}
