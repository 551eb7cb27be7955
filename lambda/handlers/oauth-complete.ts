// POST /integrations/oauth/{provider}/complete: the starting user confirms -> vault -> records -> event.
import * as v from 'valibot';
import { TOKEN_PATTERN, randomToken } from '../oauth/random';
import { completionKey, unseal } from '../oauth/seal';
import { PROVIDER_IDS, isProviderId, resolveProvider } from '../providers/registry';
import type { ProviderEntry } from '../providers/types';
import {
  activity,
  connectionItem,
  newSourceId,
  sourceItem,
  tokenLookup,
  type ConnectionItem,
} from '../records/shapes';
import { clientCredentials } from '../store/client-credentials';
import { consumeCompletion, type CompletionRecord } from '../store/completions';
import { DETAIL_TYPES, publish } from '../store/events';
import { isMember } from '../store/memberships';
import { deleteNewConnection, writeActivity, writeNewConnection, writeReconnection } from '../store/records';
import { tokenSecretName } from '../store/vault';
import { originMatcher, withCors } from '../shared/cors';
import { ServiceError } from '../shared/errors';
import { callerOf, json, jsonBody, type Caller, type HttpEvent, type HttpResult } from '../shared/http';
import { httpHandler } from '../shared/http-handler';
import { joinFlow, logger } from '../shared/logger';
import { countCompletion } from '../metrics/emit';
import { completionBinding } from '../oauth/binding';
import { getConnection, type ConnectionRecord } from '../store/connections';
import { connectionsByExternalKey } from '../store/connection-lookup';
import { externalKey, type TokenDocument } from '../oauth/token-document';
import { tokenConfig } from '../tokens/config';
import { announceRestored } from '../tokens/health';
import { LEASE_TTL_MS, LEASE_WAIT_MS, leasePollMs } from '../tokens/policy';
import { sleep } from '../tokens/refresh-request';
import { acquireLease, leaseKey, releaseLease } from '../store/leases';
import { revokeUnlessShared } from '../tokens/revocation';

const env = tokenConfig();
const { tables, vault } = env;
/** Origins whose pages may read our answers (the app's; a browser withholds the answer from any other page). */
const fromApp = originMatcher(env.allowedOrigins);

const CompleteBody = v.strictObject({
  completion: v.pipe(v.string(), v.regex(TOKEN_PATTERN)),
  accountId: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:@-]{1,128}$/))),
});

/**
 * Revokes discarded tokens at the provider where it allows, unless the revocation would also end another
 * connection of the same external account (the victim's own, in an account-linking attempt); never throws.
 */
async function discard(provider: ProviderEntry, document: TokenDocument | undefined): Promise<string> {
  if (!document) return 'not_attempted';
  try {
    const credentials = await clientCredentials(env.secretPrefix, provider.id, env.credentialsMaxAgeSeconds);
    return await revokeUnlessShared({
      provider,
      document,
      credentials,
      lookupTables: tables,
      ids: { provider: provider.id },
    });
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
  /** The account the body names, if any; the completion's own account decides. */
  accountId?: string;
}

function parse(event: HttpEvent): Confirmation {
  const providerId = event?.pathParameters?.provider;
  if (!isProviderId(providerId))
    throw new ServiceError('unknown_provider', `unknown provider; supported: ${PROVIDER_IDS.join(', ')}`);
  logger.appendKeys({ provider: providerId });
  const caller = callerOf(event);
  logger.appendKeys({ userId: caller.userId });
  const parsed = v.safeParse(CompleteBody, jsonBody(event));
  if (!parsed.success)
    throw new ServiceError('invalid_body', 'body must be { "completion": "<id from the redirect>" }');
  return {
    provider: resolveProvider(providerId, env.endpointOverrides),
    caller,
    completion: parsed.output.completion,
    accountId: parsed.output.accountId,
  };
}

/**
 * Consumes the completion (single use) and opens its sealed tokens for the user and account that
 * started the flow; an expired one is revoked and refused, anyone else's attempt is refused (403).
 */
async function open(c: Confirmation): Promise<{ record: CompletionRecord; document: TokenDocument }> {
  const record = await consumeCompletion(tables.states, completionKey(c.completion));
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
  // The completion names its account; the starting user must still belong to it (a body may only repeat it).
  const sameUser = record.provider === c.provider.id && record.userId === c.caller.userId;
  const sameAccount =
    sameUser &&
    (c.accountId === undefined || c.accountId === record.accountId) &&
    (record.accountId === c.caller.accountId ||
      (await isMember(tables.userAccounts, c.caller.userId, record.accountId)));
  if (!sameUser || !sameAccount || !document) {
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
}

/** A new source: tokens stored, then the records; the tokens are deleted again if the records fail. */
async function storeNew(x: Connect): Promise<void> {
  await vault.create(x, x.document, tokenLookup(x.provider, x.document));
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
    logger.error('records not written; deleting the new tokens', {
      cause: (error as Error)?.name,
    });
    await forget(x);
    throw error;
  }
}

/**
 * Runs `work` holding the source's refresh lease, so that a refresh in flight (which holds it from reading
 * the old tokens to writing their successor) finishes before a reconnect writes, and a refresh that starts
 * afterwards re-reads the reconnect's tokens: neither can overwrite the newer grant.
 * @throws ServiceError retryable when the lease stays taken longer than a refresh may hold it
 */
async function underRefreshLease(x: Connect, work: () => Promise<void>): Promise<void> {
  const key = leaseKey(x.accountId, x.sourceId);
  const owner = randomToken(16);
  const waitUntil = Date.now() + LEASE_WAIT_MS;
  while (!(await acquireLease(tables.states, key, owner, Date.now(), LEASE_TTL_MS))) {
    if (Date.now() >= waitUntil)
      throw new ServiceError('retryable', 'a token refresh of this source is taking long; connect it again');
    await sleep(leasePollMs());
  }
  try {
    await work();
  } finally {
    await releaseLease(tables.states, key, owner).catch((error) =>
      logger.error('lease not released; it expires by itself', { cause: (error as Error)?.name }),
    );
  }
}

/** A reconnect: the user's new tokens replace whatever is stored (whatever its version), then the records. */
async function storeReconnect(x: Connect): Promise<void> {
  await vault.replace(x, x.document, tokenLookup(x.provider, x.document));
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
      cause: (error as Error)?.name,
    });
    if ((error as Error)?.name === 'TransactionCanceledException') {
      throw new ServiceError('source_not_found', 'that source no longer exists for this provider');
    }
    throw error;
  }
}

