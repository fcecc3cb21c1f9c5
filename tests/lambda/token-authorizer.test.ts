import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizer, hashKey, type PolicyResult } from "../../lambda/index.ts";
import { restTokenEvent } from "./events.ts";
import { dynamoLimiter, limiterTable } from "./limiters.ts";

let table: Awaited<ReturnType<typeof limiterTable>>;
beforeAll(async () => {
  table = await limiterTable();
});
afterAll(() => table.db.destroy());

const effectOf = (result: unknown) => (result as PolicyResult).policyDocument.Statement[0].Effect;
// The table is this file's own and its tests run one after another, so a test's items are the ones it added.
const items = async () => (await table.db.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [];

describe("REST TOKEN authorizer", () => {
  it("refuses (401) a TOKEN event nobody verified: 50 invented tokens against a limit of 5 get no Allow", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 5) });
    const before = (await items()).length;
    const outcomes: string[] = [];
    for (let i = 0; i < 50; i++) {
      outcomes.push(await handler(restTokenEvent(`Bearer invented-${i}`)).then(effectOf, (e: Error) => e.message));
    }
    expect(outcomes).toEqual(new Array(50).fill("Unauthorized"));
    expect((await items()).length).toBe(before); // nothing was counted, so nothing was written
  });

  it("keys an authenticated token by its SHA-256 and never stores the token itself", async () => {
    const valid = new Set(["Bearer secret-token-4711", "Bearer another-token"]);
    const before = await items();
    const handler = createAuthorizer({
      limiter: dynamoLimiter(table, 1),
      authenticate: (event) => event.type === "TOKEN" && valid.has(event.authorizationToken),
    });
    const token = "Bearer secret-token-4711";
    const first = (await handler(restTokenEvent(token))) as PolicyResult;
    const second = (await handler(restTokenEvent(token))) as PolicyResult;
    const other = (await handler(restTokenEvent("Bearer another-token"))) as PolicyResult;
    expect(first.principalId).toBe(`token:${await hashKey(token)}`);
    expect(first.principalId).toMatch(/^token:sha256:[0-9a-f]{64}$/);
    expect(first.policyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Action: "execute-api:Invoke",
          Effect: "Allow",
          Resource: "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*",
        },
      ],
    });
    expect(effectOf(second)).toBe("Deny");
    expect(effectOf(other)).toBe("Allow");
    await expect(handler(restTokenEvent("Bearer invented"))).rejects.toThrow(/^Unauthorized$/);
    const all = await items();
    expect(JSON.stringify(all)).not.toContain("secret-token");
    expect(all.length - before.length).toBe(2); // the two valid tokens; the invented one wrote nothing
    expect(all.some((item) => item.pk?.S?.endsWith(first.principalId))).toBe(true);
  });

  it("uses key(event) when given, without authenticate: the choice is explicit", async () => {
    const handler = createAuthorizer({
      limiter: dynamoLimiter(table, 1),
      key: async (event) =>
        event.type === "TOKEN" ? `tenant:${await hashKey(event.authorizationToken.slice(0, 6))}` : undefined,
    });
    expect(effectOf(await handler(restTokenEvent("Bearer aaa")))).toBe("Allow");
    expect(effectOf(await handler(restTokenEvent("Bearer bbb")))).toBe("Deny");
  });

  it("still refuses a TOKEN event for which key(event) has no answer and nobody authenticated", async () => {
    const handler = createAuthorizer({ limiter: dynamoLimiter(table, 5), key: () => undefined });
    await expect(handler(restTokenEvent("Bearer invented"))).rejects.toThrow(/^Unauthorized$/);
  });
});
