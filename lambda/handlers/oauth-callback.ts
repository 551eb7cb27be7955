// GET /integrations/oauth/callback/{provider}: consume state -> check -> exchange -> seal as pending completion -> redirect.
import { extractIdentity } from '../oauth/identity';
import { requestTokens } from '../oauth/exchange';
import { TOKEN_PATTERN, randomToken } from '../oauth/random';
import { completionBinding } from '../oauth/binding';
import { completionKey, seal } from '../oauth/seal';
import { verifyShopifyCallback } from '../oauth/shopify-hmac';
import { tokenDocument } from '../oauth/token-document';
import { isProviderId, resolveProvider } from '../providers/registry';
import type { CallbackCheck, ProviderEntry } from '../providers/types';
import { clientCredentials } from '../store/client-credentials';
import { putCompletion } from '../store/completions';
import { consumeState, type StateRecord } from '../store/states';
import { ServiceError, type ErrorCode } from '../shared/errors';
import { queryOf, redirect, type HttpEvent, type HttpResult } from '../shared/http';
import { httpHandler } from '../shared/http-handler';
import { joinFlow, logger } from '../shared/logger';
import { resources } from '../shared/resources';
import { countCallback } from '../metrics/emit';
import { appRedirect, callbackUrl } from '../shared/urls';
import type { ClientCredentials } from '../oauth/http-request';

const env = resources();
const statesTable = env.tables.states;

/** How long exchanged tokens wait, sealed, for the user who started the flow to confirm. */
export const COMPLETION_LIFETIME_MS = 5 * 60 * 1000;

const CALLBACK_VALUE = /^[A-Za-z0-9._~+/=:-]{1,256}$/;

/** Checks a provider requires on its callback, by name (registry `callbackChecks`). */
const CALLBACK_CHECKS: Record<
  CallbackCheck,
  (params: Record<string, string>, state: StateRecord, credentials: ClientCredentials) => void
> = {
  'shopify-hmac': (params, state, credentials) => {
    if (!verifyShopifyCallback(params, credentials.clientSecret)) {
      throw new ServiceError('invalid_signature', 'the callback signature does not match');
    }
    if (params.shop !== state.shop)
      throw new ServiceError('shop_mismatch', 'the callback names another shop');
  },
};

function checkIssuer(provider: ProviderEntry, params: Record<string, string>): void {
  // RFC 9207 / RFC 9700 §4.4.2: a provider known to send `iss` must send its own.
  if (provider.issuer !== undefined && params.iss !== provider.issuer) {
    throw new ServiceError(
      'issuer_mismatch',
      'the response does not come from the expected authorization server',
    );
  }
}

function capturedParams(provider: ProviderEntry, params: Record<string, string>): Record<string, string> {
  const captured: Record<string, string> = {};
  for (const name of provider.callbackParams) {
    const value = params[name];
    if (value === undefined || !CALLBACK_VALUE.test(value)) {
      throw new ServiceError('invalid_callback', `the callback lacks a valid ${name}`);
    }
    captured[name] = value;
  }
  return captured;
}

async function complete(
  provider: ProviderEntry,
  params: Record<string, string>,
  state: StateRecord,
  credentialsRead: Promise<ClientCredentials>,
): Promise<string> {
  if (state.expiresAt < Date.now())
    throw new ServiceError('expired_state', 'the sign-in took too long; start again');
  if (state.provider !== provider.id)
    throw new ServiceError('provider_mismatch', 'this sign-in was started for another provider');
  if (params.error !== undefined) {
    throw new ServiceError(
      params.error === 'access_denied' ? 'access_denied' : 'provider_error',
      'the provider did not grant access',
    );
  }
  checkIssuer(provider, params);
  const code = params.code;
  if (!code || code.length > 2048)
    throw new ServiceError('invalid_callback', 'the callback carries no authorization code');
  const credentials = await credentialsRead;
  for (const check of provider.callbackChecks) CALLBACK_CHECKS[check](params, state, credentials);
  const captured = capturedParams(provider, params);

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

  const completionId = randomToken(32);
  const expiresAt = now + COMPLETION_LIFETIME_MS;
  await putCompletion(statesTable, {
    state: completionKey(completionId),
    kind: 'completion',
    provider: provider.id,
    userId: state.userId,
    accountId: state.accountId,
    sourceId: state.sourceId,
    flowId: state.flowId,
    sealed: seal(JSON.stringify(document), completionId, completionBinding(state)),
    createdAt: new Date(now).toISOString(),
    expiresAt,
    ttl: Math.ceil(expiresAt / 1000) + 600,
  });
  logger.info('oauth callback exchanged code; awaiting confirmation', { reconnect: !!state.sourceId });
  return completionId;
}

function errorRedirect(provider: string | undefined, code: ErrorCode, returnPath?: string): HttpResult {
  return redirect(
    appRedirect(env.appUrl, returnPath, { status: 'error', ...(provider ? { provider } : {}), error: code }),
  );
}

async function callback(event: HttpEvent, known: { returnPath?: string }): Promise<HttpResult> {
  const providerId = event?.pathParameters?.provider;
  if (!isProviderId(providerId)) throw new ServiceError('unknown_provider', 'unknown provider');
  const provider = resolveProvider(providerId, env.endpointOverrides);
  logger.appendKeys({ provider: provider.id });
  const { params, repeated } = queryOf(event);
  if (repeated) throw new ServiceError('invalid_callback', 'the callback repeats a parameter');
  if (!params.state) throw new ServiceError('missing_state', 'the callback carries no state');
  if (!TOKEN_PATTERN.test(params.state)) throw new ServiceError('invalid_state', 'unknown or used state');
  // The client credentials are read while the state is consumed: on a cold container that overlaps the two
  // first round trips (Secrets Manager and DynamoDB); a warm one answers from its cache. Awaited only after the
  // state's checks, so an unknown state still answers invalid_state and a failed read is never left unobserved.
  const credentialsRead = clientCredentials(env.secretPrefix, provider.id, env.credentialsMaxAgeSeconds);
  credentialsRead.catch(() => undefined);
  const state = await consumeState(statesTable, params.state);
  if (!state) throw new ServiceError('invalid_state', 'unknown or used state');
  known.returnPath = state.returnPath;
  logger.appendKeys({ accountId: state.accountId, userId: state.userId });
  joinFlow(state.flowId);
  const completionId = await complete(provider, params, state, credentialsRead);
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
const providerOf = (event: HttpEvent) => {
  const id = event?.pathParameters?.provider;
  return isProviderId(id) ? id : undefined;
};

export const handler = httpHandler<{ returnPath?: string }>(
  {
    name: 'oauth callback',
    failed: (event, code) => {
      const provider = providerOf(event);
      if (provider) countCallback(provider, code);
    },
    answer: (event, _error, code, known) => errorRedirect(providerOf(event), code, known.returnPath),
  },
  callback,
);
