import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startRedisServer } from "./redis-server.ts";
import { type Argument, type Reply, RespConnection } from "./resp.ts";

/**
 * A local Upstash Redis REST endpoint for tests and benchmarks, per `shared/reference/upstash-rest.md`:
 * `POST /`, `/pipeline` and `/multi-exec` (on a dedicated connection), Bearer auth (401 otherwise),
 * `Upstash-Encoding: base64`, a fresh `upstash-sync-token` on every response, NOSCRIPT passed through, and
 * the `allow-key-locking` shebang rewrite that `@upstash/ratelimit` 2.x needs, over a real redis-server (RESP2,
 * raw replies).
 */
export interface UpstashBackend {
  /** Base URL of the bridge, `http://127.0.0.1:<port>`: use as `UPSTASH_REDIS_REST_URL`. */
  readonly url: string;
  /** The one token the bridge accepts: use as `UPSTASH_REDIS_REST_TOKEN`. */
  readonly token: string;
  /** Port of the redis-server behind it, for direct RESP access (e.g. `INFO commandstats`). */
  readonly redisPort: number;
  /** HTTP requests the bridge has served (any route, any status). */
  readonly requests: () => number;
  /** Stops the bridge, then redis-server. */
  stop(): Promise<void>;
}

/** Starts redis-server (from PATH; fails with an install hint if missing) and the bridge in front of it. */
export async function startUpstashBackend(token = "local-upstash-token"): Promise<UpstashBackend> {
  const redis = await startRedisServer();
  try {
    const bridge = await startUpstashBridge({ redisPort: redis.port, token });
    return {
      ...bridge,
      redisPort: redis.port,
      async stop() {
        await bridge.stop();
        await redis.stop();
      },
    };
  } catch (error) {
    await redis.stop();
    throw error;
  }
}

class BadRequest extends Error {}

// Commands that change connection state or block; Upstash's REST API refuses them too (reference §10).
const REFUSED = new Set(
  "blpop brpop brpoplpush blmove blmpop bzpopmin bzpopmax bzmpop watch unwatch discard multi exec select auth hello quit reset subscribe psubscribe ssubscribe monitor sync psync".split(
    " ",
  ),
);

const sha1 = (text: Buffer | string) => createHash("sha1").update(text).digest("hex");

