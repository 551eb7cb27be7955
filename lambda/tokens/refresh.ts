// Keeps a source's tokens fresh: check the vault, take the lease, re-read, refresh once, record the outcome.
import { randomToken } from '../oauth/random';
import { refreshedDocument, type TokenDocument } from '../oauth/token-document';
import { resolveProvider } from '../providers/registry';
import type { ProviderEntry } from '../providers/types';
import { refreshDueAt, tokenLookup } from '../records/shapes';
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
import { setRefreshDue } from '../store/token-items';
import { VersionConflict, infoOf, type TokenInfo, type VaultEntry } from '../store/vault';
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
  /** The stored document's fields other than the tokens. */
  info: TokenInfo;
  /**
   * The document with the access token (no refresh token). A `scheduled` run that did not refresh does not
   * open the tokens: its accessToken is empty.
   */
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
): Promise<VaultEntry> {
  const entry = await config.vault.read(connection);
  if (entry) return entry;
  await toNeedsReauth(config, connection, provider, 'tokens_missing');
  throw new ServiceError('needs_reauth', 'no tokens are stored for the source; reconnect it');
}

/** What the refresh policy reads of stored tokens: their times and whether a refresh token exists (no values). */
function timesOf(info: TokenInfo): TokenDocument {
  const { refreshable, ...fields } = info;
  return { ...fields, accessToken: '', refreshToken: refreshable ? 'stored' : undefined };
}

/** The stored tokens handed out as they are: the access part opened, except for a scheduled run. */
async function asStored(
  connection: ConnectionRecord,
  provider: ProviderEntry,
  entry: VaultEntry,
  mode: RefreshMode,
): Promise<FreshTokens> {
  const document = mode === 'scheduled' ? timesOf(entry.info) : await entry.openAccess();
  if (mode === 'scheduled') delete document.refreshToken;
  return { connection, provider, info: entry.info, document, refreshed: false };
}

/** A stale document that cannot be refreshed: usable until it expires, then the user must reconnect. */
async function withoutRefreshToken(
  config: TokenConfig,
  connection: ConnectionRecord,
  provider: ProviderEntry,
  entry: VaultEntry,
  mode: RefreshMode,
): Promise<FreshTokens> {
  if (!isExpired(timesOf(entry.info), Date.now())) return asStored(connection, provider, entry, mode);
  await toNeedsReauth(config, connection, provider, 'no_refresh_token');
  throw new ServiceError(
    'needs_reauth',
    'the access token expired and cannot be refreshed; reconnect the source',
  );
}

