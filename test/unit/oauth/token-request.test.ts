// Token requests of every provider: URL, method, headers, client authentication and the exact form body.
import { basicAuthorization } from '../../../lambda/oauth/http-request';
import { buildTokenRequest, type TokenGrant } from '../../../lambda/oauth/token-request';
import { PROVIDERS, resolveProvider } from '../../../lambda/providers/registry';
import type { ProviderId } from '../../../lambda/providers/types';
import { callbackUrl } from '../../../lambda/shared/urls';
import { TEST_API_URL } from '../../support/constants';

const CREDENTIALS = { clientId: 'client-id-fixture', clientSecret: 'client-secret-fixture' };
const BASIC = `Basic ${Buffer.from('client-id-fixture:client-secret-fixture').toString('base64')}`;
const CODE = '4/0AfixtureAuthorizationCode';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const REFRESH = 'refresh-token-fixture/with+special=chars';
const SHOP = 'fixture-store.myshopify.com';

interface Expected {
  url: string;
  basic: boolean;
  pkce: boolean;
  extraBody: Record<string, string>;
  extraHeaders: Record<string, string>;
}

/** Each provider's documented token request, written out by hand. */
const EXPECTED: Record<ProviderId, Expected> = {
  google: {
    url: 'https://oauth2.googleapis.com/token',
    basic: false,
    pkce: true,
    extraBody: {},
    extraHeaders: {},
  },
  hubspot: {
    url: 'https://api.hubapi.com/oauth/2026-03/token',
    basic: false,
    pkce: false,
    extraBody: {},
    extraHeaders: {},
  },
  gohighlevel: {
    url: 'https://services.leadconnectorhq.com/oauth/token',
    basic: false,
    pkce: false,
    extraBody: { user_type: 'Location' },
    extraHeaders: { version: '2023-02-21' },
  },
  dropbox: {
    url: 'https://api.dropboxapi.com/oauth2/token',
    basic: true,
    pkce: true,
    extraBody: {},
    extraHeaders: {},
  },
  box: {
    url: 'https://api.box.com/oauth2/token',
    basic: false,
    pkce: false,
    extraBody: {},
    extraHeaders: {},
  },
  quickbooks: {
    url: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    basic: true,
    pkce: false,
    extraBody: {},
    extraHeaders: {},
  },
  shopify: {
    url: `https://${SHOP}/admin/oauth/access_token`,
    basic: false,
    pkce: false,
    extraBody: { expiring: '1' },
    extraHeaders: {},
  },
  keap: {
    url: 'https://api.infusionsoft.com/token',
    basic: false,
    pkce: false,
    extraBody: {},
    extraHeaders: {},
  },
  stripe: {
    url: 'https://connect.stripe.com/oauth/token',
    basic: false,
    pkce: false,
    extraBody: {},
    extraHeaders: {},
  },
};

function sortedPairs(body: string | undefined): [string, string][] {
  return [...new URLSearchParams(body ?? '').entries()].sort(([a], [b]) => a.localeCompare(b));
}

function sorted(pairs: [string, string][]): [string, string][] {
  return [...pairs].sort(([a], [b]) => a.localeCompare(b));
}

function request(id: ProviderId, grant: TokenGrant, overrides = {}) {
  const provider = resolveProvider(id, overrides);
  return buildTokenRequest(provider, grant, CREDENTIALS, provider.requiresShop ? SHOP : undefined);
}

describe.each(Object.keys(EXPECTED) as ProviderId[])('token request of %s', (id) => {
  const expected = EXPECTED[id];
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...expected.extraHeaders,
    ...(expected.basic ? { authorization: BASIC } : {}),
  };
  const clientInBody: [string, string][] = expected.basic
    ? []
    : [
        ['client_id', CREDENTIALS.clientId],
        ['client_secret', CREDENTIALS.clientSecret],
      ];

  it('exchanges an authorization code', () => {
    const redirectUri = callbackUrl(TEST_API_URL, id);
    const built = request(id, {
      grantType: 'authorization_code',
      code: CODE,
      redirectUri,
      codeVerifier: expected.pkce ? VERIFIER : undefined,
    });
    expect(built.url).toBe(expected.url);
    expect(built.method).toBe('POST');
    expect(built.headers).toEqual(headers);
    expect(sortedPairs(built.body)).toEqual(
      sorted([
        ['grant_type', 'authorization_code'],
        ['code', CODE],
        ['redirect_uri', `https://api.test.listbackup.invalid/integrations/oauth/callback/${id}`],
        ...(expected.pkce ? ([['code_verifier', VERIFIER]] as [string, string][]) : []),
        ...Object.entries(expected.extraBody),
        ...clientInBody,
      ]),
    );
  });

  it('refreshes with a refresh token', () => {
    const built = request(id, { grantType: 'refresh_token', refreshToken: REFRESH });
    expect(built.url).toBe(expected.url);
    expect(built.method).toBe('POST');
    expect(built.headers).toEqual(headers);
    expect(sortedPairs(built.body)).toEqual(
      sorted([
        ['grant_type', 'refresh_token'],
        ['refresh_token', REFRESH],
        ...Object.entries(expected.extraBody),
        ...clientInBody,
      ]),
    );
  });

  it(expected.pkce ? 'refuses a code exchange without the verifier' : 'never sends a code_verifier', () => {
    const grant: TokenGrant = {
      grantType: 'authorization_code',
      code: CODE,
      redirectUri: callbackUrl(TEST_API_URL, id),
      codeVerifier: expected.pkce ? undefined : VERIFIER,
    };
    if (expected.pkce) expect(() => request(id, grant)).toThrow(`${id} requires the PKCE verifier`);
    else expect(new URLSearchParams(request(id, grant).body).has('code_verifier')).toBe(false);
  });
});

describe('token request details', () => {
  it('form-encodes client id and secret before base64 for HTTP Basic (RFC 6749 §2.3.1)', () => {
    const credentials = { clientId: 'app id:1', clientSecret: 'sé cret+/%&=:' };
    const built = buildTokenRequest(
      PROVIDERS.quickbooks,
      { grantType: 'refresh_token', refreshToken: 'r' },
      credentials,
    );
    const expected = `Basic ${Buffer.from('app+id%3A1:s%C3%A9+cret%2B%2F%25%26%3D%3A').toString('base64')}`;
    expect(built.headers.authorization).toBe(expected);
    expect(basicAuthorization(credentials)).toBe(expected);
    expect(new URLSearchParams(built.body).has('client_secret')).toBe(false);
  });

  it('encodes special characters of the refresh token in the body so they round-trip', () => {
    const built = buildTokenRequest(
      PROVIDERS.box,
      { grantType: 'refresh_token', refreshToken: REFRESH },
      CREDENTIALS,
    );
    expect(built.body).toContain('refresh_token=refresh-token-fixture%2Fwith%2Bspecial%3Dchars');
  });

  it("puts the shop into Shopify's token endpoint and refuses to build without one", () => {
    expect(() =>
      buildTokenRequest(PROVIDERS.shopify, { grantType: 'refresh_token', refreshToken: 'r' }, CREDENTIALS),
    ).toThrow('endpoint needs a shop domain');
  });

  it('sends the token request to the overridden endpoint of the stage', () => {
    const built = request(
      'quickbooks',
      { grantType: 'refresh_token', refreshToken: REFRESH },
      { quickbooks: { tokenEndpoint: 'http://127.0.0.1:4010/token' } },
    );
    expect(built.url).toBe('http://127.0.0.1:4010/token');
    expect(built.headers.authorization).toBe(BASIC);
  });
});
