// The token-access payloads: what the jobs service sends and gets back; shared by the handler and the client.

/** The providers a connection can belong to (the registry's ids). */
export type ProviderName =
  'google' | 'hubspot' | 'gohighlevel' | 'dropbox' | 'box' | 'quickbooks' | 'shopify' | 'keap' | 'stripe';

/** A source of an account: the key of a connection. */
export interface SourceRef {
  accountId: string;
  sourceId: string;
}

/**
 * A rate-limit report in numbers, as a job read it from the provider's answer. At least one field.
 * `resetAt` is ISO 8601 with a zone; `retryAfterSeconds` is the provider's wait (Retry-After).
 */
export interface RateLimitReport {
  remaining?: number;
  limit?: number;
  resetAt?: string;
  retryAfterSeconds?: number;
}

/**
 * The connection's current rate-limit state, carried by every token answer so that parallel jobs on one
 * connection back off together. `notBefore` is set while the provider asked to wait: no call before it.
 */
export interface RateLimitHint {
  notBefore?: string;
  remaining?: number;
  limit?: number;
  resetAt?: string;
  /** When the last report arrived (our clock). */
  reportedAt: string;
}

/** A token for a source: what a job needs to call the provider. */
export interface AccessToken {
  accessToken: string;
  /** ISO 8601; null when the provider's access tokens do not expire (Shopify offline, Stripe). */
  expiresAt: string | null;
  provider: ProviderName;
  tokenType: string;
  scopes: string[];
  /** Provider account identifiers (shop, realmId, stripeAccountId, hubId, ...). */
  externalAccount: Record<string, string>;
  /** The connection's rate-limit hint; null when no job reported one. */
  rateLimit: RateLimitHint | null;
}

/** The answer to a rate-limit report: the hint every token answer now carries. */
export interface RateLimitAnswer {
  rateLimit: RateLimitHint;
}

/** Ask for a token. */
export type TokenRequest = SourceRef;

/** Ask for a token after the provider refused `rejectedAccessToken` (401). */
export interface RejectedTokenRequest extends SourceRef {
  rejectedAccessToken: string;
}

/** Report a rate limit in numbers. */
export interface RateLimitReportRequest extends SourceRef {
  rateLimit: RateLimitReport;
}

/**
 * Report a rate limit as the provider's raw response headers (names in any case); the provider registry
 * knows which headers carry what. `status` is the HTTP status of that answer (429 when throttled).
 */
export interface RateLimitHeadersRequest extends SourceRef {
  rateLimitHeaders: Record<string, string>;
  status?: number;
}

export type TokenAccessRequest =
  TokenRequest | RejectedTokenRequest | RateLimitReportRequest | RateLimitHeadersRequest;

/**
 * Every error code token-access answers with, and what a job should do:
 * `retry` (after `retryAfterSeconds` when given), `skip` (the source needs a user), `fix_caller`,
 * `operator` (a stage setup step is missing), `retry_later` (hours, not seconds).
 */
export const TOKEN_ACCESS_ERRORS = {
  retryable: 'retry',
  needs_reauth: 'skip',
  disconnected: 'skip',
  source_not_found: 'fix_caller',
  invalid_request: 'fix_caller',
  invalid_report: 'fix_caller',
  credentials_not_configured: 'operator',
  // The provider refused the service's own client id or secret (invalid_client): not the source's fault.
  credentials_rejected: 'operator',
  provider_rejected: 'retry_later',
  invalid_token_response: 'retry_later',
  internal_error: 'retry',
} as const;

export type TokenAccessErrorCode = keyof typeof TOKEN_ACCESS_ERRORS;
export type JobAction = (typeof TOKEN_ACCESS_ERRORS)[TokenAccessErrorCode];

/** Why a connection needs a reconnect, where the answer names it. */
export type ReauthReason =
  'invalid_grant' | 'refresh_failing' | 'tokens_missing' | 'no_refresh_token' | 'rejected_after_refresh';

/** A refused call: a stable code, a message for people, and a wait where one is known. */
export interface TokenAccessFailure {
  error: TokenAccessErrorCode;
  message: string;
  /** With `retryable`: do not ask again before this many seconds. */
  retryAfterSeconds?: number;
  /** With `needs_reauth`, where the cause is known. */
  reason?: ReauthReason;
}

export type TokenAnswer = AccessToken | TokenAccessFailure;
export type ReportAnswer = RateLimitAnswer | TokenAccessFailure;

export function isTokenAccessErrorCode(code: string): code is TokenAccessErrorCode {
  return Object.prototype.hasOwnProperty.call(TOKEN_ACCESS_ERRORS, code);
}

export function isFailure(answer: unknown): answer is TokenAccessFailure {
  return (
    typeof answer === 'object' && answer !== null && typeof (answer as { error?: unknown }).error === 'string'
  );
}

/** Bounds a report must keep (checked by the handler; the client checks nothing twice). */
export const REPORT_LIMITS = {
  /** Counts (remaining, limit) are integers up to this. */
  maxCount: 1_000_000_000,
  /** A provider's wait is at most a day. */
  maxRetryAfterSeconds: 86_400,
  /** `resetAt` lies within this many seconds of now (either side). */
  maxResetSkewSeconds: 7 * 86_400,
  maxHeaders: 64,
  maxHeaderNameLength: 128,
  maxHeaderValueLength: 512,
} as const;
