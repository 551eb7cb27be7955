// Tokens a confirmation will not keep: revoked where that is safe, and the refusal of someone else's confirmation.
import type { TokenDocument } from '../oauth/token-document';
import type { ProviderEntry } from '../providers/types';
import { activity } from '../records/shapes';
import type { CompletionRecord } from '../store/completions';
import { writeActivity } from '../store/records';
import { ServiceError } from '../shared/errors';
import type { Caller } from '../shared/http';
import { logger } from '../shared/logger';
import type { TokenConfig } from '../tokens/config';
import { revokeOnStage } from '../tokens/revocation';

/**
 * Revokes discarded tokens at the provider where it allows, unless the revocation would also end another
 * connection of the same external account (the victim's own, in an account-linking attempt); never throws.
 * @returns the revocation outcome, for the log line (`not_attempted` without tokens, `failed` on any error)
 */
export async function discard(
  config: TokenConfig,
  provider: ProviderEntry,
  document: TokenDocument | undefined,
): Promise<string> {
  if (!document) return 'not_attempted';
  try {
    return await revokeOnStage(config, { provider, document, ids: { provider: provider.id } });
  } catch {
    return 'failed';
  }
}

/**
 * A confirmation by anyone but the user and account that started the flow: the completion is already burnt;
 * its tokens are revoked and the starting account is told in its activity.
 * @throws ServiceError forbidden, always
 */
export async function refuseConfirmation(
  config: TokenConfig,
  provider: ProviderEntry,
  record: CompletionRecord,
  document: TokenDocument | undefined,
  caller: Caller,
): Promise<never> {
  const revocation = await discard(config, provider, document);
  logger.warn('connection confirmation refused: caller did not start this flow', {
    provider: provider.id,
    startedBy: record.userId,
    startedForAccount: record.accountId,
    callerUserId: caller.userId,
    callerAccountId: caller.accountId,
    revocation,
  });
  await writeActivity(
    config.tables,
    activity(
      record.accountId,
      'integration.refused',
      provider.id,
      `A ${provider.displayName} connection started by this account was confirmed by another user and discarded`,
      Date.now(),
      { userId: record.userId },
    ),
  ).catch((error) =>
    logger.error('could not record refused confirmation', { cause: (error as Error)?.name }),
  );
  throw new ServiceError('forbidden', 'this connection was started by someone else; it has been discarded');
}
