// The one builder of API Gateway HTTP API (payload v2) events for handler, flow and webhook tests.
import { randomBytes } from 'node:crypto';
import type { HttpEvent } from '../../lambda/shared/http';

export interface EventOptions {
  method?: string;
  path?: string;
  pathParameters?: Record<string, string>;
  /** The route key API Gateway matched (default `<method> <path>`). */
  routeKey?: string;
  query?: Record<string, string> | URLSearchParams;
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
  isBase64Encoded?: boolean;
  caller?: { userId: string; accountId: string } | null;
  headers?: Record<string, string>;
}

export function httpEvent(o: EventOptions): HttpEvent {
  const query =
    o.query instanceof URLSearchParams ? o.query : o.query ? new URLSearchParams(o.query) : undefined;
  const routeKey = o.routeKey ?? `${o.method ?? 'GET'} ${o.path ?? '/'}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: o.path ?? '/',
    rawQueryString: query?.toString() ?? '',
    queryStringParameters: query ? Object.fromEntries(query) : undefined,
    headers: o.headers ?? {},
    pathParameters: o.pathParameters,
    body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    isBase64Encoded: o.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: o.method ?? 'GET',
        path: o.path ?? '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
      requestId: `req_${randomBytes(6).toString('hex')}`,
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(o.caller
        ? { authorizer: { lambda: { userId: o.caller.userId, accountId: o.caller.accountId } } }
        : {}),
    },
  } as HttpEvent;
}
