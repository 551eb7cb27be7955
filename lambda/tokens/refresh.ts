// Keeps a source's tokens fresh: check the vault, take the lease, re-read, refresh once, record the outcome.
import { randomToken } from '../oauth/random';
import { refreshedDocument, type TokenDocument } from '../oauth/token-document';
import { resolveProvider } from '../providers/registry';
import type { ProviderEntry } from '../providers/types';
import { refreshDueAt } from '../records/shapes';
import { ServiceError } from '../shared/errors';
import { logger } from '../shared/logger';
import { clientCredentials } from '../store/client-credentials';
import {
  getConnection,
  markRefreshed,
  recordRefreshFailure,
  type ConnectionRecord,
  type ForcedRefreshRecord,
} from '../store/connections';
import { acquireLease, leaseKey, releaseLease, renewLease } from '../store/leases';
import { putTokens, readTokens } from '../store/vault';
import type { TokenConfig } from './config';
import { toNeedsReauth } from './health';
import { retryAfter } from './refusal';
import {
  FAILURE_COOLDOWN_MS,
  LEASE_SAFETY_MS,
  LEASE_TTL_MS,
  LEASE_WAIT_MS,
  callerCode,
  failureKind,
  inCooldown,
  isExhausted,
  isExpired,
  isStale,
  leasePollMs,
  nextAttemptAt,
  withFailureDay,
  type RefreshMode,
} from './policy';
import { refreshGrant, sleep } from './refresh-request';

export interface SourceRef {
  accountId: string;
  sourceId: string;
}

export interface FreshTokens {
  connection: ConnectionRecord;
  provider: ProviderEntry;
  document: TokenDocument;
  /** This call refreshed at the provider (false: the stored or another caller's tokens were fresh). */
  refreshed: boolean;
}

/**
 * A refresh a caller forces because the provider refused the stored access token before its expiry.
 * It replaces the expiry test and adds a bound, checked before the lease and again inside it.
 */
export interface ForcedRefresh {
  /** The stored document still holds the access token the caller saw refused. */
  rejected(document: TokenDocument): boolean;
  /** Throws (retryable, needs_reauth) when the bound forbids forcing a refresh now. */
  admit(connection: ConnectionRecord, provider: ProviderEntry, now: number): Promise<void>;
  /** The bookkeeping saved on the connection with the refreshed tokens. */
  record(connection: ConnectionRecord, next: TokenDocument, now: number): ForcedRefreshRecord;
  /** When the stored tokens cannot be refreshed (no refresh token). */
  unrefreshable(): ServiceError;
}

/** The lease a refresh holds: its item key and our owner token. */
interface HeldLease {
  key: string;
  owner: string;
}

function logIds(connection: Pick<ConnectionRecord, 'accountId' | 'sourceId' | 'provider'>) {
  return { accountId: connection.accountId, sourceId: connection.sourceId, provider: connection.provider };
}

async function activeConnection(config: TokenConfig, ref: SourceRef): Promise<ConnectionRecord> {
  const connection = await getConnection(config.tables.connections, ref.accountId, ref.sourceId);
  if (!connection)
    throw new ServiceError('source_not_found', 'no connection for that source in this account');
  if (connection.status === 'disconnected') {
    throw new ServiceError('disconnected', 'the source was disconnected; connect it again to use it');
  }
  if (connection.status === 'needs_reauth') {
    throw new ServiceError('needs_reauth', 'the source must be reconnected by a user of the account');
  }
  return connection;
}

async function storedTokens(
  config: TokenConfig,
  connection: ConnectionRecord,
  provider: ProviderEntry,
): Promise<TokenDocument> {
  const document = await readTokens(connection.tokenSecretName);
  if (document) return document;
  await toNeedsReauth(config, connection, provider, 'tokens_missing');
  throw new ServiceError('needs_reauth', 'no tokens are stored for the source; reconnect it');
}

/** A stale document that cannot be refreshed: usable until it expires, then the user must reconnect. */
async function withoutRefreshToken(
  config: TokenConfig,
  connection: ConnectionRecord,
  provider: ProviderEntry,
  document: TokenDocument,
): Promise<FreshTokens> {
  if (!isExpired(document, Date.now())) return { connection, provider, document, refreshed: false };
  await toNeedsReauth(config, connection, provider, 'no_refresh_token');
  throw new ServiceError(
    'needs_reauth',
    'the access token expired and cannot be refreshed; reconnect the source',
  );
}