/** Deletes the tokens of a new source this request created (never announced); a failure is logged, never thrown. */
async function forget(x: Connect): Promise<void> {
  await vault
    .remove(x, 'now')
    .catch((e: unknown) => logger.error('new tokens left for cleanup', { cause: (e as Error)?.name }));
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
    await deleteNewConnection(tables, x.accountId, x.sourceId, rollback).catch((e) =>
      logger.error('records left for cleanup', { cause: (e as Error)?.name }),
    );
    await forget(x);
    throw error;
  }
}

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
async function target(
  provider: ProviderEntry,
  record: CompletionRecord,
  document: TokenDocument,
): Promise<ConnectionRecord | undefined> {
  const key = externalKey(provider.id, document.externalAccount);
  if (record.sourceId !== undefined) {
    const previous = await getConnection(tables.connections, record.accountId, record.sourceId);
    if (previous?.externalKey && key !== previous.externalKey) {
      const revocation = await discard(provider, document);
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
  const same = (await connectionsByExternalKey(tables, key))
    .filter(
      (c) => c.accountId === record.accountId && c.provider === provider.id && c.status !== 'disconnected',
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return same[0];
}

async function confirm(event: HttpEvent): Promise<HttpResult> {
  const request = parse(event);
  const { record, document } = await open(request);
  const { provider, caller } = request;

  // The status before the reconnect decides whether it restores a needs_reauth connection.
  const previous = await target(provider, record, document);
  const reconnect = record.sourceId !== undefined || previous !== undefined;
  const sourceId = record.sourceId ?? previous?.sourceId ?? newSourceId();
  logger.appendKeys({ accountId: record.accountId, sourceId });
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
  };

  if (reconnect) {
    await underRefreshLease(x, () => storeReconnect(x));
    await announce(x, true);
    await announceRestored(env, previous, provider, caller.userId);
  } else {
    await storeNew(x);
    await announce(x, false);
  }
  logger.info(reconnect ? 'source reconnected' : 'source connected');
  countCompletion(provider.id, reconnect ? 'reconnected' : 'connected');
  return json(200, {
    status: reconnect ? 'reconnected' : 'connected',
    provider: provider.id,
    sourceId,
    accountId: record.accountId,
  });
}

export const handler = httpHandler(
  {
    name: 'oauth complete',
    finish: (event, result) => withCors(fromApp, event, result),
    failed: (event, _code, error) => {
      const providerId = event?.pathParameters?.provider;
      if (isProviderId(providerId))
        countCompletion(providerId, error instanceof ServiceError ? 'refused' : 'failed');
    },
  },
  confirm,
);
