// POST /integrations/oauth/{provider}/complete: the starting user confirms -> vault -> records -> event.
import * as v from 'valibot';
import { TOKEN_PATTERN } from '../oauth/random';
import { revokeGrant } from '../oauth/revoke';
import { completionKey, unseal } from '../oauth/seal';
import type { TokenDocument } from '../oauth/token-document';
import { PROVIDER_IDS, isProviderId, resolveProvider } from '../providers/registry';
import type { ProviderEntry } from '../providers/types';
import { activity, connectionItem, newSourceId, sourceItem } from '../records/shapes';
import { clientCredentials } from '../store/client-credentials';
import { consumeCompletion, type CompletionRecord } from '../store/completions';
import { DETAIL_TYPES, publish } from '../store/events';
import { isMember } from '../store/memberships';
import {
  deleteNewConnection,
  recordTables,
  writeActivity,
  writeNewConnection,
  writeReconnection,
} from '../store/records';
import { physicalTableName } from '../store/tables';
import { createTokens, replaceTokens, scheduleDeletion, tokenSecretName } from '../store/vault';
import { readEnv } from '../shared/env';
import { ServiceError } from '../shared/errors';
import {
  callerOf,
  errorResponse,
  json,
  jsonBody,
  type Caller,
  type HttpEvent,
  type HttpResult,
} from '../shared/http';
import { logger } from '../shared/logger';
import { completionBinding } from '../oauth/binding';
import { getConnection } from '../store/connections';
import { tokenConfig } from '../tokens/config';
import { announceRestored } from '../tokens/health';

const env = readEnv();
const statesTable = physicalTableName(env.tablePrefix, 'oauth-states');
const userAccountsTable = physicalTableName(env.tablePrefix, 'user-accounts');
const tables = recordTables(env.tablePrefix);

const CompleteBody = v.strictObject({
  completion: v.pipe(v.string(), v.regex(TOKEN_PATTERN)),
  accountId: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:@-]{1,128}$/))),
});

/** Revokes discarded tokens at the provider where it allows; never throws. */
async function discard(provider: ProviderEntry, document: TokenDocument | undefined): Promise<string> {
  if (!document) return 'not_attempted';
  try {
    const credentials = await clientCredentials(env.secretPrefix, provider.id, env.credentialsMaxAgeSeconds);
    return await revokeGrant(provider, document, credentials);
  } catch {
    return 'failed';
  }
}

/** A confirmation by anyone but the user and account that started the flow: burn, revoke, record. */
async function refuse(
  provider: ProviderEntry,
  record: CompletionRecord,
  document: TokenDocument | undefined,
  caller: Caller,
): Promise<never> {
  const revocation = await discard(provider, document);
  logger.warn('connection confirmation refused: caller did not start this flow', {
    provider: provider.id,
    startedBy: record.userId,
    startedForAccount: record.accountId,
    callerUserId: caller.userId,
    callerAccountId: caller.accountId,
    revocation,
  });
  await writeActivity(
    tables,
    activity(
      record.accountId,
      'integration.refused',
      provider.id,
      `A ${provider.displayName} connection started by this account was confirmed by another user and discarded`,
      Date.now(),
      {
        userId: record.userId,
      },
    ),
  ).catch((error) =>
    logger.error('could not record refused confirmation', { cause: (error as Error)?.name }),
  );
  throw new ServiceError('forbidden', 'this connection was started by someone else; it has been discarded');
}

