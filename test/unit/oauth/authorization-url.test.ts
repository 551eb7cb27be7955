// The authorization URL of every provider: endpoint, every query parameter, PKCE only where supported, overrides.
import { buildAuthorizationUrl } from '../../../lambda/oauth/authorization-url';
import { challengeOf } from '../../../lambda/oauth/pkce';
import { PROVIDERS, resolveProvider } from '../../../lambda/providers/registry';
import type { ProviderId } from '../../../lambda/providers/types';
import { callbackUrl } from '../../../lambda/shared/urls';
import { TEST_API_URL } from '../../support/constants';

const CLIENT_ID = 'client-id-fixture';
const STATE = 'kY3_state-fixture_0123456789abcdefghijklmnopq';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const SHOP = 'fixture-store.myshopify.com';

interface Expected {
  endpoint: string;
  scope: string;
  pkce: boolean;
  extras: Record<string, string>;
}

/** What each provider's documentation asks for, written out by hand (not read from the registry). */
const EXPECTED: Record<ProviderId, Expected> = {
  google: {
    endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    scope:
      'openid https://www.googleapis.com/auth/drive.readonly https://www.googleapis.com/auth/spreadsheets.readonly ' +
      'https://www.googleapis.com/auth/bigquery.readonly https://www.googleapis.com/auth/cloud-platform.read-only',
    pkce: true,
    extras: { access_type: 'offline', prompt: 'consent' },
  },
  hubspot: {
    endpoint: 'https://app.hubspot.com/oauth/authorize',
    scope: 'oauth crm.export',
    pkce: false,
    extras: {},
  },
  gohighlevel: {
    endpoint: 'https://marketplace.gohighlevel.com/oauth/chooselocation',
    scope: 'contacts.readonly campaigns.readonly conversations.readonly opportunities.readonly',
    pkce: false,
    extras: {},
  },
  dropbox: {
    endpoint: 'https://www.dropbox.com/oauth2/authorize',
    scope:
      'account_info.read files.metadata.read files.metadata.write files.content.read files.content.write sharing.read sharing.write',
    pkce: true,
    extras: { token_access_type: 'offline' },
  },
  box: {
    endpoint: 'https://account.box.com/api/oauth2/authorize',
    scope: 'root_readwrite',
    pkce: false,
    extras: {},
  },
  quickbooks: {
    endpoint: 'https://appcenter.intuit.com/connect/oauth2',
    scope: 'com.intuit.quickbooks.accounting openid',
    pkce: false,
    extras: {},
  },
  shopify: {
    endpoint: `https://${SHOP}/admin/oauth/authorize`,
    scope: 'read_products,read_orders,read_customers,read_inventory',
    pkce: false,
    extras: {},
  },
  keap: {
    endpoint: 'https://accounts.infusionsoft.com/app/oauth/authorize',
    scope: 'full',
    pkce: false,
    extras: {},
  },
  stripe: {
    endpoint: 'https://connect.stripe.com/oauth/authorize',
    scope: 'read_only',
    pkce: false,
    extras: {},
  },
};

