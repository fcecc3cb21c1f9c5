// The API Gateway event and result shapes this adapter reads and writes, typed here rather than through
// @types/aws-lambda. Every map is nullable: the console's test tools send `null` for empty ones.

/** Header or parameter maps as API Gateway sends them: absent, `null`, or values that may be `undefined`. */
export type StringMap = Record<string, string | undefined> | null | undefined;

/** REST API `TOKEN` authorizer input. */
export interface TokenAuthorizerEvent {
  type: "TOKEN";
  /** The value of the token source header (for example `Authorization`). */
  authorizationToken: string;
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{resource path}`. */
  methodArn: string;
}

/** REST API `REQUEST` authorizer input (payload 1.0; an HTTP API with format 1.0 sends the same shape). */
export interface RequestAuthorizerEvent {
  type: "REQUEST";
  version?: "1.0";
  methodArn: string;
  resource?: string;
  path?: string;
  httpMethod?: string;
  headers?: StringMap;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: StringMap;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  pathParameters?: StringMap;
  stageVariables?: StringMap;
  requestContext?: {
    apiId?: string;
    stage?: string;
    requestId?: string;
    identity?: { sourceIp?: string | null; apiKey?: string | null; userAgent?: string | null } | null;
  } | null;
}

/** HTTP API Lambda authorizer input, payload format 2.0. */
export interface HttpApiAuthorizerEvent {
  version: "2.0";
  type: "REQUEST";
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}`. */
  routeArn: string;
  identitySource?: string[] | null;
  routeKey?: string;
  rawPath?: string;
  rawQueryString?: string;
  cookies?: string[];
  headers?: StringMap;
  queryStringParameters?: StringMap;
  pathParameters?: StringMap;
  stageVariables?: StringMap;
  requestContext?: HttpRequestContext;
}

interface HttpRequestContext {
  apiId?: string;
  requestId?: string;
  routeKey?: string;
  stage?: string;
  timeEpoch?: number;
  http?: { method?: string; path?: string; protocol?: string; sourceIp?: string | null; userAgent?: string } | null;
  /** Present on proxy events behind a Lambda authorizer; simple-response context sits under `lambda`. */
  authorizer?: { lambda?: Record<string, unknown> | null } | null;
}

/** Any event `createAuthorizer`'s handler accepts. */
export type AuthorizerEvent = TokenAuthorizerEvent | RequestAuthorizerEvent | HttpApiAuthorizerEvent;

/** Authorizer context values: the REST rules allow strings, numbers and booleans; keys use `_` only. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/** The IAM form of an authorizer result (REST APIs; HTTP APIs with simple responses off). */
export interface PolicyResult {
  principalId: string;
  policyDocument: {
    Version: "2012-10-17";
    Statement: [{ Action: "execute-api:Invoke"; Effect: "Allow" | "Deny"; Resource: string }];
  };
  context: AuthorizerContext;
}

/** An HTTP API simple response (payload 2.0 with `EnableSimpleResponses`). */
export interface SimpleResult {
  isAuthorized: boolean;
  context: AuthorizerContext;
}

/** REST API (payload 1.0) proxy integration event: the fields the wrapper reads. */
export interface ProxyEventV1 {
  version?: "1.0";
  httpMethod: string;
  path?: string;
  resource?: string;
  headers?: StringMap;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: StringMap;
  requestContext?: {
    identity?: { sourceIp?: string | null } | null;
    /** A REST Lambda authorizer's context, values stringified. */
    authorizer?: Record<string, unknown> | null;
  } | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** HTTP API payload 2.0 proxy integration event: the fields the wrapper reads. */
export interface ProxyEventV2 {
  version: "2.0";
  routeKey?: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: StringMap;
  requestContext?: HttpRequestContext;
  body?: string;
  isBase64Encoded?: boolean;
}

/** A proxy integration event of either payload version. */
export type ProxyEvent = ProxyEventV1 | ProxyEventV2;

/** A payload 1.0 proxy result. */
export interface ProxyResultV1 {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** A payload 2.0 proxy result: an object with `statusCode`, or anything else, which API Gateway sends as JSON. */
export interface ProxyResultV2Structured {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/** What a wrapped handler may return. */
export type ProxyResult = ProxyResultV1 | ProxyResultV2Structured | string | Record<string, unknown> | undefined;