async function confirm(event: HttpEvent): Promise<HttpResult> {
  const providerId = event?.pathParameters?.provider;
  if (!isProviderId(providerId))
    throw new ServiceError('unknown_provider', `unknown provider; supported: ${PROVIDER_IDS.join(', ')}`);
  const provider = resolveProvider(providerId, env.endpointOverrides);
  const caller = callerOf(event);
  const parsed = v.safeParse(CompleteBody, jsonBody(event));
  if (!parsed.success)
    throw new ServiceError('invalid_body', 'body must be { "completion": "<id from the redirect>" }');
  const { completion } = parsed.output;
  const accountId = parsed.output.accountId ?? caller.accountId;

  const record = await consumeCompletion(statesTable, completionKey(completion));
  if (!record)
    throw new ServiceError(
      'invalid_completion',
      'this connection was already confirmed, discarded or never existed',
    );
  const now = Date.now();
  let document: TokenDocument | undefined;
  try {
    document = JSON.parse(unseal(record.sealed, completion, completionBinding(record))) as TokenDocument;
  } catch {
    document = undefined;
  }
  if (record.expiresAt < now) {
    const revocation = await discard(resolveProvider(record.provider, env.endpointOverrides), document);
    logger.info('expired completion discarded', {
      provider: record.provider,
      accountId: record.accountId,
      revocation,
    });
    throw new ServiceError('expired_completion', 'the confirmation came too late; connect again');
  }
  const sameAccount =
    accountId === record.accountId &&
    (accountId === caller.accountId || (await isMember(userAccountsTable, caller.userId, accountId)));
  if (record.provider !== provider.id || record.userId !== caller.userId || !sameAccount || !document) {
    return refuse(resolveProvider(record.provider, env.endpointOverrides), record, document, caller);
  }

  const reconnect = record.sourceId !== undefined;
  const sourceId = record.sourceId ?? newSourceId();
  const secretName = tokenSecretName(record.accountId, sourceId);
  const at = new Date(now).toISOString();
  const connection = connectionItem(
    provider,
    { accountId: record.accountId, sourceId, connectedBy: caller.userId, createdAt: at },
    document,
    secretName,
    now,
  );
  const ids = { accountId: record.accountId, userId: caller.userId, provider: provider.id, sourceId };

  // The status before a reconnect decides whether it restores a needs_reauth connection (issue 7).
  const previous = reconnect
    ? await getConnection(tables.connections, record.accountId, sourceId)
    : undefined;
  if (reconnect) {
    await replaceTokens(secretName, document);
    try {
      await writeReconnection(
        tables,
        {
          accountId: record.accountId,
          sourceId,
          provider: provider.id,
          externalAccount: document.externalAccount,
          updatedAt: at,
        },
        connection,
        activity(
          record.accountId,
          'integration.reconnected',
          provider.id,
          `${provider.displayName} reconnected`,
          now,
          { sourceId, userId: caller.userId },
        ),
      );
    } catch (error) {
      logger.error('reconnect records not written; new tokens kept in the vault', {
        ...ids,
        cause: (error as Error)?.name,
      });
      if ((error as Error)?.name === 'TransactionCanceledException') {
        throw new ServiceError('source_not_found', 'that source no longer exists for this provider');
      }
      throw error;
    }
  } else {
    await createTokens(secretName, document);
    try {
      await writeNewConnection(
        tables,
        sourceItem(provider, record.accountId, sourceId, caller.userId, document, secretName, now),
        connection,
        activity(
          record.accountId,
          'integration.connected',
          provider.id,
          `${provider.displayName} connected`,
          now,
          { sourceId, userId: caller.userId },
        ),
      );
    } catch (error) {
      logger.error('records not written; deleting the new token secret', {
        ...ids,
        cause: (error as Error)?.name,
      });
      await scheduleDeletion(secretName).catch((e) =>
        logger.error('token secret left for cleanup', { ...ids, cause: (e as Error)?.name }),
      );
      throw error;
    }
  }

  const detail = {
    accountId: record.accountId,
    userId: caller.userId,
    provider: provider.id,
    sourceId,
    connectionId: connection.connectionId,
    externalAccount: document.externalAccount,
  };
  try {
    await publish(
      env.eventBusName,
      reconnect ? DETAIL_TYPES.sourceReconnected : DETAIL_TYPES.sourceConnected,
      detail,
    );
  } catch (error) {
    if (reconnect) {
      // Tokens and records agree; only the notification is missing. Keep the working connection.
      logger.error('reconnected but the event was not published', { ...ids, cause: (error as Error)?.name });
    } else {
      logger.error('event not published; undoing the new connection', {
        ...ids,
        cause: (error as Error)?.name,
      });
      await deleteNewConnection(
        tables,
        record.accountId,
        sourceId,
        activity(
          record.accountId,
          'integration.disconnected',
          provider.id,
          `${provider.displayName} connection rolled back`,
          Date.now(),
          { sourceId },
        ),
      ).catch((e) => logger.error('records left for cleanup', { ...ids, cause: (e as Error)?.name }));
      await scheduleDeletion(secretName).catch((e) =>
        logger.error('token secret left for cleanup', { ...ids, cause: (e as Error)?.name }),
      );
      throw error;
    }
  }
  if (reconnect) await announceRestored(tokenConfig(env), previous, provider, caller.userId);
  logger.info(reconnect ? 'source reconnected' : 'source connected', ids);
  return json(200, { status: reconnect ? 'reconnected' : 'connected', provider: provider.id, sourceId });
}

export async function handler(event: HttpEvent): Promise<HttpResult> {
  try {
    return await confirm(event);
  } catch (error) {
    if (error instanceof ServiceError)
      logger.warn('oauth complete refused', { error: error.code, provider: event?.pathParameters?.provider });
    else logger.error('oauth complete failed', { cause: (error as Error)?.name });
    return errorResponse(error);
  }
}
