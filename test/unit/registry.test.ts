// The provider registry validated as data: a schema for every entry, cross-field consistency, and client id shapes.
import * as v from 'valibot';
import { PROVIDERS, PROVIDER_IDS, isProviderId } from '../../lambda/providers/registry';
import {
  DEFAULT_REFRESH_MARGIN_SECONDS,
  defineProvider,
  type ProviderDefinition,
} from '../../lambda/providers/define';
import { ProviderSchema } from '../../lambda/providers/schema';
import type { ProviderId } from '../../lambda/providers/types';

/** Each provider's own documentation domains. */
const OWN_DOMAINS: Record<ProviderId, string[]> = {
  google: ['google.com'],
  hubspot: ['hubspot.com'],
  gohighlevel: ['gohighlevel.com'],
  dropbox: ['dropbox.com', 'dropbox.tech'],
  box: ['box.com'],
  quickbooks: ['intuit.com'],
  shopify: ['shopify.dev', 'shopify.com'],
  keap: ['infusionsoft.com', 'keap.com'],
  stripe: ['stripe.com'],
};

/**
 * Client ids that must pass (`docs`: shown in the provider's documentation; `shape`: built from the documented
 * shape where the docs show none) and ids that must fail.
 */
const CLIENT_IDS: Record<ProviderId, { valid: { id: string; source: string }[]; invalid: string[] }> = {
  google: {
    valid: [
      // Google API Client Library for Java reference, GoogleAuthorizationCodeRequestUrl sample (older id form).
      { id: '812741506391.apps.googleusercontent.com', source: 'docs' },
      { id: '407408718192-4h5u8s0a1c2e3g4i5k6m7o8q9s0u1w2y.apps.googleusercontent.com', source: 'shape' },
    ],
    invalid: ['407408718192-abc.apps.googleusercontent.com.evil.example', 'GOCSPX-secret-not-an-id'],
  },
  hubspot: {
    // HubSpot "Working with OAuth", parameter table of the authorization URL.
    valid: [{ id: '7fff1e36-2d40-4ae1-bbb1-5266d59564fb', source: 'docs' }],
    invalid: ['7fff1e36-2d40-4ae1-bbb1', 'pat-na1-7fff1e36-2d40-4ae1-bbb1-5266d59564fb'],
  },
  gohighlevel: {
    valid: [{ id: '6476c5f3a4c5e5b8a1f7d8a2-lk1b2c3d', source: 'shape' }],
    invalid: ['6476c5f3a4c5e5b8a1f7d8a2', 've9EPM428h8vShlRW1KT'],
  },
  dropbox: {
    valid: [{ id: 'b1n2m3v4c5x6z7q', source: 'shape' }],
    invalid: ['B1N2M3V4C5X6Z7Q', 'sl.u.AFixtureToken'],
  },
  box: {
    // Box "Authorize user" reference, sample request.
    valid: [{ id: 'ly1nj6n11vionaie65emwzk575hnnmrk', source: 'docs' }],
    invalid: ['ly1nj6n11vionaie65emwzk575hnnmr', 'LY1NJ6N11VIONAIE65EMWZK575HNNMRK'],
  },
  quickbooks: {
    valid: [{ id: 'ABq1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C2v3B4', source: 'shape' }],
    invalid: ['Q0b1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C2v3B4', 'AB-short'],
  },
  shopify: {
    valid: [{ id: '0123456789abcdef0123456789abcdef', source: 'shape' }],
    invalid: ['shpss_0123456789abcdef0123456789abcdef', '0123456789ABCDEF0123456789ABCDEF'],
  },
  keap: {
    valid: [{ id: 'Kx7pQ2mN9vR4tY6wZ8aB3cD5', source: 'shape' }],
    invalid: ['short', 'has spaces in the client id'],
  },
  stripe: {
    // Stripe Connect OAuth reference, authorize URL example.
    valid: [{ id: 'ca_32D88BD1qLklliziD7gYQvctJIhWBSQ7', source: 'docs' }],
    invalid: ['sk_test_32D88BD1qLklliziD7gYQvctJIhWBSQ7', 'acct_1032D82eZvKYlo2C'],
  },
};

describe('provider registry', () => {
  it('has exactly one entry for every provider id, keyed by its own id', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_IDS].sort());
    for (const id of PROVIDER_IDS) expect(PROVIDERS[id].id).toBe(id);
  });

  it('narrows path parameters to provider ids', () => {
    for (const id of PROVIDER_IDS) expect(isProviderId(id)).toBe(true);
    for (const value of ['Google', 'github', '', 'constructor', '__proto__', undefined, 1])
      expect(isProviderId(value)).toBe(false);
  });

  it('the schema rejects malformed entries (it is not vacuous)', () => {
    const bad = [
      { ...PROVIDERS.box, tokenEndpoint: 'http://api.box.com/oauth2/token' },
      { ...PROVIDERS.box, authorizationEndpoint: 'https://{shop}.evil/{x}' },
      { ...PROVIDERS.box, scopes: [] },
      { ...PROVIDERS.box, scopes: ['a b'] },
      { ...PROVIDERS.box, docs: [] },
      { ...PROVIDERS.box, tokenEndpoint: 'https://api.box.com/oauth2/token#x' },
      { ...PROVIDERS.box, tokenEndpoint: 'https://user:pw@api.box.com/oauth2/token' },
      { ...PROVIDERS.box, tokens: { ...PROVIDERS.box.tokens, refreshMarginSeconds: 30 } },
      { ...PROVIDERS.box, authorizationParams: { state: 'fixed' } },
      { ...PROVIDERS.box, tokenParams: { client_secret: 'x' } },
      { ...PROVIDERS.box, tokenHeaders: { authorization: 'x' } },
      { ...PROVIDERS.box, clientIdPattern: /[a-z]+/ },
      { ...PROVIDERS.box, unknownField: true },
      { ...PROVIDERS.box, id: 'Box' },
      { ...PROVIDERS.box, registration: ' ' },
      {
        ...PROVIDERS.google,
        revocation: { ...PROVIDERS.google.revocation, endpoint: 'http://oauth2.googleapis.com/revoke' },
      },
    ];
    for (const entry of bad) expect(v.safeParse(ProviderSchema, entry).success).toBe(false);
  });
});

