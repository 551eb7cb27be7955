// A token the provider refused: compared by hash, refreshed once under the lease, bounded per source.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenDocument } from '../oauth/token-document';
import { markForcedTokenRejected, type ForcedRefreshRecord } from '../store/connections';
import type { TokenConfig } from './config';
import { toNeedsReauth } from './health';
import type { ForcedRefresh } from './refresh';
import { Refusal, retryAfter } from './refusal';

/**
 * A forced refresh's token rejected within this long of the refresh counts as "fresh token rejected";
 * one rejected later has worked for a while, so it starts a new count.
 */
export const FRESH_TOKEN_MS = 60 * 60_000;
/** Fresh tokens rejected in a row after which the connection needs a reconnect. */
export const REJECTED_FRESH_LIMIT = 2;

/** SHA-256 of an access token (hex). Only hashes are compared or stored, never the token. */
export function tokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'utf8').digest('hex');
}

/** Constant-time comparison of two SHA-256 hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

/** The last forced refresh produced the rejected token, recently enough to call it fresh. */
function isFreshRejection(record: ForcedRefreshRecord | undefined, rejected: string, now: number) {
  return (
    record !== undefined &&
    sameHash(record.tokenHash, rejected) &&
    now - Date.parse(record.at) < FRESH_TOKEN_MS
  );
}

/**
 * The forced refresh for one rejected token. The bound: one forced refresh per source per
 * `config.forcedRefreshIntervalMs`; inside that window callers whose token was already replaced get the
 * current one (the stale test), the others `retryable` with the seconds left. A forced refresh's token
 * that is rejected again counts; the second such token in a row marks the connection `needs_reauth`.
 */
export function forcedRefreshFor(config: TokenConfig, rejectedAccessToken: string): ForcedRefresh {
  const rejected = tokenHash(rejectedAccessToken);
  return {
    rejected: (document: TokenDocument) => sameHash(tokenHash(document.accessToken), rejected),

    async admit(connection, provider, now) {
      const last = connection.forcedRefresh;
      if (last && isFreshRejection(last, rejected, now)) {
        if (!last.tokenRejected)
          await markForcedTokenRejected(config.tables.connections, connection, last.tokenHash);
        if (last.streak + 1 >= REJECTED_FRESH_LIMIT) {
          await toNeedsReauth(config, connection, provider, 'rejected_after_refresh', now);
          throw new Refusal(
            'needs_reauth',
            'the provider refused freshly refreshed access tokens twice in a row; reconnect the source',
            { reason: 'rejected_after_refresh' },
          );
        }
      }
      const until = last ? Date.parse(last.at) + config.forcedRefreshIntervalMs : 0;
      if (until > now) {
        throw retryAfter(
          'the token was refreshed because of a rejection a short while ago; wait before reporting it again',
          until,
          now,
        );
      }
    },

    record(connection, next, now) {
      const last = connection.forcedRefresh;
      return {
        at: new Date(now).toISOString(),
        tokenHash: tokenHash(next.accessToken),
        streak: last && isFreshRejection(last, rejected, now) ? last.streak + 1 : 0,
        tokenRejected: false,
      };
    },

    unrefreshable: () =>
      new Refusal(
        'retryable',
        'the provider refused a token that cannot be refreshed; if it keeps refusing, reconnect the source',
        { retryAfterSeconds: Math.ceil(config.forcedRefreshIntervalMs / 1000) },
      ),
  };
}
