// GET /integrations/oauth/callback/{provider}: consume state -> check -> exchange -> seal as pending completion -> redirect.
import { callbackState, validateCallback, verifyCallback } from '../oauth/callback';
import { extractIdentity } from '../oauth/identity';
import { requestTokens } from '../oauth/exchange';
import { randomToken } from '../oauth/random';
import { completionBinding } from '../oauth/binding';
import { completionKey, seal } from '../oauth/seal';
import { tokenDocument, type TokenDocument } from '../oauth/token-document';
import { isProviderId, resolveProvider } from '../providers/registry';
import { clientCredentials } from '../store/client-credentials';
import { putCompletion, type CompletionRecord } from '../store/completions';
import { consumeState, type StateRecord } from '../store/states';
import { ServiceError, type ErrorCode } from '../shared/errors';
import { queryOf, redirect, type HttpEvent, type HttpResult } from '../shared/http';
import { httpHandler } from '../shared/http-handler';
import { joinFlow, logger } from '../shared/logger';
import { resources } from '../shared/resources';
import { countCallback } from '../metrics/emit';
import { appRedirect, callbackUrl } from '../shared/urls';

const env = resources();

/** How long exchanged tokens wait, sealed, for the user who started the flow to confirm. */
export const COMPLETION_LIFETIME_MS = 5 * 60 * 1000;

/** The exchanged tokens sealed for the user who started the flow, under a new single-use completion id. */
function pendingCompletion(
  state: StateRecord,
  document: TokenDocument,
  now: number,
): { completionId: string; record: CompletionRecord } {
  const completionId = randomToken(32);
  const expiresAt = now + COMPLETION_LIFETIME_MS;
  return {
    completionId,
    record: {
      state: completionKey(completionId),
      kind: 'completion',
      provider: state.provider,
      userId: state.userId,
      accountId: state.accountId,
      sourceId: state.sourceId,
      flowId: state.flowId,
      sealed: seal(JSON.stringify(document), completionId, completionBinding(state)),
      createdAt: new Date(now).toISOString(),
      expiresAt,
      ttl: Math.ceil(expiresAt / 1000) + 600,
    },
  };
}

async function callback(event: HttpEvent, known: { returnPath?: string }): Promise<HttpResult> {
  const providerId = event?.pathParameters?.provider;
  if (!isProviderId(providerId)) throw new ServiceError('unknown_provider', 'unknown provider');
  const provider = resolveProvider(providerId, env.endpointOverrides);
  logger.appendKeys({ provider: provider.id });
  const { params, repeated } = queryOf(event);
  const stateParam = callbackState(params, repeated);

  // The client credentials are read while the state is consumed: on a cold container that overlaps the two
  // first round trips (Secrets Manager and DynamoDB); a warm one answers from its cache. Awaited only after the
  // state's checks, so an unknown state still answers invalid_state and a failed read is never left unobserved.
  const credentialsRead = clientCredentials(env.secretPrefix, provider.id, env.credentialsMaxAgeSeconds);
  credentialsRead.catch(() => undefined);
  const state = await consumeState(env.tables.states, stateParam);
  if (!state) throw new ServiceError('invalid_state', 'unknown or used state');
  known.returnPath = state.returnPath;
  logger.appendKeys({ accountId: state.accountId, userId: state.userId });
  joinFlow(state.flowId);

  const code = validateCallback(provider, state, params, Date.now());
  const credentials = await credentialsRead;
  const captured = verifyCallback(provider, state, params, credentials.clientSecret);
  const tokens = await requestTokens(
    provider,
    {
      grantType: 'authorization_code',
      code,
      redirectUri: callbackUrl(env.apiUrl, provider.id),
      codeVerifier: state.codeVerifier,
    },
    credentials,
    state.shop,
  );
  const now = Date.now();
  const identity = extractIdentity(provider, tokens.fields, captured);
  const document = tokenDocument(provider.id, tokens, identity, now, state.shop);

  const { completionId, record } = pendingCompletion(state, document, now);
  await putCompletion(env.tables.states, record);
  logger.info('oauth callback exchanged code; awaiting confirmation', { reconnect: !!state.sourceId });
  countCallback(provider.id, 'pending');
  return redirect(
    appRedirect(env.appUrl, state.returnPath, {
      status: 'pending',
      provider: provider.id,
      completion: completionId,
    }),
  );
}

/** The provider the callback names, when it is one of ours. */
function providerOf(event: HttpEvent): string | undefined {
  const id = event?.pathParameters?.provider;
  return isProviderId(id) ? id : undefined;
}

function errorRedirect(provider: string | undefined, code: ErrorCode, returnPath?: string): HttpResult {
  return redirect(
    appRedirect(env.appUrl, returnPath, { status: 'error', ...(provider ? { provider } : {}), error: code }),
  );
}

export const handler = httpHandler<{ returnPath?: string }>(
  {
    name: 'oauth callback',
    failed: (event, code) => {
      const provider = event?.pathParameters?.provider;
      if (isProviderId(provider)) countCallback(provider, code);
    },
    answer: (event, _error, code, known) => errorRedirect(providerOf(event), code, known.returnPath),
  },
  callback,
);
