// API Gateway HTTP API (payload v2) plumbing: caller identity, JSON bodies and responses, redirects.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ServiceError } from './errors';

export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { lambda?: Record<string, unknown> };
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** The caller named by the core authorizer (requestContext.authorizer.lambda). */
export interface Caller {
  userId: string;
  accountId: string;
}

const ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Reads userId and accountId from the authorizer context; 401 when either is missing or malformed. */
export function callerOf(event: HttpEvent): Caller {
  const ctx = event?.requestContext?.authorizer?.lambda;
  const userId = ctx?.userId;
  const accountId = ctx?.accountId;
  if (
    typeof userId !== 'string' ||
    typeof accountId !== 'string' ||
    !ID.test(userId) ||
    !ID.test(accountId)
  ) {
    throw new ServiceError('unauthorized', 'sign in first: the request carries no user and account');
  }
  return { userId, accountId };
}

/**
 * The request body as a parsed JSON object; an absent body is `{}`. 400 for anything else: invalid JSON,
 * an array, null or a bare value (a schema of objects alone would let an array through).
 */
export function jsonBody(event: HttpEvent): Record<string, unknown> {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'string' || raw.length > 16_384)
    throw new ServiceError('invalid_body', 'the body must be a JSON object of at most 16 KB');
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ServiceError('invalid_body', 'the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ServiceError('invalid_body', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

export function json(status: number, body: unknown): HttpResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...SECURITY_HEADERS },
    body: JSON.stringify(body),
  };
}

/** JSON error `{ error, message }`; unexpected errors become a 500 without internals. */
export function errorResponse(error: unknown): HttpResult {
  if (error instanceof ServiceError) return json(error.status, { error: error.code, message: error.message });
  return json(500, { error: 'internal_error', message: 'something went wrong on our side; try again' });
}

/** 302 to `location` with headers that keep the callback URL out of referrers and caches (RFC 9700 §4.2.4). */
export function redirect(location: string): HttpResult {
  return { statusCode: 302, headers: { location, ...SECURITY_HEADERS }, body: '' };
}

/** Query parameters as single strings: a repeated parameter is refused rather than guessed at. */
export function queryOf(event: HttpEvent): { params: Record<string, string>; repeated: boolean } {
  const params: Record<string, string> = {};
  let repeated = false;
  const q = event?.queryStringParameters ?? {};
  for (const [key, value] of Object.entries(q)) {
    if (typeof value !== 'string') continue;
    // HTTP API joins repeated parameters with commas in queryStringParameters; rawQueryString tells.
    params[key] = value;
  }
  const raw = typeof event?.rawQueryString === 'string' ? event.rawQueryString : '';
  if (raw) {
    const seen = new Set<string>();
    for (const [key] of new URLSearchParams(raw)) {
      if (seen.has(key)) repeated = true;
      seen.add(key);
    }
    // Prefer exact values from the raw query (commas inside values stay intact).
    const parsed = new URLSearchParams(raw);
    for (const key of seen) params[key] = parsed.get(key) ?? '';
  }
  return { params, repeated };
}
