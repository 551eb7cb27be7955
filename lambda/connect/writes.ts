// The writes of a confirmed connection and their compensation: tokens, records and event, all or nothing for a new source.
import { activity, connectionItem, sourceItem, tokenLookup, type ConnectionItem } from '../records/shapes';
import type { TokenDocument } from '../oauth/token-document';
import { randomToken } from '../oauth/random';
import type { ProviderEntry } from '../providers/types';
import { DETAIL_TYPES, publish } from '../store/events';
import { acquireLease, leaseKey, releaseLease } from '../store/leases';
import { deleteNewConnection, writeNewConnection, writeReconnection } from '../store/records';
import { tokenSecretName } from '../store/vault';
import { ServiceError } from '../shared/errors';
import { logger } from '../shared/logger';
import type { TokenConfig } from '../tokens/config';
import { LEASE_TTL_MS, LEASE_WAIT_MS, leasePollMs } from '../tokens/policy';
import { sleep } from '../tokens/refresh-request';

/** What one confirmed connection writes: where the tokens go and the records that point at them. */
export interface Connect {
  provider: ProviderEntry;
  userId: string;
  accountId: string;
  sourceId: string;
  secretName: string;
  document: TokenDocument;
  connection: ConnectionItem;
  now: number;
}

/** The writes of one confirmed connection: where its tokens go and its connection record, as of now. */
export function connectionWrites(
  provider: ProviderEntry,
  userId: string,
  accountId: string,
  sourceId: string,
  document: TokenDocument,
): Connect {
  const secretName = tokenSecretName(accountId, sourceId);
  const now = Date.now();
  const createdAt = new Date(now).toISOString();
  return {
    provider,
    userId,
    accountId,
    sourceId,
    secretName,
    document,
    connection: connectionItem(
      provider,
      { accountId, sourceId, connectedBy: userId, createdAt },
      document,
      secretName,
      now,
    ),
    now,
  };
}

/** A new source: tokens stored, then the records; the tokens are deleted again if the records fail. */
async function storeNew(config: TokenConfig, x: Connect): Promise<void> {
  await config.vault.create(x, x.document, tokenLookup(x.provider, x.document));
  try {
    await writeNewConnection(
      config.tables,
      sourceItem(x.provider, x.accountId, x.sourceId, x.userId, x.document, x.secretName, x.now),
      x.connection,
      activity(
        x.accountId,
        'integration.connected',
        x.provider.id,
        `${x.provider.displayName} connected`,
        x.now,
        {
          sourceId: x.sourceId,
          userId: x.userId,
        },
      ),
    );
  } catch (error) {
    logger.error('records not written; deleting the new tokens', {
      cause: (error as Error)?.name,
    });
    await forget(config, x);
    throw error;
  }
}

/**
 * Runs `work` holding the source's refresh lease, so that a refresh in flight (which holds it from reading
 * the old tokens to writing their successor) finishes before a reconnect writes, and a refresh that starts
 * afterwards re-reads the reconnect's tokens: neither can overwrite the newer grant.
 * @throws ServiceError retryable when the lease stays taken longer than a refresh may hold it
 */
async function underRefreshLease(config: TokenConfig, x: Connect, work: () => Promise<void>): Promise<void> {
  const key = leaseKey(x.accountId, x.sourceId);
  const owner = randomToken(16);
  const waitUntil = Date.now() + LEASE_WAIT_MS;
  while (!(await acquireLease(config.tables.states, key, owner, Date.now(), LEASE_TTL_MS))) {
    if (Date.now() >= waitUntil)
      throw new ServiceError('retryable', 'a token refresh of this source is taking long; connect it again');
    await sleep(leasePollMs());
  }
  try {
    await work();
  } finally {
    await releaseLease(config.tables.states, key, owner).catch((error) =>
      logger.error('lease not released; it expires by itself', { cause: (error as Error)?.name }),
    );
  }
}

/** A reconnect: the user's new tokens replace whatever is stored (whatever its version), then the records. */
async function storeReconnect(config: TokenConfig, x: Connect): Promise<void> {
  await config.vault.replace(x, x.document, tokenLookup(x.provider, x.document));
  try {
    await writeReconnection(
      config.tables,
      {
        accountId: x.accountId,
        sourceId: x.sourceId,
        provider: x.provider.id,
        externalAccount: x.document.externalAccount,
        updatedAt: new Date(x.now).toISOString(),
      },
      x.connection,
      activity(
        x.accountId,
        'integration.reconnected',
        x.provider.id,
        `${x.provider.displayName} reconnected`,
        x.now,
        {
          sourceId: x.sourceId,
          userId: x.userId,
        },
      ),
    );
  } catch (error) {
    logger.error('reconnect records not written; new tokens kept in the vault', {
      cause: (error as Error)?.name,
    });
    if ((error as Error)?.name === 'TransactionCanceledException') {
      throw new ServiceError('source_not_found', 'that source no longer exists for this provider');
    }
    throw error;
  }
}

/** Deletes the tokens of a new source this request created (never announced); a failure is logged, never thrown. */
async function forget(config: TokenConfig, x: Connect): Promise<void> {
  await config.vault
    .remove(x, 'now')
    .catch((e: unknown) => logger.error('new tokens left for cleanup', { cause: (e as Error)?.name }));
}

/**
 * Publishes the connected/reconnected event. If that fails, a new connection is undone (records and
 * secret) so the owners never see a source they were not told about; a reconnect keeps its working
 * tokens and records and logs the missing event.
 */
async function announce(config: TokenConfig, x: Connect, reconnect: boolean): Promise<void> {
  const detail = {
    accountId: x.accountId,
    userId: x.userId,
    provider: x.provider.id,
    sourceId: x.sourceId,
    connectionId: x.connection.connectionId,
    externalAccount: x.document.externalAccount,
  };
  try {
    await publish(
      config.eventBusName,
      reconnect ? DETAIL_TYPES.sourceReconnected : DETAIL_TYPES.sourceConnected,
      detail,
    );
  } catch (error) {
    if (reconnect) {
      logger.error('reconnected but the event was not published', {
        cause: (error as Error)?.name,
      });
      return;
    }
    logger.error('event not published; undoing the new connection', {
      cause: (error as Error)?.name,
    });
    const rollback = activity(
      x.accountId,
      'integration.disconnected',
      x.provider.id,
      `${x.provider.displayName} connection rolled back`,
      Date.now(),
      { sourceId: x.sourceId },
    );
    await deleteNewConnection(config.tables, x.accountId, x.sourceId, rollback).catch((e) =>
      logger.error('records left for cleanup', { cause: (e as Error)?.name }),
    );
    await forget(config, x);
    throw error;
  }
}

/**
 * Stores a new source: tokens, then the records, then the connected event. A failed step undoes the ones before
 * it (records deleted, tokens removed), so nobody is left with a source they were never told about.
 * @example await connectNew(config, connect);
 */
export async function connectNew(config: TokenConfig, x: Connect): Promise<void> {
  await storeNew(config, x);
  await announce(config, x, false);
}

/**
 * Stores a reconnect under the source's refresh lease: the new tokens replace the stored ones, then the records,
 * then the reconnected event. Nothing is undone: the new grant works, and a missing event is logged.
 * @throws ServiceError retryable (a refresh holds the lease too long), source_not_found (the source went away)
 */
export async function reconnect(config: TokenConfig, x: Connect): Promise<void> {
  await underRefreshLease(config, x, () => storeReconnect(config, x));
  await announce(config, x, true);
}
