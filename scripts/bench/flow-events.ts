// API Gateway (HTTP API, payload v2) events of one OAuth flow and readers of the handlers' answers.
import { randomBytes } from 'node:crypto';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';

/** The provider the benchmark connects: PKCE, an `iss` check and an id_token, the fullest callback path. */
export const BENCH_PROVIDER = 'google';
export const BENCH_ISSUER = 'https://accounts.google.com';

export interface Caller {
  userId: string;
  accountId: string;
}

function id(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('base64url')}`;
}

export function newCaller(): Caller {
  return { userId: id('user'), accountId: id('acct') };
}

function event(
  method: 'GET' | 'POST',
  path: string,
  options: {
    pathParameters: Record<string, string>;
    query?: Record<string, string>;
    body?: unknown;
    caller?: Caller;
  },
): HttpEvent {
  const rawQueryString = options.query ? new URLSearchParams(options.query).toString() : '';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString,
    queryStringParameters: options.query,
    headers: { 'content-type': 'application/json', 'user-agent': 'bench' },
    pathParameters: options.pathParameters,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'api.bench.invalid',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: id('req'),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      ...(options.caller ? { authorizer: { lambda: { ...options.caller } } } : {}),
    },
  } as HttpEvent;
}

/** POST /integrations/oauth/google/start, optionally for another account of the caller. */
export function startEvent(caller: Caller, body: Record<string, string> = {}): HttpEvent {
  return event('POST', `/integrations/oauth/${BENCH_PROVIDER}/start`, {
    pathParameters: { provider: BENCH_PROVIDER },
    body: { returnPath: '/sources', ...body },
    caller,
  });
}

/** GET /integrations/oauth/callback/google?state=..&code=..&iss=.. as the provider's redirect sends it. */
export function callbackEvent(state: string, code = id('code')): HttpEvent {
  return event('GET', `/integrations/oauth/callback/${BENCH_PROVIDER}`, {
    pathParameters: { provider: BENCH_PROVIDER },
    query: { state, code, scope: 'openid', iss: BENCH_ISSUER },
  });
}

/** POST /integrations/oauth/google/complete by the user who started the flow. */
export function completeEvent(caller: Caller, completion: string): HttpEvent {
  return event('POST', `/integrations/oauth/${BENCH_PROVIDER}/complete`, {
    pathParameters: { provider: BENCH_PROVIDER },
    body: { completion },
    caller,
  });
}

/** The state of a 200 start answer. */
export function stateOf(result: HttpResult): string {
  if (result.statusCode !== 200) throw new Error(`start answered ${result.statusCode}: ${result.body}`);
  return (JSON.parse(String(result.body)) as { state: string }).state;
}

/** What a callback redirect says: status, error code, completion id. */
export function redirectOf(result: HttpResult): { status?: string; error?: string; completion?: string } {
  if (result.statusCode !== 302) return { status: `http-${result.statusCode}` };
  const params = new URL(result.headers.location).searchParams;
  return {
    status: params.get('status') ?? undefined,
    error: params.get('error') ?? undefined,
    completion: params.get('completion') ?? undefined,
  };
}
