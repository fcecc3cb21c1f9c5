// The demo handlers that template.yaml deploys, imported as Lambda would (module scope = cold start) with
// the environment the template sets, against DynamoDB Local.
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type { PolicyResult, SimpleResult } from "../../lambda/index.ts";
import { client, createTable } from "../dynamodb/tables.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../support/dynamodb-local.ts";
import { httpApiAuthorizerEvent, proxyV2Event, restRequestEvent } from "./events.ts";
import { loadTemplate, ROOT } from "./template.ts";

const saved = { ...process.env };
const db = client();
let tableName: string;

beforeAll(async () => {
  tableName = await createTable(db, "demo");
});
afterAll(() => db.destroy());
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

/** The variables template.yaml sets on the function (parameter defaults, RATE_LIMIT 2), plus what Lambda sets. */
function deployEnvironment(fn: string, endpoint: string) {
  const template = loadTemplate();
  const variables = template.Resources[fn].Properties.Environment.Variables as Record<string, { Ref: string }>;
  const values: Record<string, string> = { LimiterTable: tableName, RateLimit: "2", RatePeriod: "1d" };
  for (const [name, { Ref }] of Object.entries(variables)) {
    process.env[name] = values[Ref] ?? String(template.Parameters[Ref].Default);
  }
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  });
}

describe("demo handlers", () => {
  it("authorizer: Allow, Allow, Deny on REST; allow-with-context on HTTP API; the api answers 429 from it", async () => {
    deployEnvironment("AuthorizerFunction", inject("dynamoDbEndpoint"));
    const { handler: authorizer } = await import("../../lambda/demo/authorizer.ts");
    const rest = [];
    for (let i = 0; i < 3; i++) rest.push((await authorizer(restRequestEvent("192.0.2.10"))) as PolicyResult);
    expect(rest.map((r) => r.policyDocument.Statement[0].Effect)).toEqual(["Allow", "Allow", "Deny"]);
    expect(Number(rest[2]!.context.rl_retry_after)).toBeGreaterThan(0);

    const http = (await authorizer(httpApiAuthorizerEvent("192.0.2.10"))) as SimpleResult;
    expect(http).toMatchObject({ isAuthorized: true, context: { rl_status: "limited" } });

    deployEnvironment("ApiFunction", inject("dynamoDbEndpoint"));
    const { handler: api } = await import("../../lambda/demo/api.ts");
    const behind = { ...proxyV2Event("192.0.2.10"), requestContext: { authorizer: { lambda: http.context } } };
    expect((await api(behind)).statusCode).toBe(429);
    // /open has no authorizer: the backend's own limiter decides, on the same table.
    expect((await api(proxyV2Event("192.0.2.11"))).statusCode).toBe(200);
    expect((await api(proxyV2Event("192.0.2.11"))).statusCode).toBe(200);
    expect((await api(proxyV2Event("192.0.2.11"))).statusCode).toBe(429);
  });

  it("makes no request at import: a cold start with an unreachable endpoint loads", async () => {
    deployEnvironment("AuthorizerFunction", "http://127.0.0.1:9");
    const module = await import("../../lambda/demo/authorizer.ts");
    expect(typeof module.handler).toBe("function");
  });

  it("fails the cold start naming a missing variable", async () => {
    deployEnvironment("AuthorizerFunction", "http://127.0.0.1:9");
    delete process.env.TABLE_NAME;
    await expect(import("../../lambda/demo/authorizer.ts")).rejects.toThrow(
      "[edgelimit] [lambda] demo: environment variable TABLE_NAME is not set",
    );
  });

  it("builds with the template's esbuild properties into the file its Handler names, which answers", async () => {
    const template = loadTemplate();
    const fn = template.Resources.AuthorizerFunction;
    const props = fn.Metadata.BuildProperties;
    // Under the repo so that the external @aws-sdk resolves from node_modules, as the runtime's copy would.
    const outdir = join(ROOT, "node_modules/.cache/edgelimit-sam-build");
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    await build({
      entryPoints: props.EntryPoints.map((entry: string) => join(ROOT, fn.Properties.CodeUri, entry)),
      bundle: true,
      platform: "node",
      format: "cjs", // SAM's default
      minify: props.Minify,
      target: props.Target,
      external: props.External,
      outdir,
      logLevel: "silent",
    });
    const [file, exported] = fn.Properties.Handler.split(".");
    deployEnvironment("AuthorizerFunction", inject("dynamoDbEndpoint"));
    const bundle = createRequire(import.meta.url)(join(outdir, `${file}.js`));
    const result = (await bundle[exported](restRequestEvent("192.0.2.20"))) as PolicyResult;
    expect(result.policyDocument.Statement[0].Effect).toBe("Allow");
    expect(result.context).toMatchObject({ rl_status: "allowed", rl_limit: 2, rl_remaining: 1 });
    rmSync(outdir, { recursive: true, force: true });
  });
});
