// The one place the demo handlers read the environment. template.yaml sets every variable listed here on
// both functions, and tests/lambda/template.test.ts checks that it does.

/** The environment variables the demo handlers read, by role. */
export const DEMO_ENV = Object.freeze({
  /** The DynamoDB table (`!Ref LimiterTable`). Required. */
  tableName: "TABLE_NAME",
  /** Requests per period per client, a whole number (`gcra`'s `limit`; its burst too). Required. */
  limit: "RATE_LIMIT",
  /** The period, a duration such as `60s` or `1m`. Required. */
  period: "RATE_PERIOD",
  /** How the authorizer answers HTTP API events: `simple`, `iam` or `allow-with-context`. Required. */
  httpApiMode: "HTTP_API_MODE",
});

export type DemoEnvName = keyof typeof DEMO_ENV;

/** The value of a demo variable; throws naming the variable when it is unset or empty (fails the cold start). */
export function readEnv(name: DemoEnvName): string {
  const variable = DEMO_ENV[name];
  const value = process.env[variable];
  if (value === undefined || value === "") {
    throw new Error(`[edgelimit] [lambda] demo: environment variable ${variable} is not set`);
  }
  return value;
}
