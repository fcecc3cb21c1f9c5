// API Gateway events as the AWS documentation shows them (API Gateway developer guide:
// api-gateway-lambda-authorizer-input, http-api-lambda-authorizer, set-up-lambda-proxy-integrations,
// http-api-develop-integrations-lambda), each a fresh copy. `sourceIp` is the only field tests vary;
// `null` leaves it out.
import type {
  HttpApiAuthorizerEvent,
  ProxyEventV1,
  ProxyEventV2,
  RequestAuthorizerEvent,
  TokenAuthorizerEvent,
} from "../../lambda/events.ts";

const ip = (sourceIp: string | null) => (sourceIp === null ? {} : { sourceIp });

/** REST API TOKEN authorizer input. */
export function restTokenEvent(token = "allow"): TokenAuthorizerEvent {
  return {
    type: "TOKEN",
    authorizationToken: token,
    methodArn: "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/",
  };
}

/** REST API REQUEST authorizer input. */
export function restRequestEvent(sourceIp: string | null = "203.0.113.7"): RequestAuthorizerEvent {
  const event = {
    type: "REQUEST",
    methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request",
    resource: "/request",
    path: "/request",
    httpMethod: "GET",
    headers: {
      "X-AMZ-Date": "20170718T062915Z",
      Accept: "*/*",
      HeaderAuth1: "headerValue1",
      "CloudFront-Viewer-Country": "US",
      "CloudFront-Forwarded-Proto": "https",
      "CloudFront-Is-Tablet-Viewer": "false",
      "CloudFront-Is-Mobile-Viewer": "false",
      "User-Agent": "...",
      "X-Forwarded-For": `${sourceIp ?? "198.51.100.1"}, 70.132.20.89`,
    },
    multiValueHeaders: { HeaderAuth1: ["headerValue1"] },
    queryStringParameters: { QueryString1: "queryValue1" },
    multiValueQueryStringParameters: { QueryString1: ["queryValue1"] },
    pathParameters: {},
    stageVariables: { StageVar1: "stageValue1" },
    requestContext: {
      path: "/request",
      accountId: "123456789012",
      resourceId: "05c7jb",
      stage: "test",
      requestId: "e2e0fbd9-cf10-4c2a-8d1e-2a2b2b1b4a7f",
      identity: { apiKey: "...", ...ip(sourceIp), clientCert: null },
      resourcePath: "/request",
      httpMethod: "GET",
      apiId: "abcdef123",
    },
  };
  return event as RequestAuthorizerEvent;
}

/** What the console's "Test authorizer" sends: maps as `null`, and a `sourceIp` that is no address. */
export function consoleRequestEvent(): RequestAuthorizerEvent {
  const event = {
    type: "REQUEST",
    methodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test-invoke-stage/GET/request",
    resource: "/request",
    path: "/request",
    httpMethod: "GET",
    headers: null,
    multiValueHeaders: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      stage: "test-invoke-stage",
      requestId: "test-invoke-request",
      identity: { apiKey: "test-invoke-api-key", sourceIp: "test-invoke-source-ip" },
      apiId: "abcdef123",
    },
  };
  return event as RequestAuthorizerEvent;
}

/** HTTP API Lambda authorizer input, payload format 2.0. */
export function httpApiAuthorizerEvent(sourceIp: string | null = "203.0.113.7"): HttpApiAuthorizerEvent {
  const event = {
    version: "2.0",
    type: "REQUEST",
    routeArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request",
    identitySource: ["user1", "123"],
    routeKey: "$default",
    rawPath: "/my/path",
    rawQueryString: "parameter1=value1&parameter1=value2&parameter2=value",
    cookies: ["cookie1", "cookie2"],
    headers: { header1: "value1", header2: "value2", "x-api-key": "k-123" },
    queryStringParameters: { parameter1: "value1,value2", parameter2: "value" },
    requestContext: {
      accountId: "123456789012",
      apiId: "api-id",
      authentication: { clientCert: null },
      domainName: "id.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "id",
      http: { method: "POST", path: "/my/path", protocol: "HTTP/1.1", ...ip(sourceIp), userAgent: "agent" },
      requestId: "id",
      routeKey: "$default",
      stage: "$default",
      time: "12/Mar/2020:19:03:58 +0000",
      timeEpoch: 1583348638390,
    },
    pathParameters: { parameter1: "value1" },
    stageVariables: { stageVariable1: "value1", stageVariable2: "value2" },
  };
  return event as HttpApiAuthorizerEvent;
}

/** REST API proxy integration input (payload 1.0). */
export function proxyV1Event(sourceIp: string | null = "203.0.113.7"): ProxyEventV1 {
  const event = {
    resource: "/my/path",
    path: "/my/path",
    httpMethod: "GET",
    headers: { header1: "value1", header2: "value1,value2", "X-Api-Key": "k-123" },
    multiValueHeaders: { header1: ["value1"], header2: ["value1", "value2"], "X-Api-Key": ["k-123"] },
    queryStringParameters: { parameter1: "value1,value2", parameter2: "value" },
    multiValueQueryStringParameters: { parameter1: ["value1", "value2"], parameter2: ["value"] },
    requestContext: {
      accountId: "123456789012",
      apiId: "id",
      authorizer: { claims: null, scopes: null },
      domainName: "id.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "id",
      extendedRequestId: "request-id",
      httpMethod: "GET",
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        ...ip(sourceIp),
        user: null,
        userAgent: "user-agent",
        userArn: null,
        clientCert: null,
      },
      path: "/my/path",
      protocol: "HTTP/1.1",
      requestId: "id=",
      requestTime: "04/Mar/2020:19:15:17 +0000",
      requestTimeEpoch: 1583349317135,
      resourceId: null,
      resourcePath: "/my/path",
      stage: "$default",
    },
    pathParameters: null,
    stageVariables: null,
    body: "Hello from Lambda!",
    isBase64Encoded: false,
  };
  return event as ProxyEventV1;
}

/** HTTP API proxy integration input (payload 2.0). */
export function proxyV2Event(sourceIp: string | null = "203.0.113.7"): ProxyEventV2 {
  const event = {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/my/path",
    rawQueryString: "parameter1=value1&parameter1=value2&parameter2=value",
    cookies: ["cookie1", "cookie2"],
    headers: { header1: "value1", header2: "value1,value2", "x-api-key": "k-123" },
    queryStringParameters: { parameter1: "value1,value2", parameter2: "value" },
    requestContext: {
      accountId: "123456789012",
      apiId: "api-id",
      domainName: "id.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "id",
      http: { method: "POST", path: "/my/path", protocol: "HTTP/1.1", ...ip(sourceIp), userAgent: "agent" },
      requestId: "id",
      routeKey: "$default",
      stage: "$default",
      time: "12/Mar/2020:19:03:58 +0000",
      timeEpoch: 1583348638390,
    },
    body: "Hello from Lambda",
    pathParameters: { parameter1: "value1" },
    isBase64Encoded: false,
    stageVariables: { stageVariable1: "value1", stageVariable2: "value2" },
  };
  return event as ProxyEventV2;
}
