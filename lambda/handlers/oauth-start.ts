// POST /integrations/oauth/{provider}/start: parse -> authorize caller -> store state -> respond with the URL.
import * as v from 'valibot';
import { buildAuthorizationUrl } from '../oauth/authorization-url';
import { createPkce } from '../oauth/pkce';
import { randomToken } from '../oauth/random';
import { OUTCOME_PARAMETERS, isSafeReturnPath, outcomeParameterIn } from '../oauth/return-path';
import { isShopDomain } from '../oauth/shop';
import { PROVIDER_IDS, isProviderId, resolveProvider } from '../providers/registry';
import { clientCredentials } from '../store/client-credentials';
import { isMember } from '../store/memberships';
import { getSource } from '../store/sources';
import { putState } from '../store/states';
import { originMatcher, withCors } from '../shared/cors';
import { ServiceError } from '../shared/errors';
import { callerOf, json, jsonBody, type HttpEvent, type HttpResult } from '../shared/http';
import { httpHandler } from '../shared/http-handler';
import { joinFlow, logger, newFlowId } from '../shared/logger';
import { resources } from '../shared/resources';
import { countFlowStarted } from '../metrics/emit';
import { callbackUrl } from '../shared/urls';

const env = resources();
const { tables } = env;
/** Origins whose pages may read our answers (the app's; a browser withholds the answer from any other page). */
const fromApp = originMatcher(env.allowedOrigins);

/** How long a state may wait for its callback. */
export const STATE_LIFETIME_MS = 10 * 60 * 1000;

// Every message is our own: none repeats a key or a value of the request.
const id = v.pipe(v.string('must be an id'), v.regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'must be an id'));
const StartBody = v.strictObject({
  accountId: v.optional(id),
  sourceId: v.optional(id),
  returnPath: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (p: string) => isSafeReturnPath(p),
        'returnPath must be a relative path in the app, such as /sources',
      ),
      v.check(
        (p: string) => outcomeParameterIn(p) === undefined,
        `returnPath must not carry ${OUTCOME_PARAMETERS.join(', ')}: the callback adds those to its redirect`,
      ),
    ),
  ),
  shop: v.optional(v.string('must be a store domain')),
});
const FIELDS = Object.keys(StartBody.entries);

function parseBody(event: HttpEvent): v.InferOutput<typeof StartBody> {
  const result = v.safeParse(StartBody, jsonBody(event));
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = v.getDotPath(issue);
  if (key === 'returnPath') throw new ServiceError('invalid_return_path', issue.message);
  if (key !== null && FIELDS.includes(key))
    throw new ServiceError('invalid_body', `body field ${key}: ${issue.message}`);
  throw new ServiceError(
    'invalid_body',
    `the body has a field start does not accept; allowed: ${FIELDS.join(', ')}`,
  );
}

async function start(event: HttpEvent): Promise<HttpResult> {
  const providerId = event?.pathParameters?.provider;
  if (!isProviderId(providerId)) {
    throw new ServiceError('unknown_provider', `unknown provider; supported: ${PROVIDER_IDS.join(', ')}`);
  }
  const provider = resolveProvider(providerId, env.endpointOverrides);
  logger.appendKeys({ provider: provider.id });
  const caller = callerOf(event);
  logger.appendKeys({ userId: caller.userId });
  const body = parseBody(event);

  let shop: string | undefined;
  if (provider.requiresShop) {
    if (!isShopDomain(body.shop))
      throw new ServiceError('invalid_shop', 'shop must be a store domain such as example.myshopify.com');
    shop = body.shop;
  } else if (body.shop !== undefined) {
    throw new ServiceError(
      'invalid_body',
      `shop is only accepted for providers that need one, not ${provider.id}`,
    );
  }

  const accountId = body.accountId ?? caller.accountId;
  logger.appendKeys({ accountId });
  if (accountId !== caller.accountId && !(await isMember(tables.userAccounts, caller.userId, accountId))) {
    throw new ServiceError('forbidden', 'you are not a member of that account');
  }
  if (body.sourceId !== undefined) {
    const source = await getSource(tables.sources, accountId, body.sourceId);
    if (!source || source.provider !== provider.id) {
      throw new ServiceError('source_not_found', `no ${provider.id} source ${body.sourceId} in this account`);
    }
  }

  const credentials = await clientCredentials(env.secretPrefix, provider.id, env.credentialsMaxAgeSeconds);
  const state = randomToken(32);
  const flowId = newFlowId();
  joinFlow(flowId);
  const pkce = provider.pkce ? createPkce() : undefined;
  const now = Date.now();
  const expiresAt = now + STATE_LIFETIME_MS;
  await putState(tables.states, {
    state,
    kind: 'state',
    provider: provider.id,
    userId: caller.userId,
    accountId,
    sourceId: body.sourceId,
    returnPath: body.returnPath,
    shop,
    codeVerifier: pkce?.verifier,
    flowId,
    createdAt: new Date(now).toISOString(),
    expiresAt,
    ttl: Math.ceil(expiresAt / 1000) + 3600,
  });
  const authorizationUrl = buildAuthorizationUrl(provider, {
    clientId: credentials.clientId,
    redirectUri: callbackUrl(env.apiUrl, provider.id),
    state,
    codeChallenge: pkce?.challenge,
    shop,
  });
  logger.info('oauth flow started', { reconnect: !!body.sourceId });
  countFlowStarted(provider.id);
  return json(200, { authorizationUrl, state, expiresAt: new Date(expiresAt).toISOString() });
}

export const handler = httpHandler(
  { name: 'oauth start', finish: (event, result) => withCors(fromApp, event, result) },
  start,
);
