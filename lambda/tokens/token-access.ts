// Token access for backup jobs: a valid token for a source (refreshed when due or rejected) and rate-limit reports.
import type {
  AccessToken,
  RateLimitHint,
  RateLimitReport,
  SourceRef,
} from '../../clients/token-access/contract';
import { randomToken } from '../oauth/random';
import { resolveProvider } from '../providers/registry';
import { ServiceError } from '../shared/errors';
import { logger } from '../shared/logger';
import {
  getConnection,
  storeRateLimit,
  type ConnectionRecord,
  type StoredRateLimit,
} from '../store/connections';
import { tokenConfig, type TokenConfig } from './config';
import { ensureFresh, type FreshTokens } from './refresh';
import { sleep } from './refresh-request';
import { hintOf, isLongThrottle, mergeReport, reportFromHeaders, checkReport } from './rate-limit';
import { forcedRefreshFor, tokenHash } from './rejected';
import { singleFlight } from './single-flight';
import { Refusal } from './refusal';
import { countLongThrottle } from './throttling';

/** Writes of one report raced by others before it gives up with `retryable`. */
const REPORT_WRITE_ATTEMPTS = 25;

/** A report in numbers, or the provider's raw headers (with the answer's status) for the registry to read. */
export type RateLimitInput =
  { rateLimit: RateLimitReport } | { rateLimitHeaders: Record<string, string>; status?: number };

export interface TokenAccess {
  getAccessToken(ref: SourceRef, options?: { rejectedAccessToken?: string }): Promise<AccessToken>;
  reportRateLimit(ref: SourceRef, input: RateLimitInput): Promise<RateLimitHint>;
}

function accessTokenOf({ document, connection }: FreshTokens): AccessToken {
  return {
    accessToken: document.accessToken,
    expiresAt: document.expiresAt,
    provider: document.provider,
    tokenType: document.tokenType,
    scopes: document.scopes,
    externalAccount: { ...document.externalAccount, ...(document.shop ? { shop: document.shop } : {}) },
    rateLimit: hintOf(connection.rateLimit, Date.now()),
  };
}

async function reportable(config: TokenConfig, ref: SourceRef): Promise<ConnectionRecord> {
  const connection = await getConnection(config.tables.connections, ref.accountId, ref.sourceId);
  if (!connection)
    throw new ServiceError('source_not_found', 'no connection for that source in this account');
  if (connection.status === 'disconnected')
    throw new ServiceError('disconnected', 'the source was disconnected; connect it again to use it');
  return connection;
}

/**
 * Token access over a configuration. Concurrent callers in one container share one attempt
 * (`singleFlight`, on by default); across containers the DynamoDB lease lets one refresh at a time.
 * @example const access = createTokenAccess(tokenConfig()); await access.getAccessToken({ accountId, sourceId })
 */
export function createTokenAccess(
  config: TokenConfig,
  options: { singleFlight?: boolean } = {},
): TokenAccess {
  const flight = options.singleFlight === false ? undefined : singleFlight<FreshTokens>();
  const run = (key: string, work: () => Promise<FreshTokens>) => (flight ? flight(key, work) : work());
  return {
    async getAccessToken(ref, { rejectedAccessToken } = {}) {
      const source = `${ref.accountId}#${ref.sourceId}`;
      const fresh =
        rejectedAccessToken === undefined
          ? await run(source, () => ensureFresh(config, ref, 'access'))
          : await run(`${source}#rejected#${tokenHash(rejectedAccessToken)}`, () =>
              ensureFresh(config, ref, 'access', forcedRefreshFor(config, rejectedAccessToken)),
            );
      return accessTokenOf(fresh);
    },

    async reportRateLimit(ref, input) {
      let connection = await reportable(config, ref);
      const received = Date.now();
      const report =
        'rateLimit' in input
          ? checkReport(input.rateLimit, received)
          : reportFromHeaders(
              resolveProvider(connection.provider, config.endpointOverrides).rateLimit,
              input.rateLimitHeaders,
              input.status,
              received,
            );
      // Optimistic: merged over the state read; another report in between means read and merge again.
      let state: StoredRateLimit;
      let long: boolean;
      let now = received;
      for (let attempt = 1; ; attempt += 1) {
        state = mergeReport(connection.rateLimit, report, now);
        long = isLongThrottle(state, config.longThrottleMs);
        if (long) state = { ...state, longThrottleCounted: true };
        state = { ...state, version: randomToken(8) };
        if (await storeRateLimit(config.tables.connections, connection, state)) break;
        if (attempt >= REPORT_WRITE_ATTEMPTS)
          throw new Refusal('retryable', 'many reports for this source at once; report again shortly', {
            retryAfterSeconds: 1,
          });
        // A jittered pause spreads the writers of one burst apart, so none keeps losing.
        await sleep(5 + Math.round(25 * Math.random()));
        connection = await reportable(config, ref);
        now = Date.now();
      }
      if (long) {
        countLongThrottle({
          accountId: ref.accountId,
          sourceId: ref.sourceId,
          provider: connection.provider,
          throttledSince: state.throttledSince as string,
          notBefore: state.notBefore as string,
        });
      }
      logger.info('rate limit reported', {
        ...ref,
        provider: connection.provider,
        remaining: state.remaining,
        notBefore: state.notBefore,
      });
      return hintOf(state, now) as RateLimitHint;
    },
  };
}

let shared: TokenAccess | undefined;

function sharedAccess(): TokenAccess {
  shared ??= createTokenAccess(tokenConfig());
  return shared;
}

/**
 * A valid access token for a source, with the handler environment's configuration (read on first use).
 * With `rejectedAccessToken` (the provider answered 401), the token is refreshed if it is still the stored one.
 * @throws ServiceError source_not_found | disconnected | needs_reauth | retryable | credentials_not_configured | provider_rejected | invalid_token_response
 * @example const { accessToken, externalAccount } = await getAccessToken({ accountId: 'acc_1', sourceId: 'src_1' })
 */
export function getAccessToken(
  ref: SourceRef,
  options?: { rejectedAccessToken?: string },
): Promise<AccessToken> {
  return sharedAccess().getAccessToken(ref, options);
}

/**
 * Stores a job's rate-limit report on the connection; returns the hint token answers now carry.
 * @throws ServiceError source_not_found | disconnected | invalid_report
 */
export function reportRateLimit(ref: SourceRef, input: RateLimitInput): Promise<RateLimitHint> {
  return sharedAccess().reportRateLimit(ref, input);
}

export type { AccessToken, SourceRef };
