// One error type with a stable code; handlers map it to an HTTP status or a redirect code in one place.

/** Stable error codes: sent to clients as `error` (JSON) or `error=` (redirect). */
export const ERROR_CODES = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_provider: 404,
  invalid_request: 400,
  invalid_body: 400,
  invalid_return_path: 400,
  invalid_shop: 400,
  method_not_allowed: 405,
  source_not_found: 404,
  credentials_not_configured: 503,
  // The provider refused our client id or secret (invalid_client, unauthorized_client): the operator's fix.
  credentials_rejected: 503,
  // Callback outcomes (redirect codes); the status is used only if one reaches a JSON response.
  missing_state: 400,
  invalid_state: 400,
  expired_state: 400,
  provider_mismatch: 400,
  issuer_mismatch: 400,
  invalid_callback: 400,
  invalid_signature: 400,
  shop_mismatch: 400,
  access_denied: 400,
  provider_error: 400,
  invalid_grant: 400,
  provider_rejected: 502,
  provider_unavailable: 502,
  invalid_token_response: 502,
  identity_mismatch: 400,
  // Completion outcomes.
  invalid_completion: 400,
  expired_completion: 400,
  account_mismatch: 409,
  // Token access / refresh outcomes.
  needs_reauth: 409,
  disconnected: 409,
  retryable: 503,
  /** A rate-limit report that breaks the contract (clients/token-access/contract.ts). */
  invalid_report: 400,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An expected failure with a code clients can act on and a message that tells the user what to do.
 * @example throw new ServiceError('invalid_shop', 'shop must be a *.myshopify.com domain')
 */
export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** How long the provider asked us to wait (its `Retry-After`), when it said so. */
  readonly retryAfterMs?: number;
  /** The provider's own OAuth error code (RFC 6749 §5.2), where one caused this; safe to log. */
  readonly providerError?: string;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number; providerError?: string },
  ) {
    super(message, options);
    this.name = 'ServiceError';
    this.code = code;
    this.status = ERROR_CODES[code];
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options?.providerError !== undefined) this.providerError = options.providerError;
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}

/** Longest `detail` logged: an SDK or runtime message fits; a message that echoes a whole input does not. */
export const DETAIL_MAX_CHARS = 200;

/**
 * The log fields of a failure, one vocabulary for every handler: `error` (the stable code; internal_error for
 * anything unexpected) and, for an unexpected error only, `cause` (its name) and `detail` (its message, at most
 * DETAIL_MAX_CHARS). A SyntaxError's message is left out: JSON.parse quotes the text it failed on, which may be a
 * token response or an opened completion.
 * @example logger.error('oauth complete failed', failureFields(error))
 */
export function failureFields(error: unknown): { error: ErrorCode; cause?: string; detail?: string } {
  if (error instanceof ServiceError) return { error: error.code };
  const message = (error as Error)?.message;
  const detail =
    error instanceof SyntaxError || typeof message !== 'string'
      ? undefined
      : message.slice(0, DETAIL_MAX_CHARS);
  return { error: 'internal_error', cause: (error as Error)?.name, detail };
}
