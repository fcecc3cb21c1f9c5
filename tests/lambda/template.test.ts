import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createAuthorizer, decisionContext } from "../../lambda/index.ts";
import { createRateLimiter, fixedWindow } from "../../src/index.ts";
import { createTableInput, dynamoDbStore, timeToLiveInput } from "../../src/stores/dynamodb.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { client, createTable } from "../dynamodb/tables.ts";
import { dynamicEnvReads, envReadBy, type Json, loadTemplate, ROOT, storeActions } from "./template.ts";

const template = loadTemplate();
const resources: Record<string, Json> = template.Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functions = ofType("AWS::Serverless::Function");
const restApi = resources.RestApi.Properties;
const httpApi = resources.HttpApi.Properties;

describe("template.yaml", () => {
  it("is a SAM template whose table matches the DynamoDB store's key schema, billing and TTL", () => {
    expect(template.Transform).toBe("AWS::Serverless-2016-10-31");
    const [[, table]] = ofType("AWS::DynamoDB::Table") as [[string, Json]];
    const { TableName: _, ...expected } = createTableInput("any");
    expect(table.Properties).toMatchObject(expected);
    expect(table.Properties.TimeToLiveSpecification).toEqual(timeToLiveInput("any").TimeToLiveSpecification);
  });

  it("retains every stateful resource on stack deletion and on replacement (cfn-lint I3011)", () => {
    // cfn-lint is a PyPI package, out of reach here (only npm and Debian are); this is its I3011 check for the types
    // this template can hold state in.
    const stateful = Object.entries(resources).filter(([, r]) =>
      [
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::Serverless::SimpleTable",
      ].includes(r.Type),
    );
    expect(stateful.map(([name]) => name)).toEqual(["LimiterTable"]);
    for (const [name, resource] of stateful) {
      expect({
        name,
        DeletionPolicy: resource.DeletionPolicy,
        UpdateReplacePolicy: resource.UpdateReplacePolicy,
      }).toEqual({ name, DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    }
  });

  it("turns authorizer caching off on every authorizer of both APIs", () => {
    const authorizers = [
      ...Object.values(restApi.Auth.Authorizers as Json[]),
      ...Object.values(httpApi.Auth.Authorizers as Json[]),
    ];
    expect(authorizers).toHaveLength(2);
    for (const authorizer of authorizers) expect(authorizer.Identity.ReauthorizeEvery).toBe(0);
    expect(restApi.Auth.Authorizers[restApi.Auth.DefaultAuthorizer].FunctionPayloadType).toBe("REQUEST");
    expect(httpApi.Auth.Authorizers[httpApi.Auth.DefaultAuthorizer]).toMatchObject({
      FunctionArn: { "Fn::GetAtt": ["AuthorizerFunction", "Arn"] },
      AuthorizerPayloadFormatVersion: "2.0",
      EnableSimpleResponses: true,
      EnableFunctionDefaultPermissions: true,
    });
  });

  it("maps ACCESS_DENIED on the REST API to 429 with Retry-After from the authorizer context", async () => {
    const response = restApi.GatewayResponses.ACCESS_DENIED;
    expect(response.StatusCode).toBe("429");
    expect(response.ResponseParameters.Headers["Retry-After"]).toBe("context.authorizer.rl_retry_after");
    // Every context value the gateway response reads is one the authorizer sets on a denial.
    const limiter = createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 1, window: "1m" })] });
    await limiter.limit("k");
    const denial = decisionContext(await limiter.limit("k"));
    const templates = JSON.stringify(response.ResponseTemplates);
    const mapped = [
      ...Object.values(response.ResponseParameters.Headers as Record<string, string>),
      ...Array.from(templates.matchAll(/\$context\.(authorizer\.\w+)/g), (m) => m[1]!),
    ].filter((source) => source.startsWith("context.authorizer.") || source.startsWith("authorizer."));
    expect(mapped.length).toBeGreaterThan(1);
    for (const source of mapped) expect(Object.keys(denial)).toContain(source.split(".").pop());
    const body = response.ResponseTemplates["application/json"].replace(/\$context\.authorizer\.\w+/g, "50");
    expect(JSON.parse(body)).toMatchObject({ status: 429, title: "Too Many Requests" });
  });

  it("builds current Node.js async handlers on arm64 with esbuild, entry points exporting handler", () => {
    expect(template.Globals.Function.Runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect(template.Globals.Function.Architectures).toEqual(["arm64"]);
    expect(functions.map(([name]) => name).sort()).toEqual(["ApiFunction", "AuthorizerFunction"]);
    for (const [, fn] of functions) {
      expect(fn.Metadata.BuildMethod).toBe("esbuild");
      const [entry] = fn.Metadata.BuildProperties.EntryPoints as string[];
      const module = entry!.split("/").pop()!.replace(/\.ts$/, "");
      expect(fn.Properties.Handler).toBe(`${module}.handler`);
      expect(readFileSync(join(ROOT, entry!), "utf8")).toMatch(/export const handler = /);
    }
  });

  it("sets exactly the environment variables each handler reads", () => {
    const lambdaFiles = ["demo", "."].flatMap((dir) =>
      readdirSync(join(ROOT, "lambda", dir))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join("lambda", dir, f)),
    );
    expect(dynamicEnvReads(lambdaFiles)).toEqual(["lambda/demo/env.ts"]); // readEnv, the one computed read
    const reads = Object.fromEntries(
      functions.map(([name, fn]) => [name, envReadBy(fn.Metadata.BuildProperties.EntryPoints[0])]),
    );
    expect(reads).toEqual({
      AuthorizerFunction: ["HTTP_API_MODE", "RATE_LIMIT", "RATE_PERIOD", "TABLE_NAME"],
      ApiFunction: ["RATE_LIMIT", "RATE_PERIOD", "TABLE_NAME"],
    });
    for (const [name, fn] of functions) {
      expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(reads[name]);
      expect(fn.Properties.Environment.Variables.TABLE_NAME).toEqual({ Ref: "LimiterTable" });
    }
    // The HTTP API mode choices are the ones createAuthorizer accepts.
    const limiter = createRateLimiter({ store: memoryStore(), rules: [fixedWindow({ limit: 1, window: "1m" })] });
    for (const mode of template.Parameters.HttpApiMode.AllowedValues) {
      expect(() => createAuthorizer({ limiter, httpApiMode: mode })).not.toThrow();
    }
  });

  it("grants exactly the item actions the store sends, on the limiter table only", () => {
    expect(storeActions()).toEqual(["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem"]);
    for (const [, fn] of functions) {
      const statements = (fn.Properties.Policies as Json[]).flatMap((policy) => policy.Statement);
      expect(statements).toEqual([
        { Effect: "Allow", Action: expect.any(Array), Resource: { "Fn::GetAtt": ["LimiterTable", "Arn"] } },
      ]);
      expect([...statements[0].Action].sort()).toEqual(storeActions());
    }
  });

  it("outputs the URLs of both APIs", () => {
    expect(template.Outputs.RestApiUrl.Value["Fn::Sub"]).toMatch(/^https:\/\/\$\{RestApi\}\.execute-api\./);
    expect(template.Outputs.HttpApiUrl.Value["Fn::Sub"]).toMatch(/^https:\/\/\$\{HttpApi\}\.execute-api\./);
  });
});

describe("the store's requests at run time", () => {
  const db = client();
  afterAll(() => db.destroy());

  it("are only operations the template grants", async () => {
    const sent = new Set<string>();
    const recording = {
      send: ((command: { constructor: { name: string } }, options?: unknown) => {
        sent.add(`dynamodb:${command.constructor.name.replace(/Command$/, "")}`);
        return db.send(command as never, options as never);
      }) as typeof db.send,
    };
    const limiter = createRateLimiter({
      store: dynamoDbStore({ client: recording, tableName: await createTable(db, "iam"), coldKey: "read" }),
      rules: [fixedWindow({ limit: 1, window: "1m" })],
    });
    await limiter.limit("a");
    await limiter.limit("a");
    await limiter.peek("a");
    await limiter.reset("a");
    await limiter.health();
    expect([...sent].sort()).toEqual(storeActions());
  });
});
