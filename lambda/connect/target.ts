// Which existing source a confirmed connection updates, and the refusal when it names another external account.
import { externalKey, type TokenDocument } from '../oauth/token-document';
import type { ProviderEntry } from '../providers/types';
import type { CompletionRecord } from '../store/completions';
import { connectionsByExternalKey } from '../store/connection-lookup';
import { getConnection, type ConnectionRecord } from '../store/connections';
import { ServiceError } from '../shared/errors';
import { logger } from '../shared/logger';
import type { TokenConfig } from '../tokens/config';
import { discard } from './discard';

/** How the user sees an external account: the provider's name and the identifier the source is named after. */
function accountLabel(provider: ProviderEntry, externalAccount: Record<string, string>): string {
  const first = Object.entries(externalAccount)[0];
  return first ? `${provider.displayName} ${first[0]} ${first[1]}` : provider.displayName;
}

/**
 * Which existing source this confirmation updates: the one the flow was started for (its external account
 * must be the same), else the account's source of the same provider and external account (no duplicate),
 * else none (a new source).
 * @throws ServiceError account_mismatch (nothing written; the unused grant is revoked where that is safe)
 */
export async function target(
  config: TokenConfig,
  provider: ProviderEntry,
  record: CompletionRecord,
  document: TokenDocument,
): Promise<ConnectionRecord | undefined> {
  const key = externalKey(provider.id, document.externalAccount);
  if (record.sourceId !== undefined) {
    const previous = await getConnection(config.tables.connections, record.accountId, record.sourceId);
    if (previous?.externalKey && key !== previous.externalKey) {
      const revocation = await discard(config, provider, document);
      logger.warn('reconnect refused: another external account', {
        provider: provider.id,
        accountId: record.accountId,
        sourceId: record.sourceId,
        revocation,
      });
      throw new ServiceError(
        'account_mismatch',
        `this source is connected to ${accountLabel(provider, previous.externalAccount)}, but you signed in as ` +
          `${accountLabel(provider, document.externalAccount)}; sign in as the source's account to reconnect ` +
          'it, or connect the other account as a new source',
      );
    }
    return previous;
  }
  if (!key) return undefined;
  const same = (await connectionsByExternalKey(config.tables, key))
    .filter(
      (c) => c.accountId === record.accountId && c.provider === provider.id && c.status !== 'disconnected',
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return same[0];
}
