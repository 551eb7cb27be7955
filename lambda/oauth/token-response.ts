// Token endpoint responses (RFC 6749 §5.1/§5.2) checked and normalised, provider quirks taken from the registry.
import * as v from 'valibot';
import type { ProviderEntry } from '../providers/types';
import { ServiceError } from '../shared/errors';

export interface ProviderResponse {
  status: number;
  contentType: string;
  body: string;
  /** The answer's `Retry-After` header (RFC 9110 §10.2.3: seconds or an HTTP date), when it sent one. */
  retryAfter?: string;
}

/** The normalised outcome of a successful token request. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
  /** Granted scopes; the requested ones when the provider does not echo them. */
  scopes: string[];
  /** Absolute expiry (epoch ms); null when the provider documents non-expiring tokens. */
  expiresAt: number | null;
  /** When the refresh token expires (epoch ms), where the provider reports it. */
  refreshTokenExpiresAt?: number;
  /** The raw JSON object, for identity fields. Never logged. */
  fields: Record<string, unknown>;
}

const numeric = v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number))]);

const TokenBody = v.looseObject({
  access_token: v.pipe(v.string(), v.minLength(1), v.maxLength(8192)),
  token_type: v.optional(v.string()),
  refresh_token: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(8192))),
  expires_in: v.optional(v.nullable(numeric)),
  scope: v.optional(v.union([v.string(), v.array(v.string())])),
  // HubSpot reports the granted scopes as a `scopes` array instead of RFC 6749's `scope` string;
  // an unexpected shape here is ignored rather than failing an otherwise valid token response.
  scopes: v.fallback(v.optional(v.array(v.string())), undefined),
  // The refresh token's own lifetime in seconds (Shopify's expiring offline tokens; QuickBooks prefixes it
  // with x_). Unusable values are ignored: the registry's idle lifetime still applies.
  refresh_token_expires_in: v.fallback(v.optional(numeric), undefined),
  x_refresh_token_expires_in: v.fallback(v.optional(numeric), undefined),
});

const ErrorBody = v.looseObject({ error: v.string() });

function parseJson(response: ProviderResponse): unknown {
  if (!/\bjson\b/i.test(response.contentType) && !/^\s*\{/.test(response.body)) return undefined;
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}

/** Longest wait a `Retry-After` is taken at (a day): beyond that it is treated as a day. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/** Milliseconds a `Retry-After` asks for (delay seconds or an HTTP date), undefined when unreadable. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/**
 * OAuth errors that name our client, not the user's grant (RFC 6749 §5.2): a rotated or mistyped client
 * secret, or an app the provider no longer lets use this grant.
 */
const CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client']);

/** Maps an error answer of a token endpoint to the outcome the caller acts on. */
export function tokenErrorOutcome(response: ProviderResponse, now: number = Date.now()): ServiceError {
  const json = parseJson(response);
  const error = v.is(ErrorBody, json) ? json.error : undefined;
  if (response.status === 429 || response.status >= 500) {
    const wait = retryAfterMs(response.retryAfter, now);
    return new ServiceError(
      'provider_unavailable',
      `provider answered ${response.status}; try again later`,
      wait === undefined ? undefined : { retryAfterMs: wait },
    );
  }
  if (error === 'invalid_grant') {
    return new ServiceError('invalid_grant', 'the authorization was rejected as expired, used or revoked');
  }
  if (error !== undefined && CLIENT_ERRORS.has(error)) {
    return new ServiceError(
      'credentials_rejected',
      `the provider refused this service's client credentials (${error}); an operator must check them`,
      { providerError: error },
    );
  }
  return new ServiceError(
    'provider_rejected',
    `provider refused the token request (${response.status}${error ? ` ${error.slice(0, 40)}` : ''})`,
  );
}

/**
 * Checks a token response and returns the normalised token set.
 * @throws ServiceError invalid_grant | provider_rejected | provider_unavailable | invalid_token_response
 */
export function processTokenResponse(
  provider: ProviderEntry,
  response: ProviderResponse,
  now: number,
): TokenSet {
  if (response.status !== 200) throw tokenErrorOutcome(response, now);
  const json = parseJson(response);
  if (json === undefined) {
    throw new ServiceError('invalid_token_response', 'provider answered with a body that is not JSON');
  }
  const parsed = v.safeParse(TokenBody, json);
  if (!parsed.success) {
    // A 200 carrying an error object (some providers do this) is still an error.
    if (v.is(ErrorBody, json)) throw tokenErrorOutcome({ ...response, status: 400 }, now);
    const key = v.getDotPath(parsed.issues[0]) ?? 'body';
    throw new ServiceError('invalid_token_response', `token response field ${key} is missing or malformed`);
  }
  const body = parsed.output;
  const tokenType = body.token_type ?? 'bearer';
  if (tokenType.toLowerCase() !== 'bearer') {
    throw new ServiceError('invalid_token_response', 'token response token_type is not bearer');
  }
  let expiresAt: number | null;
  if (typeof body.expires_in === 'number' && body.expires_in > 0) {
    expiresAt = now + body.expires_in * 1000;
  } else {
    const fallback = provider.tokens.expiresInWhenMissing;
    expiresAt = fallback === 'never' ? null : now + fallback * 1000;
  }
  const granted = body.scope ?? body.scopes;
  const scopes =
    granted === undefined
      ? [...provider.scopes]
      : Array.isArray(granted)
        ? granted
        : granted.split(/[ ,]+/).filter(Boolean);
  const refreshLifetime = body.refresh_token_expires_in ?? body.x_refresh_token_expires_in;
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    tokenType,
    scopes,
    expiresAt,
    ...(body.refresh_token && refreshLifetime ? { refreshTokenExpiresAt: now + refreshLifetime * 1000 } : {}),
    fields: json as Record<string, unknown>,
  };
}
