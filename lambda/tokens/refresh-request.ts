// The refresh grant at the provider (RFC 6749 §6) with bounded, jittered retries inside a deadline.
import type { ClientCredentials } from '../oauth/http-request';
import { buildTokenRequest } from '../oauth/token-request';
import { processTokenResponse, type TokenSet } from '../oauth/token-response';
import { TransportError, send } from '../oauth/transport';
import type { ProviderEntry } from '../providers/types';
import { ServiceError } from '../shared/errors';
import { timeTokenCall } from '../metrics/emit';
import { ATTEMPT_TIMEOUT_MS, REFRESH_ATTEMPTS, nextAttemptDelay } from './policy';

/** Below this much time left before the deadline, no new attempt starts. */
const MIN_ATTEMPT_MS = 500;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function asServiceError(error: unknown): unknown {
  if (error instanceof TransportError) {
    return new ServiceError('provider_unavailable', 'the provider did not answer; try again', {
      cause: error,
    });
  }
  return error;
}

/**
 * Sends the refresh grant; 429, 5xx and timeouts are retried up to REFRESH_ATTEMPTS times with backoff
 * and jitter, waiting at least as long as a `Retry-After` asks, never past `deadline` (epoch ms: the
 * lease's expiry minus its safety). A wait that does not fit ends the attempts at once; the error then
 * carries the provider's `retryAfterMs` for the cooldown.
 * @throws ServiceError invalid_grant | provider_rejected | provider_unavailable | invalid_token_response
 */
export async function refreshGrant(
  provider: ProviderEntry,
  refreshToken: string,
  credentials: ClientCredentials,
  shop: string | undefined,
  deadline: number,
): Promise<TokenSet> {
  const request = buildTokenRequest(
    provider,
    { grantType: 'refresh_token', refreshToken },
    credentials,
    shop,
  );
  let last = new ServiceError('provider_unavailable', 'no time left to ask the provider; try again');
  for (let attempt = 1; attempt <= REFRESH_ATTEMPTS; attempt += 1) {
    const remaining = deadline - Date.now();
    if (remaining < MIN_ATTEMPT_MS) break;
    try {
      return await timeTokenCall('refresh', provider.id, async () =>
        processTokenResponse(
          provider,
          await send(request, Math.min(ATTEMPT_TIMEOUT_MS, remaining)),
          Date.now(),
        ),
      );
    } catch (error) {
      const failure = asServiceError(error);
      if (!(failure instanceof ServiceError) || failure.code !== 'provider_unavailable') throw failure;
      last = failure;
    }
    if (attempt < REFRESH_ATTEMPTS) {
      const delay = nextAttemptDelay(attempt, last.retryAfterMs, Date.now(), deadline, MIN_ATTEMPT_MS);
      if (delay === undefined) break;
      await sleep(delay);
    }
  }
  throw last;
}
