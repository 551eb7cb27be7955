// POST /integrations/oauth/{provider}/complete: the starting user confirms -> vault -> records -> event.
import * as v from 'valibot';
import { completionBinding } from '../oauth/binding';
import { TOKEN_PATTERN } from '../oauth/random';
import { completionKey, unseal } from '../oauth/seal';
import type { TokenDocument } from '../oauth/token-document';
import { PROVIDER_IDS, isProviderId, resolveProvider } from '../providers/registry';
import type { ProviderEntry } from '../providers/types';
import { newSourceId } from '../records/shapes';
import { consumeCompletion, type CompletionRecord } from '../store/completions';
import { isMember } from '../store/memberships';
import { originMatcher, withCors } from '../shared/cors';
import { ServiceError } from '../shared/errors';
import { callerOf, json, jsonBody, type Caller, type HttpEvent, type HttpResult } from '../shared/http';
import { httpHandler } from '../shared/http-handler';
import { joinFlow, logger } from '../shared/logger';
import { countCompletion } from '../metrics/emit';
import { tokenConfig } from '../tokens/config';
import { announceRestored } from '../tokens/health';
import { discard, refuseConfirmation } from '../connect/discard';
import { target } from '../connect/target';
import { connectNew, connectionWrites, reconnect } from '../connect/writes';

const env = tokenConfig();
const { tables } = env;
/** Origins whose pages may read our answers (the app's; a browser withholds the answer from any other page). */
const fromApp = originMatcher(env.allowedOrigins);

const CompleteBody = v.strictObject({
  completion: v.pipe(v.string(), v.regex(TOKEN_PATTERN)),
  accountId: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:@-]{1,128}$/))),
});

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
    const revocation = await discard(env, startedWith, document);
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
    return refuseConfirmation(env, startedWith, record, document, c.caller);
  }
  return { record, document };
}

async function confirm(event: HttpEvent): Promise<HttpResult> {
  const request = parse(event);
  const { record, document } = await open(request);
  const { provider, caller } = request;

  // The status before the reconnect decides whether it restores a needs_reauth connection.
  const previous = await target(env, provider, record, document);
  const isReconnect = record.sourceId !== undefined || previous !== undefined;
  const sourceId = record.sourceId ?? previous?.sourceId ?? newSourceId();
  logger.appendKeys({ accountId: record.accountId, sourceId });
  const connect = connectionWrites(provider, caller.userId, record.accountId, sourceId, document);

  if (isReconnect) {
    await reconnect(env, connect);
    await announceRestored(env, previous, provider, caller.userId);
  } else {
    await connectNew(env, connect);
  }
  const status = isReconnect ? 'reconnected' : 'connected';
  logger.info(`source ${status}`);
  countCompletion(provider.id, status);
  return json(200, { status, provider: provider.id, sourceId, accountId: record.accountId });
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
