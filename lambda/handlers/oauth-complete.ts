// POST /integrations/oauth/{provider}/complete: the starting user confirms -> vault -> records -> event.
import * as v from 'valibot';
import { TOKEN_PATTERN } from '../oauth/random';
import { revokeGrant } from '../oauth/revoke';
import { completionKey, unseal } from '../oauth/seal';
import type { TokenDocument } from '../oauth/token-document';
import { PROVIDER_IDS, isProviderId, resolveProvider } from '../providers/registry';
import type { ProviderEntry } from '../providers/types';
import { activity, connectionItem, newSourceId, sourceItem, type ConnectionItem } from '../records/shapes';
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
import { originMatcher, withCors } from '../shared/cors';
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
import { beginInvocation, joinFlow, logger } from '../shared/logger';
import { countCompletion } from '../metrics/emit';
import type { Context } from 'aws-lambda';
import { completionBinding } from '../oauth/binding';
import { getConnection } from '../store/connections';
import { tokenConfig } from '../tokens/config';
import { announceRestored } from '../tokens/health';

const env = readEnv();
/** Origins whose pages may read our answers (the app's; a browser withholds the answer from any other page). */
const fromApp = originMatcher(env.allowedOrigins);
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

/** Who is confirming, for what: the parsed request. */
interface Confirmation {
  provider: ProviderEntry;
  caller: Caller;
  completion: string;
  accountId: string;
}

function parse(event: HttpEvent): Confirmation {
  const providerId = event?.pathParameters?.provider;
  if (!isProviderId(providerId))
    throw new ServiceError('unknown_provider', `unknown provider; supported: ${PROVIDER_IDS.join(', ')}`);
  const caller = callerOf(event);
  const parsed = v.safeParse(CompleteBody, jsonBody(event));
  if (!parsed.success)
    throw new ServiceError('invalid_body', 'body must be { "completion": "<id from the redirect>" }');
  return {
    provider: resolveProvider(providerId, env.endpointOverrides),
    caller,
    completion: parsed.output.completion,
    accountId: parsed.output.accountId ?? caller.accountId,
  };
}

/**
 * Consumes the completion (single use) and opens its sealed tokens for the user and account that
 * started the flow; an expired one is revoked and refused, anyone else's attempt is refused (403).
 */
async function open(c: Confirmation): Promise<{ record: CompletionRecord; document: TokenDocument }> {
  const record = await consumeCompletion(statesTable, completionKey(c.completion));
  if (!record)
    throw new ServiceError(
      'invalid_completion',
      'this connection was already confirmed, discarded or never existed',
    );
  joinFlow(record.flowId);
  let document: TokenDocument | undefined;
  try {
    document = JSON.parse(unseal(record.sealed, c.completion, completionBinding(record))) as TokenDocument;
  } catch {
    document = undefined;
  }
  const startedWith = resolveProvider(record.provider, env.endpointOverrides);
  if (record.expiresAt < Date.now()) {
    const revocation = await discard(startedWith, document);
    logger.info('expired completion discarded', {
      provider: record.provider,
      accountId: record.accountId,
      revocation,
    });
    throw new ServiceError('expired_completion', 'the confirmation came too late; connect again');
  }
  const sameAccount =
    c.accountId === record.accountId &&
    (c.accountId === c.caller.accountId || (await isMember(userAccountsTable, c.caller.userId, c.accountId)));
  if (record.provider !== c.provider.id || record.userId !== c.caller.userId || !sameAccount || !document) {
    return refuse(startedWith, record, document, c.caller);
  }
  return { record, document };
}

/** What one confirmed connection writes: where the tokens go and the records that point at them. */
interface Connect {
  provider: ProviderEntry;
  userId: string;
  accountId: string;
  sourceId: string;
  secretName: string;
  document: TokenDocument;
  connection: ConnectionItem;
  now: number;
  ids: Record<string, string>;
}

