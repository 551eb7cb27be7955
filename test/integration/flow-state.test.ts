// State management and callback checks across requests: used once, expired, wrong provider, unknown; denied
// consent; reused or expired codes; mix-up (iss) and Shopify signature; the authorizer context at start.
import { randomToken } from '../../lambda/oauth/random';
import { shopifyCallbackHmac } from '../../lambda/oauth/shopify-hmac';
import type { StateRecord } from '../../lambda/store/states';
import { TEST_API_URL, TEST_APP_URL } from '../support/constants';
import { consentOverHttp, redeemCode } from '../support/auth-server';
import {
  expireStateItem,
  getItem,
  itemsOf,
  seedMember,
  startFlowHarness,
  uniqueId,
  type FlowHarness,
} from '../support/local-stack';
import type { ProviderId } from '../../lambda/providers/types';

let h: FlowHarness;
const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };

beforeAll(async () => {
  h = await startFlowHarness();
  await seedMember(caller.userId, caller.accountId);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

/** Starts a flow and returns the authorization URL and its state. */
async function begin(
  provider: ProviderId,
  body: Record<string, unknown> = {},
): Promise<{ authorizationUrl: string; state: string }> {
  const started = await h.startFlow(provider, caller, body);
  expect(started.statusCode).toBe(200);
  return JSON.parse(started.body as string);
}

function outcome(result: { statusCode?: number; headers: Record<string, string> }): Record<string, string> {
  expect(result.statusCode).toBe(302);
  const location = new URL(result.headers.location);
  expect(location.origin).toBe(TEST_APP_URL);
  return Object.fromEntries(location.searchParams);
}

const exchanges = async (provider: ProviderId) =>
  (await h.auth.stats()).tokenRequests[provider]?.requests ?? 0;

describe('the start request', () => {
  it('takes the caller from the authorizer context and binds the state to it', async () => {
    const { state, authorizationUrl } = await begin('dropbox');
    const record = await getItem<StateRecord>('oauth-states', { state });
    expect(record).toMatchObject({
      kind: 'state',
      provider: 'dropbox',
      userId: caller.userId,
      accountId: caller.accountId,
      codeVerifier: expect.any(String),
    });
    expect(record!.expiresAt - Date.now()).toBeGreaterThan(9 * 60_000);
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(h.auth.issuer);
    expect(url.searchParams.get('redirect_uri')).toBe(`${TEST_API_URL}/integrations/oauth/callback/dropbox`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it.each([
    ['no authorizer context', undefined],
    ['a malformed user id', { userId: 'bad id', accountId: caller.accountId }],
    ['no account', { userId: caller.userId, accountId: '' }],
  ])('answers 401 for %s', async (_, who) => {
    const started = await h.startFlow('google', who as never);
    expect(started.statusCode).toBe(401);
    expect(JSON.parse(started.body as string).error).toBe('unauthorized');
  });
});

describe('the state across requests', () => {
  it('is used once: a replayed callback is refused without a second code exchange', async () => {
    const { authorizationUrl } = await begin('hubspot');
    const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
    expect(outcome(await h.callbackWith('hubspot', callbackUrl)).status).toBe('pending');
    const before = await exchanges('hubspot');
    expect(outcome(await h.callbackWith('hubspot', callbackUrl))).toEqual({
      status: 'error',
      provider: 'hubspot',
      error: 'invalid_state',
    });
    expect(await exchanges('hubspot')).toBe(before);
  });

  it('expires: a late callback is refused and its code never exchanged', async () => {
    const { authorizationUrl, state } = await begin('box');
    await expireStateItem(state);
    const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
    const before = await exchanges('box');
    expect(outcome(await h.callbackWith('box', callbackUrl))).toEqual({
      status: 'error',
      provider: 'box',
      error: 'expired_state',
    });
    expect(await exchanges('box')).toBe(before);
    expect(await getItem('oauth-states', { state })).toBeUndefined();
  });

  it('belongs to one provider: delivered to another provider callback it is refused and burned', async () => {
    const { authorizationUrl } = await begin('hubspot');
    const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
    expect(outcome(await h.callbackWith('box', callbackUrl))).toMatchObject({
      status: 'error',
      error: 'provider_mismatch',
    });
    expect(outcome(await h.callbackWith('hubspot', callbackUrl))).toMatchObject({
      status: 'error',
      error: 'invalid_state',
    });
  });

  it.each([
    ['an unknown state', { state: randomToken(32), code: 'abc' }, 'invalid_state'],
    ['a malformed state', { state: 'not a state!', code: 'abc' }, 'invalid_state'],
    ['no state', { code: 'abc' }, 'missing_state'],
  ])('refuses %s', async (_, query, error) => {
    expect(outcome(await h.callbackWith('google', new URLSearchParams(query)))).toEqual({
      status: 'error',
      provider: 'google',
      error,
    });
  });
});

describe('what the provider sends back', () => {
  it('denied consent -> access_denied, nothing exchanged', async () => {
    const { authorizationUrl } = await begin('google');
    const callbackUrl = await consentOverHttp(authorizationUrl, {
      callbackPrefix: TEST_API_URL,
      decision: 'deny',
    });
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
    expect(outcome(await h.callbackWith('google', callbackUrl))).toEqual({
      status: 'error',
      provider: 'google',
      error: 'access_denied',
    });
  });

  it('a code already redeemed by someone else -> invalid_grant from the real token endpoint', async () => {
    const { authorizationUrl } = await begin('quickbooks');
    const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
    const code = callbackUrl.searchParams.get('code') as string;
    expect(
      await redeemCode(h.auth, 'quickbooks', code, `${TEST_API_URL}/integrations/oauth/callback/quickbooks`),
    ).toBe(200);
    expect(outcome(await h.callbackWith('quickbooks', callbackUrl))).toEqual({
      status: 'error',
      provider: 'quickbooks',
      error: 'invalid_grant',
    });
    expect((await h.auth.stats()).tokenRequests.quickbooks?.error_invalid_grant).toBeGreaterThanOrEqual(1);
  });

  it('an expired code -> invalid_grant', async () => {
    const { authorizationUrl } = await begin('keap');
    const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
    expect(await h.auth.expire('codes', 'keap')).toBeGreaterThanOrEqual(1);
    expect(outcome(await h.callbackWith('keap', callbackUrl))).toEqual({
      status: 'error',
      provider: 'keap',
      error: 'invalid_grant',
    });
  });

  it('a provider outage at the token endpoint -> provider_unavailable', async () => {
    const { authorizationUrl } = await begin('stripe');
    const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
    await h.auth.failNext('stripe', 503, 1);
    expect(outcome(await h.callbackWith('stripe', callbackUrl))).toEqual({
      status: 'error',
      provider: 'stripe',
      error: 'provider_unavailable',
    });
  });

  it('an iss of another authorization server -> issuer_mismatch (RFC 9207 mix-up defense), code not exchanged', async () => {
    const { authorizationUrl } = await begin('google');
    const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
    callbackUrl.searchParams.set('iss', 'https://attacker.example');
    const before = await exchanges('google');
    expect(outcome(await h.callbackWith('google', callbackUrl))).toEqual({
      status: 'error',
      provider: 'google',
      error: 'issuer_mismatch',
    });
    expect(await exchanges('google')).toBe(before);
  });

  it('a Shopify callback with a forged hmac or another shop -> refused', async () => {
    for (const [tamper, error] of [
      [(u: URL) => u.searchParams.set('hmac', '0'.repeat(64)), 'invalid_signature'],
      [(u: URL) => u.searchParams.set('timestamp', '1'), 'invalid_signature'],
      [
        (u: URL) => {
          // Correctly signed, but for another shop than the one the flow was started for.
          u.searchParams.set('shop', 'other-store.myshopify.com');
          u.searchParams.delete('hmac');
          u.searchParams.set(
            'hmac',
            shopifyCallbackHmac(Object.fromEntries(u.searchParams), h.auth.credentials.shopify.clientSecret),
          );
        },
        'shop_mismatch',
      ],
    ] as const) {
      const { authorizationUrl } = await begin('shopify', { shop: 'demo-store.myshopify.com' });
      const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
      tamper(callbackUrl);
      expect(outcome(await h.callbackWith('shopify', callbackUrl))).toMatchObject({ status: 'error', error });
    }
    expect(await itemsOf('sources', caller.accountId)).toEqual([]);
  });
});