/** Starts only the HTTP bridge, in front of a redis-server already listening on `redisPort`. */
export async function startUpstashBridge(options: { redisPort: number; token: string }) {
  const { redisPort, token } = options;
  const shaMap = new Map<string, string>(); // sha1(script with allow-key-locking) → sha1(rewritten)
  const idle: RespConnection[] = [];
  let shared: Promise<RespConnection> | undefined;
  let served = 0;
  let sync = 0;
  const instance = randomUUID().slice(0, 8);

  const sharedConnection = async () => {
    const current = shared && (await shared.catch(() => undefined));
    if (!current?.usable) shared = RespConnection.connect(redisPort);
    return shared as Promise<RespConnection>;
  };

  /** Turns one JSON command into RESP arguments plus a reply fix-up (SCRIPT LOAD returns the original sha). */
  function prepare(command: unknown): { args: Argument[]; fix?: (reply: Reply) => Reply } {
    if (!Array.isArray(command) || command.length === 0) throw new BadRequest("ERR expected a non-empty command array");
    const args: Argument[] = command.map((a) => {
      if (typeof a === "string") return a;
      if (typeof a === "number" || typeof a === "boolean") return String(a);
      throw new BadRequest(`ERR arguments must be strings, numbers or booleans, got ${JSON.stringify(a)}`);
    });
    const name = String(args[0]).toLowerCase();
    const sub = String(args[1] ?? "").toLowerCase();
    if (REFUSED.has(name) || (name === "client" && sub === "reply")) {
      throw new BadRequest(`ERR command '${name}' is not supported over REST`);
    }
    if ((name === "eval" || name === "eval_ro") && args[1] !== undefined) {
      const rewritten = withoutKeyLocking(String(args[1]));
      if (rewritten !== undefined) {
        shaMap.set(sha1(String(args[1])), sha1(rewritten));
        args[1] = rewritten;
      }
    }
    if ((name === "evalsha" || name === "evalsha_ro") && args[1] !== undefined) {
      const sha = String(args[1]).toLowerCase();
      args[1] = shaMap.get(sha) ?? sha;
    }
    if (name === "script" && sub === "load" && args[2] !== undefined) {
      const original = String(args[2]);
      const rewritten = withoutKeyLocking(original);
      if (rewritten !== undefined) {
        shaMap.set(sha1(original), sha1(rewritten));
        args[2] = rewritten;
        return {
          args,
          fix: (reply) => (reply.type === "error" ? reply : { type: "bulk", value: Buffer.from(sha1(original)) }),
        };
      }
    }
    return { args };
  }

  async function multiExec(
    commands: ReturnType<typeof prepare>[],
    base64: boolean,
  ): Promise<{ status: number; body: string }> {
    const connection = idle.pop() ?? (await RespConnection.connect(redisPort));
    let clean = false;
    try {
      const replies = await connection.send([["MULTI"], ...commands.map((c) => c.args), ["EXEC"]]);
      clean = true;
      const exec = replies[replies.length - 1]!;
      if (exec.type === "error" || exec.type !== "array" || exec.value === null) {
        const queued = replies.slice(1, -1).find((r) => r.type === "error");
        const text = queued?.type === "error" ? queued.value : exec.type === "error" ? exec.value : "EXECABORT";
        return { status: 400, body: JSON.stringify({ error: text }) };
      }
      return {
        status: 200,
        body: `[${exec.value.map((r, i) => entry(commands[i]?.fix?.(r) ?? r, base64)).join(",")}]`,
      };
    } finally {
      if (clean && connection.usable) idle.push(connection);
      else connection.close();
    }
  }

  function entry(reply: Reply, base64: boolean): string {
    return reply.type === "error"
      ? JSON.stringify({ error: reply.value })
      : `{"result":${toJson(reply, base64, true)}}`;
  }

  async function handle(request: IncomingMessage, body: string): Promise<{ status: number; body: string }> {
    const url = new URL(request.url ?? "/", "http://bridge");
    const method = request.method ?? "GET";
    if (!["HEAD", "GET", "POST", "PUT"].includes(method)) return error(405, "Method not allowed");
    const auth = request.headers.authorization ?? "";
    const given = /^Bearer (\S+)$/.exec(auth)?.[1] ?? url.searchParams.get("_token");
    if (given !== token) return error(401, "Unauthorized");
    const route = url.pathname.replace(/\/+$/, "") || "/";
    if (method === "GET" || method === "HEAD" || !["/", "/pipeline", "/multi-exec"].includes(route)) {
      return error(404, "this bridge serves POST /, /pipeline and /multi-exec only");
    }
    const base64 = request.headers["upstash-encoding"] === "base64";
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return error(400, "ERR the body is not JSON");
    }
    try {
      if (route === "/") {
        const command = prepare(parsed);
        const [reply] = await (await sharedConnection()).send([command.args]);
        const fixed = command.fix?.(reply!) ?? reply!;
        if (fixed.type === "error") return error(400, fixed.value);
        return { status: 200, body: entry(fixed, base64) };
      }
      if (!Array.isArray(parsed) || parsed.length === 0) throw new BadRequest("ERR expected an array of commands");
      const commands = parsed.map(prepare);
      if (route === "/multi-exec") return await multiExec(commands, base64);
      const replies = await (await sharedConnection()).send(commands.map((c) => c.args));
      return { status: 200, body: `[${replies.map((r, i) => entry(commands[i]?.fix?.(r) ?? r, base64)).join(",")}]` };
    } catch (e) {
      if (e instanceof BadRequest) return error(400, e.message);
      return error(500, `bridge: unable to reach redis-server on port ${redisPort}: ${String(e)}`);
    }
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    served++;
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const answered = handle(request, Buffer.concat(chunks).toString("utf8")).catch((e: unknown) =>
        error(500, `bridge: ${String(e)}`),
      );
      answered.then(({ status, body }) => {
        response.writeHead(status, {
          "content-type": "application/json",
          "upstash-sync-token": `${instance}-${++sync}`,
        });
        response.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests: () => served,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const c of idle.splice(0)) c.close();
      (await shared?.catch(() => undefined))?.close();
    },
  };
}

function error(status: number, text: string) {
  return { status, body: JSON.stringify({ error: text }) };
}

/** RESP2 → JSON text. Integers keep their digits; with base64 every string is encoded except a top-level OK. */
function toJson(reply: Reply, base64: boolean, top: boolean): string {
  switch (reply.type) {
    case "integer":
      return reply.value;
    case "error":
      return JSON.stringify(reply.value);
    case "status":
    case "bulk": {
      const value = reply.value;
      if (value === null) return "null";
      const raw = reply.type === "status" && top && value.toString("latin1") === "OK";
      return JSON.stringify(base64 && !raw ? value.toString("base64") : value.toString("utf8"));
    }
    case "array":
      return reply.value === null ? "null" : `[${reply.value.map((r) => toJson(r, base64, false)).join(",")}]`;
  }
}

/** The script without Upstash's `allow-key-locking` shebang flag (stock Redis rejects it), or undefined. */
function withoutKeyLocking(script: string): string | undefined {
  if (!script.startsWith("#!lua")) return undefined;
  const newline = script.indexOf("\n");
  const first = newline < 0 ? script : script.slice(0, newline);
  const rest = newline < 0 ? "" : script.slice(newline);
  const tokens = first.slice("#!lua".length).trim().split(/\s+/).filter(Boolean);
  const flagsAt = tokens.findIndex((t) => t.startsWith("flags="));
  if (flagsAt < 0) return undefined;
  const flags = tokens[flagsAt]!.slice("flags=".length).split(",").filter(Boolean);
  if (!flags.includes("allow-key-locking")) return undefined;
  const kept = flags.filter((f) => f !== "allow-key-locking");
  if (kept.length > 0) tokens[flagsAt] = `flags=${kept.join(",")}`;
  else tokens.splice(flagsAt, 1);
  // An empty first line keeps Lua line numbers and runs the script like one without a shebang.
  return `${tokens.length > 0 ? `#!lua ${tokens.join(" ")}` : ""}${rest}`;
}