/** A new source: secret created, then the records; the secret is deleted again if the records fail. */
async function storeNew(x: Connect): Promise<void> {
  await createTokens(x.secretName, x.document);
  try {
    await writeNewConnection(
      tables,
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
    logger.error('records not written; deleting the new token secret', {
      ...x.ids,
      cause: (error as Error)?.name,
    });
    await forget(x);
    throw error;
  }
}

/** A reconnect: a new version of the source's secret (restored or recreated if needed), then the records. */
async function storeReconnect(x: Connect): Promise<void> {
  await replaceTokens(x.secretName, x.document);
  try {
    await writeReconnection(
      tables,
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
      ...x.ids,
      cause: (error as Error)?.name,
    });
    if ((error as Error)?.name === 'TransactionCanceledException') {
      throw new ServiceError('source_not_found', 'that source no longer exists for this provider');
    }
    throw error;
  }
}

/** Schedules deletion of a secret this request created; a failure is logged for cleanup, never thrown. */
async function forget(x: Connect): Promise<void> {
  await scheduleDeletion(x.secretName).catch((e) =>
    logger.error('token secret left for cleanup', { ...x.ids, cause: (e as Error)?.name }),
  );
}

/**
 * Publishes the connected/reconnected event. If that fails, a new connection is undone (records and
 * secret) so the owners never see a source they were not told about; a reconnect keeps its working
 * tokens and records and logs the missing event.
 */
async function announce(x: Connect, reconnect: boolean): Promise<void> {
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
      env.eventBusName,
      reconnect ? DETAIL_TYPES.sourceReconnected : DETAIL_TYPES.sourceConnected,
      detail,
    );
  } catch (error) {
    if (reconnect) {
      logger.error('reconnected but the event was not published', {
        ...x.ids,
        cause: (error as Error)?.name,
      });
      return;
    }
    logger.error('event not published; undoing the new connection', {
      ...x.ids,
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
    await deleteNewConnection(tables, x.accountId, x.sourceId, rollback).catch((e) =>
      logger.error('records left for cleanup', { ...x.ids, cause: (e as Error)?.name }),
    );
    await forget(x);
    throw error;
  }
}

async function confirm(event: HttpEvent): Promise<HttpResult> {
  const request = parse(event);
  const { record, document } = await open(request);
  const { provider, caller } = request;

  const reconnect = record.sourceId !== undefined;
  const sourceId = record.sourceId ?? newSourceId();
  const secretName = tokenSecretName(record.accountId, sourceId);
  const now = Date.now();
  const x: Connect = {
    provider,
    userId: caller.userId,
    accountId: record.accountId,
    sourceId,
    secretName,
    document,
    connection: connectionItem(
      provider,
      {
        accountId: record.accountId,
        sourceId,
        connectedBy: caller.userId,
        createdAt: new Date(now).toISOString(),
      },
      document,
      secretName,
      now,
    ),
    now,
    ids: { accountId: record.accountId, userId: caller.userId, provider: provider.id, sourceId },
  };

  if (reconnect) {
    // The status before the reconnect decides whether it restores a needs_reauth connection.
    const previous = await getConnection(tables.connections, record.accountId, sourceId);
    await storeReconnect(x);
    await announce(x, true);
    await announceRestored(tokenConfig(env), previous, provider, caller.userId);
  } else {
    await storeNew(x);
    await announce(x, false);
  }
  logger.info(reconnect ? 'source reconnected' : 'source connected', x.ids);
  countCompletion(provider.id, reconnect ? 'reconnected' : 'connected');
  return json(200, { status: reconnect ? 'reconnected' : 'connected', provider: provider.id, sourceId });
}

export async function handler(event: HttpEvent, context?: Context): Promise<HttpResult> {
  beginInvocation(context);
  try {
    return withCors(fromApp, event, await confirm(event));
  } catch (error) {
    const providerId = event?.pathParameters?.provider;
    if (isProviderId(providerId))
      countCompletion(providerId, error instanceof ServiceError ? 'refused' : 'failed');
    if (error instanceof ServiceError)
      logger.warn('oauth complete refused', { error: error.code, provider: event?.pathParameters?.provider });
    else logger.error('oauth complete failed', { cause: (error as Error)?.name });
    return withCors(fromApp, event, errorResponse(error));
  }
}