/** Query parameters as sorted [name, value] pairs: duplicates and unexpected extras show up in the diff. */
function queryPairs(url: URL): [string, string][] {
  return [...url.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function build(id: ProviderId, overrides = {}): URL {
  const provider = resolveProvider(id, overrides);
  return new URL(
    buildAuthorizationUrl(provider, {
      clientId: CLIENT_ID,
      redirectUri: callbackUrl(TEST_API_URL, id),
      state: STATE,
      codeChallenge: provider.pkce ? CHALLENGE : undefined,
      shop: provider.requiresShop ? SHOP : undefined,
    }),
  );
}

describe.each(Object.keys(EXPECTED) as ProviderId[])('authorization URL of %s', (id) => {
  const expected = EXPECTED[id];

  it('goes to the documented endpoint with exactly the expected parameters', () => {
    const url = build(id);
    expect(`${url.origin}${url.pathname}`).toBe(expected.endpoint);
    expect(url.hash).toBe('');
    const pairs: [string, string][] = [
      ['response_type', 'code'],
      ['client_id', CLIENT_ID],
      ['redirect_uri', `https://api.test.listbackup.invalid/integrations/oauth/callback/${id}`],
      ['scope', expected.scope],
      ['state', STATE],
      ...(expected.pkce
        ? ([
            ['code_challenge', CHALLENGE],
            ['code_challenge_method', 'S256'],
          ] as [string, string][])
        : []),
      ...Object.entries(expected.extras),
    ];
    expect(queryPairs(url)).toEqual(pairs.sort(([a], [b]) => a.localeCompare(b)));
  });

  it('uses the stage callback URL as redirect_uri', () => {
    expect(build(id).searchParams.get('redirect_uri')).toBe(callbackUrl(TEST_API_URL, id));
  });

  it(
    expected.pkce ? 'requires a PKCE challenge' : 'sends no PKCE parameters even when a challenge is passed',
    () => {
      const provider = PROVIDERS[id];
      const request = {
        clientId: CLIENT_ID,
        redirectUri: callbackUrl(TEST_API_URL, id),
        state: STATE,
        shop: provider.requiresShop ? SHOP : undefined,
      };
      if (expected.pkce) {
        expect(() => buildAuthorizationUrl(provider, request)).toThrow(`${id} requires a PKCE challenge`);
      } else {
        const url = new URL(buildAuthorizationUrl(provider, { ...request, codeChallenge: CHALLENGE }));
        expect(url.searchParams.has('code_challenge')).toBe(false);
        expect(url.searchParams.has('code_challenge_method')).toBe(false);
      }
    },
  );
});

describe('authorization URL encoding and quirks', () => {
  it('carries the RFC 7636 Appendix B challenge for the Appendix B verifier', () => {
    expect(build('google').searchParams.get('code_challenge')).toBe(challengeOf(VERIFIER));
  });

  it('percent-encodes spaces in scopes (%20, as HubSpot documents) and Shopify commas in the raw query', () => {
    expect(build('hubspot').search).toContain('&scope=oauth%20crm.export&');
    expect(build('google').search).not.toContain('+');
    expect(build('shopify').search).toContain(
      '&scope=read_products%2Cread_orders%2Cread_customers%2Cread_inventory&',
    );
    expect(build('google').search).toContain(
      '&redirect_uri=https%3A%2F%2Fapi.test.listbackup.invalid%2Fintegrations%2Foauth%2Fcallback%2Fgoogle&',
    );
  });

  it("puts Shopify's validated shop into the host and refuses to build without one", () => {
    expect(build('shopify').host).toBe(SHOP);
    expect(() =>
      buildAuthorizationUrl(PROVIDERS.shopify, {
        clientId: CLIENT_ID,
        redirectUri: 'https://cb.invalid',
        state: STATE,
      }),
    ).toThrow('endpoint needs a shop domain');
  });

  it('applies per-stage endpoint overrides and keeps every other parameter', () => {
    const overrides = { dropbox: { authorizationEndpoint: 'http://127.0.0.1:4010/auth?tenant=dropbox' } };
    const url = build('dropbox', overrides);
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:4010/auth');
    const base = build('dropbox');
    expect(queryPairs(url)).toEqual(queryPairs(new URL(`${base.href}&tenant=dropbox`)));
  });

  it('leaves a provider untouched by another provider’s override', () => {
    const url = build('box', { dropbox: { authorizationEndpoint: 'http://127.0.0.1:4010/auth' } });
    expect(`${url.origin}${url.pathname}`).toBe('https://account.box.com/api/oauth2/authorize');
    expect(resolveProvider('box', { dropbox: { authorizationEndpoint: 'http://127.0.0.1:1/x' } })).toBe(
      PROVIDERS.box,
    );
  });
});
