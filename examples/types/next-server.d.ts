// Type stubs so the examples type-check without installing Next.js (about 100 MB). They declare only what the
// examples use, with Next's own signatures (next/dist/server/web/spec-extension/response.d.ts). A real app gets
// these from `next` itself and must not copy this file.
declare module "next/server" {
  export interface NextRequest extends Request {
    readonly nextUrl: URL;
  }
  export interface NextFetchEvent {
    waitUntil(promise: Promise<unknown>): void;
  }
  export interface MiddlewareResponseInit extends ResponseInit {
    /** Headers of the request the route handler sees (Next sends them as `x-middleware-request-*`). */
    request?: { headers?: Headers };
  }
  export class NextResponse extends Response {
    /** Continues to the route; `init.headers` become response headers, `init.request.headers` request headers. */
    static next(init?: MiddlewareResponseInit): NextResponse;
  }
}

// Next.js and Vercel Routing Middleware expose environment variables as `process.env`, even on the edge runtime.
declare const process: { readonly env: Readonly<Record<string, string | undefined>> };
