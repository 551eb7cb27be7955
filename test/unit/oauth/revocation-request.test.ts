// Revocation requests of every provider that has one, and none for those without.
import { buildRevocationRequest } from '../../../lambda/oauth/revocation-request';
import type { TokenDocument } from '../../../lambda/oauth/token-document';
import { PROVIDERS, resolveProvider } from '../../../lambda/providers/registry';
import type { ProviderId } from '../../../lambda/providers/types';

const CREDENTIALS = { clientId: 'client-id-fixture', clientSecret: 'client-secret-fixture' };
const BASIC = `Basic ${Buffer.from('client-id-fixture:client-secret-fixture').toString('base64')}`;
const ACCESS = 'access-token-fixture';
const REFRESH = 'refresh/token+fixture';

function document(
  provider: ProviderId,
  externalAccount: Record<string, string> = {},
  refresh = true,
): TokenDocument {
  return {
    version: 1,
    provider,
    accessToken: ACCESS,
    ...(refresh ? { refreshToken: REFRESH } : {}),
    tokenType: 'bearer',
    scopes: [],
    expiresAt: null,
    obtainedAt: '2026-11-25T12:00:00.000Z',
    externalAccount,
  };
}

const FORM = 'application/x-www-form-urlencoded';

describe('revocation requests', () => {
  it('google: RFC 7009 form with the refresh token, no client authentication', () => {
    expect(buildRevocationRequest(PROVIDERS.google, document('google'), CREDENTIALS)).toEqual({
      url: 'https://oauth2.googleapis.com/revoke',
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'token=refresh%2Ftoken%2Bfixture',
    });
  });

  it('google: falls back to the access token when no refresh token was issued', () => {
    const request = buildRevocationRequest(PROVIDERS.google, document('google', {}, false), CREDENTIALS);
    expect(request?.body).toBe('token=access-token-fixture');
  });

  it('hubspot: form with token, client id and secret', () => {
    const request = buildRevocationRequest(
      PROVIDERS.hubspot,
      document('hubspot', { hubId: '62515' }),
      CREDENTIALS,
    );
    expect(request).toEqual({
      url: 'https://api.hubapi.com/oauth/2026-03/token/revoke',
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': FORM },
      body: expect.any(String),
    });
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      token: REFRESH,
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.clientSecret,
    });
  });

  it('dropbox: the access token as bearer and no body', () => {
    expect(buildRevocationRequest(PROVIDERS.dropbox, document('dropbox'), CREDENTIALS)).toEqual({
      url: 'https://api.dropboxapi.com/2/auth/token/revoke',
      method: 'POST',
      headers: { accept: 'application/json', authorization: `Bearer ${ACCESS}` },
      body: undefined,
    });
  });

  it('box: form with token, client id and secret', () => {
    const request = buildRevocationRequest(PROVIDERS.box, document('box'), CREDENTIALS);
    expect(request).toEqual({
      url: 'https://api.box.com/oauth2/revoke',
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': FORM },
      body: expect.any(String),
    });
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      token: REFRESH,
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.clientSecret,
    });
  });

  it('quickbooks: JSON body with the refresh token and HTTP Basic', () => {
    const request = buildRevocationRequest(
      PROVIDERS.quickbooks,
      document('quickbooks', { realmId: '9341452398475612' }),
      CREDENTIALS,
    );
    expect(request).toEqual({
      url: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', authorization: BASIC },
      body: JSON.stringify({ token: REFRESH }),
    });
  });

  it('stripe: deauthorize names the account, authenticated with the platform secret key', () => {
    const request = buildRevocationRequest(
      PROVIDERS.stripe,
      document('stripe', { stripeAccountId: 'acct_1032D82eZvKYlo2C' }),
      CREDENTIALS,
    );
    expect(request).toEqual({
      url: 'https://connect.stripe.com/oauth/deauthorize',
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': FORM,
        authorization: `Bearer ${CREDENTIALS.clientSecret}`,
      },
      body: expect.any(String),
    });
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      client_id: CREDENTIALS.clientId,
      stripe_user_id: 'acct_1032D82eZvKYlo2C',
    });
  });

  it('stripe: no request when the connected account id is unknown', () => {
    expect(buildRevocationRequest(PROVIDERS.stripe, document('stripe'), CREDENTIALS)).toBeUndefined();
  });

  it.each(['gohighlevel', 'shopify', 'keap'] as const)('%s: no revocation endpoint, no request', (id) => {
    expect(buildRevocationRequest(PROVIDERS[id], document(id), CREDENTIALS)).toBeUndefined();
  });

  it('uses the stage override of the revocation endpoint', () => {
    const provider = resolveProvider('box', { box: { revocationEndpoint: 'http://127.0.0.1:4010/revoke' } });
    expect(buildRevocationRequest(provider, document('box'), CREDENTIALS)?.url).toBe(
      'http://127.0.0.1:4010/revoke',
    );
  });

  it('ignores a revocation override for a provider without revocation', () => {
    const provider = resolveProvider('keap', {
      keap: { revocationEndpoint: 'http://127.0.0.1:4010/revoke' },
    });
    expect(provider.revocation).toBeUndefined();
    expect(buildRevocationRequest(provider, document('keap'), CREDENTIALS)).toBeUndefined();
  });

  it('puts the token into a {token} path template, encoded', () => {
    const provider = {
      ...PROVIDERS.hubspot,
      revocation: {
        endpoint: 'https://api.hubapi.com/oauth/v1/refresh-tokens/{token}',
        method: 'DELETE' as const,
        body: 'none' as const,
        token: 'refresh_token' as const,
        param: 'token',
        auth: 'none' as const,
        revokes: 'token' as const,
      },
    };
    expect(buildRevocationRequest(provider, document('hubspot'), CREDENTIALS)).toEqual({
      url: 'https://api.hubapi.com/oauth/v1/refresh-tokens/refresh%2Ftoken%2Bfixture',
      method: 'DELETE',
      headers: { accept: 'application/json' },
      body: undefined,
    });
  });
});
