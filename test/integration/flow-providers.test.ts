// The full start -> authorize -> callback -> complete flow for each of the nine providers against the local
// authorization server (oidc-provider), DynamoDB Local and the AWS stand-ins.
import { PROVIDERS, PROVIDER_IDS, type ProviderId } from '../../lambda/providers/registry';
import type { ActivityItem, ConnectionItem, SourceItem } from '../../lambda/records/shapes';
import type { TokenDocument } from '../../lambda/oauth/token-document';
import { TEST_APP_URL, TEST_BUS } from '../support/constants';
import {
  getItem,
  itemsOf,
  seedMember,
  startFlowHarness,
  uniqueId,
  type FlowHarness,
} from '../support/local-stack';
import { stored } from '../support/vault';

let h: FlowHarness;

beforeAll(async () => {
  h = await startFlowHarness();
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

/** What identifies the connected account, per provider, as the quirks of the local server produce it. */
const IDENTITY: Record<ProviderId, RegExp> = {
  google: /^\{"googleUserId":"user-google"\}$/,
  hubspot: /^\{"hubId":"\d{9}"\}$/,
  gohighlevel: /^\{"locationId":"[0-9a-f]{24}","companyId":"[0-9a-f]{24}"\}$/,
  dropbox: /^\{"accountId":"dbid:AA[0-9a-f]{24}"\}$/,
  box: /^\{\}$/,
  quickbooks: /^\{"realmId":"\d{9}"\}$/,
  shopify: /^\{"shop":"demo-store\.myshopify\.com"\}$/,
  keap: /^\{"appHost":"user-keap\.infusionsoft\.com"\}$/,
  stripe: /^\{"stripeAccountId":"acct_[0-9a-f]{24}"\}$/,
};

describe.each(PROVIDER_IDS)('%s: connect end to end', (provider) => {
  const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
  const shop = PROVIDERS[provider].requiresShop ? 'demo-store.myshopify.com' : undefined;

  it('starts, consents, exchanges the code, and connects the source on confirmation', async () => {
    await seedMember(caller.userId, caller.accountId);
    const before = await h.auth.stats();
    const { callbackUrl, appRedirect } = await h.authorize(provider, caller, {
      login: `user-${provider}`,
      shop,
    });

    // What the provider sent back: code, state, RFC 9207 iss, plus the provider's own parameters.
    expect(callbackUrl.searchParams.get('code')).toBeTruthy();
    expect(callbackUrl.searchParams.get('iss')).toBe(h.auth.issuer);
    if (provider === 'quickbooks') expect(callbackUrl.searchParams.get('realmId')).toMatch(/^\d{9}$/);
    if (provider === 'shopify') expect(callbackUrl.searchParams.get('hmac')).toMatch(/^[0-9a-f]{64}$/);

    // The callback only parks the tokens: redirect to the app with a completion id, nothing written yet.
    expect(`${appRedirect.origin}${appRedirect.pathname}`).toBe(`${TEST_APP_URL}/integrations`);
    expect(appRedirect.searchParams.get('status')).toBe('pending');
    expect(appRedirect.searchParams.get('provider')).toBe(provider);
    expect(appRedirect.searchParams.has('code')).toBe(false);
    expect(appRedirect.searchParams.has('state')).toBe(false);
    expect(await itemsOf('sources', caller.accountId)).toEqual([]);

    const confirmed = await h.confirm(provider, caller, appRedirect.searchParams.get('completion') as string);
    expect(confirmed.statusCode).toBe(200);
    const answer = JSON.parse(confirmed.body as string) as {
      status: string;
      sourceId: string;
      provider: string;
    };
    expect(answer).toEqual({
      status: 'connected',
      provider,
      sourceId: expect.stringMatching(/^src_/),
      accountId: caller.accountId,
    });

    // One code exchange at the provider's token endpoint, authenticated as registered.
    const after = await h.auth.stats();
    const exchanges = (s: typeof after) => s.tokenRequests[provider]?.authorization_code ?? 0;
    expect(exchanges(after) - exchanges(before)).toBe(1);

    // Records as records/shapes.ts says.
    const source = await getItem<SourceItem>('sources', {
      accountId: caller.accountId,
      sourceId: answer.sourceId,
    });
    const connection = await getItem<ConnectionItem>('platform-connections', {
      accountId: caller.accountId,
      sourceId: answer.sourceId,
    });
    expect(source).toMatchObject({
      type: 'oauth',
      provider,
      status: 'active',
      createdBy: caller.userId,
      tokenSecretName: `sources/${caller.accountId}/${answer.sourceId}/oauth-tokens`,
    });
    expect(connection).toMatchObject({
      provider,
      status: 'active',
      connectedBy: caller.userId,
      tokenSecretName: source?.tokenSecretName,
      lastErrorCode: null,
    });
    expect(JSON.stringify(connection?.externalAccount)).toMatch(IDENTITY[provider]);
    expect(source?.externalAccount).toEqual(connection?.externalAccount);
    const activity = await itemsOf<ActivityItem>('activity', caller.accountId);
    expect(activity.map((a) => a.type)).toEqual(['integration.connected']);

    // Tokens in the vault (sealed in the oauth-tokens item), readable as a token document.
    const document = (await stored({ accountId: caller.accountId, sourceId: answer.sourceId }))
      .document as TokenDocument;
    expect(document).toMatchObject({ version: 1, provider, tokenType: expect.stringMatching(/^bearer$/i) });
    expect(document.accessToken.length).toBeGreaterThan(20);
    expect(document.refreshToken?.length).toBeGreaterThan(20);
    expect(document.externalAccount).toEqual(connection?.externalAccount);
    if (shop) expect(document.shop).toBe(shop);
    expect(document.scopes.length).toBeGreaterThan(0);

    // The event on the bus names the new source.
    const event = h.aws.events().find((e) => e.Detail?.includes(answer.sourceId));
    expect(event).toMatchObject({
      EventBusName: TEST_BUS,
      Source: 'listbackup.integrations',
      DetailType: expect.stringMatching(/connected/i),
    });
  });
});

describe('quickbooks: the realm is confirmed by the ID token', () => {
  it('connects under the realm the ID token names (realmid claim equal to the callback realmId)', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(caller.userId, caller.accountId);
    const { callbackUrl, appRedirect } = await h.authorize('quickbooks', caller, { login: 'books-a' });
    expect(appRedirect.searchParams.get('status')).toBe('pending');
    const { sourceId } = JSON.parse(
      (await h.confirm('quickbooks', caller, appRedirect.searchParams.get('completion') as string))
        .body as string,
    ) as { sourceId: string };
    const connection = await getItem<ConnectionItem>('platform-connections', {
      accountId: caller.accountId,
      sourceId,
    });
    expect(connection?.externalAccount).toEqual({ realmId: callbackUrl.searchParams.get('realmId') });
  });

  it('refuses a callback whose realmId was rewritten (identity_mismatch), writing nothing', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(caller.userId, caller.accountId);
    const started = await h.startFlow('quickbooks', caller);
    const { authorizationUrl } = JSON.parse(started.body as string) as { authorizationUrl: string };
    const { consentOverHttp } = await import('../support/auth-server');
    const { TEST_API_URL } = await import('../support/constants');
    const callbackUrl = await consentOverHttp(authorizationUrl, {
      login: 'books-victim-co',
      callbackPrefix: TEST_API_URL,
    });
    const genuine = callbackUrl.searchParams.get('realmId') as string;
    const forged = genuine === '123456789' ? '987654321' : '123456789';
    callbackUrl.searchParams.set('realmId', forged);
    const result = await h.callbackWith('quickbooks', callbackUrl);
    const location = new URL(result.headers.location);
    expect(location.searchParams.get('status')).toBe('error');
    expect(location.searchParams.get('error')).toBe('identity_mismatch');
    expect(location.searchParams.has('completion')).toBe(false);
    expect(await itemsOf('sources', caller.accountId)).toEqual([]);
    expect(await itemsOf('platform-connections', caller.accountId)).toEqual([]);
  });
});
