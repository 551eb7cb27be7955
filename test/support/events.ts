// Builders of API Gateway HTTP API (payload v2) events for handler tests.
import type { HttpEvent } from '../../lambda/shared/http';

export interface EventOptions {
  method?: string;
  path?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  caller?: { userId: string; accountId: string } | null;
  headers?: Record<string, string>;
}

export function httpEvent(o: EventOptions): HttpEvent {
  const raw = o.query ? new URLSearchParams(o.query).toString() : '';
  return {
    version: '2.0',
    routeKey: `${o.method ?? 'GET'} ${o.path ?? '/'}`,
    rawPath: o.path ?? '/',
    rawQueryString: raw,
    queryStringParameters: o.query,
    headers: o.headers ?? {},
    pathParameters: o.pathParameters,
    body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    isBase64Encoded: false,
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
      requestId: 'req',
      routeKey: `${o.method ?? 'GET'} ${o.path ?? '/'}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(o.caller ? { authorizer: { lambda: o.caller } } : {}),
    },
  } as HttpEvent;
}