async function staleFor(
  mode: RefreshMode,
  provider: ProviderEntry,
  entry: VaultEntry,
  forced: ForcedRefresh | undefined,
): Promise<boolean> {
  // Only a forced refresh compares the stored access token (one Decrypt); expiry needs no opening.
  return forced
    ? forced.rejected(await entry.openAccess())
    : isStale(mode, provider, timesOf(entry.info), Date.now());
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
  used: VaultEntry,
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
    const latest = await config.vault.read(connection);
    if (latest && latest.version !== used.version) {
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
  // Never earlier than the connection was due anyway: a failed on-demand refresh must not bring the
  // refresher's keep-alive forward.
  const dueAt = new Date(
    Math.max(
      nextAttemptAt(refreshFailureCount, now),
      now + waitMs,
      connection.refreshDueAt ? Date.parse(connection.refreshDueAt) : 0,
    ),
  ).toISOString();
  await recordRefreshFailure(
    config.tables.connections,
    connection,
    {
      lastErrorCode: error.code,
      failureDays,
      refreshFailureCount,
      refreshBackoffUntil: new Date(now + Math.max(FAILURE_COOLDOWN_MS, waitMs)).toISOString(),
      refreshDueAt: dueAt,
    },
    now,
  );
  if (connection.refreshPartition) await setRefreshDue(config.tables.tokens, connection, dueAt);
  logger.warn('token refresh failed', {
    ...logIds(connection),
    error: error.code,
    refreshFailureCount,
    failureDays: failureDays.length,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
  throw new ServiceError(callerCode(error.code), error.message, { cause: error });
}

/**
 * Writes the refreshed tokens on the version that was read. A lost race keeps what won: a newer refresh token is
 * never replaced by ours. The one exception is an item that holds the very grant we just spent (a migration copied
 * the old secret meanwhile): that one is stale by construction and is overwritten.
 * @returns `next` when it was written, else the entry that stays
 */
async function save(
  config: TokenConfig,
  connection: ConnectionRecord,
  provider: ProviderEntry,
  basis: VaultEntry,
  used: TokenDocument,
  next: TokenDocument,
): Promise<TokenDocument | VaultEntry> {
  const lookup = tokenLookup(provider, next);
  try {
    await config.vault.replace(connection, next, lookup, basis);
    return next;
  } catch (error) {
    if (!(error instanceof VersionConflict)) throw error;
  }
  const latest = await config.vault.read(connection);
  try {
    if (latest && (await latest.openRefresh()).refreshToken === used.refreshToken) {
      await config.vault.replace(connection, next, lookup, latest);
      return next;
    }
  } finally {
    latest?.release();
  }
  logger.warn('refreshed tokens not saved: the stored ones changed meanwhile', {
    ...logIds(connection),
    rotated: next.refreshToken !== used.refreshToken,
  });
  if (!latest) throw new ServiceError('disconnected', 'the source was disconnected during the refresh');
  return latest;
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
  const entry = await storedTokens(config, connection, provider);
  if (!(await staleFor(mode, provider, entry, forced))) return asStored(connection, provider, entry, mode);
  if (!entry.info.refreshable) {
    if (forced) throw forced.unrefreshable();
    return withoutRefreshToken(config, connection, provider, entry, mode);
  }
  if (inCooldown(connection, Date.now())) throw cooldownError(connection);
  // Another container may have forced a refresh since the first look: the bound is checked again.
  if (forced) await forced.admit(connection, provider, Date.now());

  const credentials = await clientCredentials(
    config.secretPrefix,
    provider.id,
    config.credentialsMaxAgeSeconds,
  );
  // Only the refresh part is opened: the access token about to be replaced is never decrypted.
  const document = await entry.openRefresh();
  let next: TokenDocument;
  let saved: TokenDocument | VaultEntry;
  try {
    try {
      const tokens = await refreshGrant(
        provider,
        document.refreshToken as string,
        credentials,
        document.shop,
        deadline,
      );
      next = refreshedDocument(document, tokens, Date.now(), provider.tokens);
    } catch (error) {
      if (error instanceof ServiceError) return failed(config, connection, provider, entry, error);
      throw error;
    }
    // With rotation the old refresh token is dead from this moment on: the save gets a whole lease of its own,
    // so no second holder can start on the spent token while it is under way (each AWS call is bounded).
    const renewed = await renewLease(config.tables.states, lease.key, lease.owner, Date.now(), LEASE_TTL_MS);
    if (!renewed) {
      // Only when our lease ran out before the provider answered. These tokens are the only valid ones, so
      // they are saved all the same (on the version read; a lost race keeps the newer ones).
      logger.error('refresh lease lost before the tokens were saved; saving them anyway', logIds(connection));
    }
    saved = await save(config, connection, provider, entry, document, next);
  } finally {
    // The refresh part's data key was held for the save only (vault-entry.ts release()).
    entry.release();
  }
  if ('openAccess' in saved)
    return { connection, provider, info: saved.info, document: await saved.openAccess(), refreshed: false };
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
  const { refreshToken: _spent, ...handed } = next;
  void _spent;
  return { connection, provider, info: infoOf(next), document: handed, refreshed: true };
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
  let entry = await storedTokens(config, connection, provider);
  if (!(await staleFor(mode, provider, entry, forced))) return asStored(connection, provider, entry, mode);
  if (!entry.info.refreshable) {
    if (forced) throw forced.unrefreshable();
    return withoutRefreshToken(config, connection, provider, entry, mode);
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
    entry = (await config.vault.read(ref)) ?? entry;
    if (!(await staleFor(mode, provider, entry, forced))) return asStored(connection, provider, entry, mode);
  }
}