function staleFor(
  mode: RefreshMode,
  provider: ProviderEntry,
  document: TokenDocument,
  forced: ForcedRefresh | undefined,
): boolean {
  return forced ? forced.rejected(document) : isStale(mode, provider, document, Date.now());
}

function cooldownError(connection: ConnectionRecord): ServiceError {
  return retryAfter(
    `the last refresh failed (${connection.lastErrorCode}); try again after ${connection.refreshBackoffUntil}`,
    Date.parse(connection.refreshBackoffUntil as string),
  );
}

/** Records a failed refresh and throws what the caller should see. */
async function failed(
  config: TokenConfig,
  connection: ConnectionRecord,
  provider: ProviderEntry,
  used: TokenDocument,
  error: ServiceError,
): Promise<never> {
  const kind = failureKind(error.code);
  const now = Date.now();
  if (kind === 'configuration') {
    // Our client id or secret, not the user's grant: every connection of the provider fails alike, so
    // nothing is counted on this one; operations must fix the credentials (alarmed on this line).
    if (error.code === 'credentials_rejected') {
      logger.error('provider rejected our client credentials', {
        ...logIds(connection),
        error: error.code,
        oauthError: error.providerError,
      });
    }
    throw error;
  }
  if (kind === 'reauth') {
    // A holder whose lease outlived ours may have rotated the token under us: that is not a dead grant.
    const latest = await readTokens(connection.tokenSecretName);
    if (latest?.refreshToken && latest.refreshToken !== used.refreshToken) {
      throw new ServiceError('retryable', 'the tokens were refreshed concurrently; try again');
    }
    await toNeedsReauth(config, connection, provider, 'invalid_grant', now);
    throw new ServiceError(
      'needs_reauth',
      'the provider rejected the stored authorization; reconnect the source',
    );
  }
  const failureDays = withFailureDay(connection.failureDays, now);
  if (isExhausted(failureDays)) {
    await toNeedsReauth(config, connection, provider, 'refresh_failing', now);
    throw new ServiceError('needs_reauth', 'refreshing failed on several days; reconnect the source');
  }
  const refreshFailureCount = (connection.lastErrorCode ? (connection.refreshFailureCount ?? 0) : 0) + 1;
  // A provider's Retry-After is kept by every caller and by the refresher, not only by our retries.
  const waitMs = error.retryAfterMs ?? 0;
  await recordRefreshFailure(
    config.tables.connections,
    connection,
    {
      lastErrorCode: error.code,
      failureDays,
      refreshFailureCount,
      refreshBackoffUntil: new Date(now + Math.max(FAILURE_COOLDOWN_MS, waitMs)).toISOString(),
      // Never earlier than the connection was due anyway: a failed on-demand refresh must not bring the
      // refresher's keep-alive forward.
      refreshDueAt: new Date(
        Math.max(
          nextAttemptAt(refreshFailureCount, now),
          now + waitMs,
          connection.refreshDueAt ? Date.parse(connection.refreshDueAt) : 0,
        ),
      ).toISOString(),
    },
    now,
  );
  logger.warn('token refresh failed', {
    ...logIds(connection),
    error: error.code,
    refreshFailureCount,
    failureDays: failureDays.length,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
  throw new ServiceError(callerCode(error.code), error.message, { cause: error });
}

/** The refresh itself, with the lease held: re-read everything, because another holder may have finished. */
async function refreshUnderLease(
  config: TokenConfig,
  ref: SourceRef,
  mode: RefreshMode,
  lease: HeldLease,
  deadline: number,
  forced?: ForcedRefresh,
): Promise<FreshTokens> {
  const connection = await activeConnection(config, ref);
  const provider = resolveProvider(connection.provider, config.endpointOverrides);
  const document = await storedTokens(config, connection, provider);
  if (!staleFor(mode, provider, document, forced))
    return { connection, provider, document, refreshed: false };
  if (!document.refreshToken) {
    if (forced) throw forced.unrefreshable();
    return withoutRefreshToken(config, connection, provider, document);
  }
  if (inCooldown(connection, Date.now())) throw cooldownError(connection);
  // Another container may have forced a refresh since the first look: the bound is checked again.
  if (forced) await forced.admit(connection, provider, Date.now());

  const credentials = await clientCredentials(
    config.secretPrefix,
    provider.id,
    config.credentialsMaxAgeSeconds,
  );
  let next: TokenDocument;
  try {
    const tokens = await refreshGrant(provider, document.refreshToken, credentials, document.shop, deadline);
    next = refreshedDocument(document, tokens, Date.now(), provider.tokens);
  } catch (error) {
    if (error instanceof ServiceError) return failed(config, connection, provider, document, error);
    throw error;
  }
  // With rotation the old refresh token is dead from this moment on: the save gets a whole lease of its own,
  // so no second holder can start on the spent token while it is under way (each AWS call is bounded).
  const renewed = await renewLease(config.tables.states, lease.key, lease.owner, Date.now(), LEASE_TTL_MS);
  if (!renewed) {
    // Only when our lease ran out before the provider answered. These tokens are the only valid ones, so
    // they are saved all the same; a holder that failed with the spent token re-reads the vault first.
    logger.error('refresh lease lost before the tokens were saved; saving them anyway', logIds(connection));
  }
  await putTokens(connection.tokenSecretName, next);
  const now = Date.now();
  const stillActive = await markRefreshed(
    config.tables.connections,
    connection,
    {
      accessTokenExpiresAt: next.expiresAt,
      scopes: next.scopes,
      refreshDueAt: refreshDueAt(provider, next),
      forcedRefresh: forced?.record(connection, next, now),
    },
    now,
  );
  logger.info('tokens refreshed', {
    ...logIds(connection),
    mode: forced ? 'rejected' : mode,
    rotated: next.refreshToken !== document.refreshToken,
    expiresAt: next.expiresAt,
  });
  if (!stillActive) throw new ServiceError('disconnected', 'the source was disconnected during the refresh');
  return { connection, provider, document: next, refreshed: true };
}

/**
 * Fresh tokens for a source: the stored ones when they are fresh for `mode`, else one refresh under the
 * source's lease. Callers that find the lease taken wait (jittered polls of the vault) for the holder's
 * result instead of spending a rotated refresh token twice. With `forced`, "stale" means "still the
 * refused access token", whatever its expiry, and the forced-refresh bound applies.
 * @throws ServiceError source_not_found | disconnected | needs_reauth | retryable | credentials_not_configured | provider_rejected | invalid_token_response
 */
export async function ensureFresh(
  config: TokenConfig,
  ref: SourceRef,
  mode: RefreshMode,
  forced?: ForcedRefresh,
): Promise<FreshTokens> {
  const connection = await activeConnection(config, ref);
  const provider = resolveProvider(connection.provider, config.endpointOverrides);
  let document = await storedTokens(config, connection, provider);
  if (!staleFor(mode, provider, document, forced))
    return { connection, provider, document, refreshed: false };
  if (!document.refreshToken) {
    if (forced) throw forced.unrefreshable();
    return withoutRefreshToken(config, connection, provider, document);
  }
  if (inCooldown(connection, Date.now())) throw cooldownError(connection);
  if (forced) await forced.admit(connection, provider, Date.now());

  const key = leaseKey(ref.accountId, ref.sourceId);
  const owner = randomToken(16);
  const waitUntil = Date.now() + LEASE_WAIT_MS;
  for (;;) {
    const takenAt = Date.now();
    if (await acquireLease(config.tables.states, key, owner, takenAt, LEASE_TTL_MS)) {
      try {
        return await refreshUnderLease(
          config,
          ref,
          mode,
          { key, owner },
          takenAt + LEASE_TTL_MS - LEASE_SAFETY_MS,
          forced,
        );
      } finally {
        await releaseLease(config.tables.states, key, owner).catch((error) =>
          logger.error('lease not released; it expires by itself', {
            ...logIds(connection),
            cause: (error as Error)?.name,
          }),
        );
      }
    }
    if (Date.now() >= waitUntil) {
      throw new ServiceError('retryable', 'another refresh of this source is taking long; try again shortly');
    }
    await sleep(leasePollMs());
    document = (await readTokens(connection.tokenSecretName)) ?? document;
    if (!staleFor(mode, provider, document, forced))
      return { connection, provider, document, refreshed: false };
  }
}