describe('defineProvider', () => {
  // Box's entry without the defaulted fields: what an entry written with defineProvider states.
  const DEFAULTED = new Set(['scopeSeparator', 'authorizationParams', 'tokenParams', 'tokenHeaders']);
  for (const name of ['requiresShop', 'callbackChecks', 'callbackParams', 'tokens']) DEFAULTED.add(name);
  const stated = Object.fromEntries(
    Object.entries(PROVIDERS.box).filter(([name]) => !DEFAULTED.has(name)),
  ) as ProviderDefinition<'box'>;
  // An explicit undefined counts as left out.
  const lifecycle = { ...PROVIDERS.box.tokens, refreshMarginSeconds: undefined };

  it('fills the common defaults an entry leaves out', () => {
    const entry = defineProvider({ ...stated, id: 'plain', tokens: lifecycle });
    expect(entry).toMatchObject({
      scopeSeparator: ' ',
      authorizationParams: {},
      tokenParams: {},
      tokenHeaders: {},
      requiresShop: false,
      callbackChecks: [],
      callbackParams: [],
      tokens: { ...lifecycle, refreshMarginSeconds: DEFAULT_REFRESH_MARGIN_SECONDS },
    });
    expect(v.safeParse(ProviderSchema, entry).success).toBe(true);
    // Box states none of them, so its entry is what the defaults make of the rest.
    expect(defineProvider({ ...stated, tokens: lifecycle })).toEqual(PROVIDERS.box);
  });

  it('keeps what an entry states over the defaults', () => {
    const entry = defineProvider({
      ...stated,
      id: 'custom',
      scopeSeparator: ',',
      tokenParams: { expiring: '1' },
      requiresShop: true,
      tokens: { ...lifecycle, refreshMarginSeconds: 900 },
    });
    expect(entry.scopeSeparator).toBe(',');
    expect(entry.tokenParams).toEqual({ expiring: '1' });
    expect(entry.requiresShop).toBe(true);
    expect(entry.tokens.refreshMarginSeconds).toBe(900);
  });
});

describe.each(PROVIDER_IDS)('registry entry %s', (id) => {
  const entry = PROVIDERS[id];

  it('matches the schema', () => {
    const result = v.safeParse(ProviderSchema, entry);
    expect(result.success ? [] : result.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`)).toEqual([]);
  });

  it("cites its rate-limit facts on the provider's own domain", () => {
    const own = entry.rateLimit.docs.filter((url) => {
      const host = new URL(url).hostname;
      return OWN_DOMAINS[id].some((domain) => host === domain || host.endsWith(`.${domain}`));
    });
    expect(own.length).toBe(entry.rateLimit.docs.length);
  });

  it("cites at least one page on the provider's own domain", () => {
    const own = entry.docs.filter((url) => {
      const host = new URL(url).hostname;
      return OWN_DOMAINS[id].some((domain) => host === domain || host.endsWith(`.${domain}`));
    });
    expect(own.length).toBeGreaterThan(0);
  });

  it('accepts the example client ids and rejects wrong ones', () => {
    for (const { id: clientId } of CLIENT_IDS[id].valid) expect(clientId).toMatch(entry.clientIdPattern);
    for (const clientId of CLIENT_IDS[id].invalid) expect(clientId).not.toMatch(entry.clientIdPattern);
    expect('').not.toMatch(entry.clientIdPattern);
    expect(`${CLIENT_IDS[id].valid[0].id}\n`).not.toMatch(entry.clientIdPattern);
  });

  it('uses {shop} in its endpoints exactly when it requires a shop, with the Shopify HMAC check', () => {
    expect(entry.authorizationEndpoint.includes('{shop}')).toBe(entry.requiresShop);
    expect(entry.tokenEndpoint.includes('{shop}')).toBe(entry.requiresShop);
    if (entry.callbackChecks.includes('shopify-hmac')) expect(entry.requiresShop).toBe(true);
  });

  it('can fill every identity it declares', () => {
    const names = entry.identity.map((i) => i.as);
    expect(new Set(names).size).toBe(names.length);
    for (const source of entry.identity) {
      if (source.from === 'callback') expect(entry.callbackParams).toContain(source.field);
      if (source.from === 'id_token') expect(entry.scopes).toContain('openid');
    }
  });

  it('revokes with identifiers it actually stores', () => {
    const revocation = entry.revocation;
    if (!revocation) {
      expect(entry.revocation).toBeUndefined();
      return;
    }
    const names = entry.identity.map((i) => i.as);
    for (const identityName of Object.values(revocation.identityParams ?? {}))
      expect(names).toContain(identityName);
    if (revocation.token === 'none')
      expect(Object.keys(revocation.identityParams ?? {}).length).toBeGreaterThan(0);
    if (revocation.body === 'none')
      expect(revocation.auth === 'bearer' || revocation.endpoint.includes('{token}')).toBe(true);
  });

  it('keeps the refresh margin well below the shortest documented lifetime', () => {
    const { refreshMarginSeconds, expiresInWhenMissing } = entry.tokens;
    if (expiresInWhenMissing !== 'never') expect(refreshMarginSeconds).toBeLessThan(expiresInWhenMissing / 2);
  });
});
