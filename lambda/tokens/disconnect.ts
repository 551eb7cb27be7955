// Disconnecting a source: revoke at the provider where possible, delete its tokens, mark it disconnected.
import type { RevocationOutcome } from '../oauth/revoke';
import type { TokenDocument } from '../oauth/token-document';
import { resolveProvider } from '../providers/registry';
import type { ProviderEntry } from '../providers/types';
import { activity } from '../records/shapes';
import { ServiceError } from '../shared/errors';
import { logger } from '../shared/logger';
import { countHealthTransition } from '../metrics/emit';
import { getConnection, markDisconnected, recordRevocationAttempt } from '../store/connections';
import { DETAIL_TYPES, publish } from '../store/events';
import { getSource } from '../store/sources';
import type { TokenConfig } from './config';
import type { SourceRef } from './refresh';
import { revokeOnStage } from './revocation';

export interface DisconnectResult {
  status: 'disconnected';
  revocation: RevocationOutcome;
  /** False when the source was already disconnected (the call changed nothing). */
  changed: boolean;
}

/** Revokes at the provider unless that ends another connection; never throws. */
async function revoke(
  config: TokenConfig,
  provider: ProviderEntry,
  document: TokenDocument | undefined,
  ref: SourceRef,
  ids: Record<string, string>,
): Promise<RevocationOutcome> {
  if (!document) return 'failed';
  try {
    return await revokeOnStage(config, { provider, document, except: ref, ids });
  } catch (error) {
    logger.warn('revocation not attempted', { ...ids, cause: (error as Error)?.name });
    return 'failed';
  }
}

/**
 * Revokes (best effort), deletes the tokens from the vault, then records the disconnect with
 * activity and event. Repeating it is a no-op answering the first outcome. The provider is asked first so
 * that a crash before the records are written leaves a disconnect that a retry completes.
 * @throws ServiceError source_not_found
 */
export async function disconnectSource(
  config: TokenConfig,
  ref: SourceRef,
  userId: string,
): Promise<DisconnectResult> {
  const connection = await getConnection(config.tables.connections, ref.accountId, ref.sourceId);
  if (!connection)
    throw new ServiceError('source_not_found', 'no connection for that source in this account');
  if (connection.status === 'disconnected') {
    return { status: 'disconnected', revocation: connection.revocation ?? 'not_supported', changed: false };
  }
  const provider = resolveProvider(connection.provider, config.endpointOverrides);
  const ids = { accountId: ref.accountId, sourceId: ref.sourceId, provider: provider.id, userId };

  let revocation: RevocationOutcome = 'not_supported';
  if (provider.revocation) {
    const document = await (await config.vault.read(ref))?.openAll();
    const attempt = connection.revocationAttempt;
    if (!document && attempt && attempt.at >= (connection.grantedAt ?? connection.createdAt)) {
      // A retry: the first attempt revoked and deleted the tokens, then its records failed.
      revocation = attempt.outcome;
    } else {
      revocation = await revoke(config, provider, document, ref, ids);
      if (document)
        await recordRevocationAttempt(config.tables.connections, connection, revocation, Date.now());
    }
  }
  await config.vault.remove(ref, 'recoverable');

  const now = Date.now();
  const source = await getSource(config.tables.sources, ref.accountId, ref.sourceId);
  const note =
    revocation === 'failed'
      ? ' (the provider did not confirm the revocation; remove the app there too)'
      : revocation === 'skipped'
        ? ' (access at the provider kept: another ListBackup connection uses the same account)'
        : '';
  const changed = await markDisconnected(
    config.tables,
    connection,
    { userId, revocation },
    activity(
      ref.accountId,
      'integration.disconnected',
      provider.id,
      `${provider.displayName} disconnected${note}`,
      now,
      {
        sourceId: ref.sourceId,
        userId,
      },
    ),
    source !== undefined,
    now,
  );
  if (!changed) {
    // A concurrent disconnect got there first; answer what it recorded.
    const latest = await getConnection(config.tables.connections, ref.accountId, ref.sourceId);
    return { status: 'disconnected', revocation: latest?.revocation ?? revocation, changed: false };
  }
  try {
    await publish(config.eventBusName, DETAIL_TYPES.connectionDisconnected, {
      accountId: ref.accountId,
      sourceId: ref.sourceId,
      connectionId: connection.connectionId,
      provider: provider.id,
      externalAccount: connection.externalAccount,
      userId,
      revocation,
    });
  } catch (error) {
    logger.error('disconnected but the event was not published', { ...ids, cause: (error as Error)?.name });
  }
  logger.info('source disconnected', { ...ids, revocation });
  countHealthTransition(provider.id, 'disconnected');
  return { status: 'disconnected', revocation, changed: true };
}
