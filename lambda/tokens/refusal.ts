// A token-access refusal that tells the job more than a code: how long to wait, or why it must reconnect.
import type { ReauthReason } from '../../clients/token-access/contract';
import { ServiceError, type ErrorCode } from '../shared/errors';

export class Refusal extends ServiceError {
  readonly retryAfterSeconds?: number;
  readonly reason?: ReauthReason;

  constructor(
    code: ErrorCode,
    message: string,
    details: { retryAfterSeconds?: number; reason?: ReauthReason; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.reason = details.reason;
  }
}

/** `retryable` with the wait until `until` (epoch ms), at least one second. */
export function retryAfter(message: string, until: number, now: number = Date.now()): Refusal {
  return new Refusal('retryable', message, {
    retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
  });
}
