// The provider registry validated as data: a schema for every entry, cross-field consistency, and client id shapes.
import * as v from 'valibot';
import { PROVIDERS, PROVIDER_IDS, isProviderId } from '../../lambda/providers/registry';
import type { ProviderId } from '../../lambda/providers/types';

/**
 * An https URL without credentials; `{shop}` (per-shop hosts) or `{token}` (token in the path) only where a
 * template is allowed; a fragment only on documentation links.
 */
function isHttpsUrl(value: string, templates: readonly string[] = [], fragment = false): boolean {
  let filled = value;
  for (const name of templates)
    filled = filled.replaceAll(`{${name}}`, name === 'shop' ? 'fixture.myshopify.com' : 'token');
  if (/[{}]/.test(filled)) return false;
  try {
    const url = new URL(filled);
    return (
      url.protocol === 'https:' && url.username === '' && url.password === '' && (fragment || url.hash === '')
    );
  } catch {
    return false;
  }
}

const text = v.pipe(v.string(), v.trim(), v.nonEmpty());
const httpsUrl = (templates: readonly string[] = [], fragment = false) =>
  v.pipe(
    v.string(),
    v.check((value) => isHttpsUrl(value, templates, fragment), 'must be an https URL'),
  );

/** Parameters the OAuth core sets itself: a registry entry must not override them. */
const CORE_AUTHORIZATION_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
];
const CORE_TOKEN_PARAMS = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'client_id',
  'client_secret',
];
const CORE_TOKEN_HEADERS = ['content-type', 'accept', 'authorization'];

const params = (reserved: readonly string[]) =>
  v.pipe(
    v.record(v.pipe(v.string(), v.regex(/^[a-z_]+$/)), text),
    v.check(
      (record) => Object.keys(record).every((key) => !reserved.includes(key)),
      'overrides a core parameter',
    ),
  );

/** Response header names as the registry stores them: lower case HTTP tokens. */
const headerName = v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/, 'must be a lower-case header name'));

const anchoredRegExp = v.pipe(
  v.instance(RegExp),
  v.check(
    (re) => re.source.startsWith('^') && re.source.endsWith('$') && re.flags === '',
    'must be anchored, no flags',
  ),
);

const ProviderSchema = v.strictObject({
  id: v.picklist(PROVIDER_IDS),
  displayName: text,
  docs: v.pipe(v.array(httpsUrl([], true)), v.minLength(1)),
  authorizationEndpoint: httpsUrl(['shop']),
  tokenEndpoint: httpsUrl(['shop']),
  issuer: v.optional(httpsUrl()),
  scopes: v.pipe(v.array(v.pipe(text, v.regex(/^[^\s,]+$/, 'a scope holds no separator'))), v.minLength(1)),
  scopeSeparator: v.picklist([' ', ',']),
  authorizationParams: params(CORE_AUTHORIZATION_PARAMS),
  tokenParams: params(CORE_TOKEN_PARAMS),
  tokenHeaders: v.pipe(
    v.record(v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/, 'header names in lower case')), text),
    v.check(
      (record) => Object.keys(record).every((key) => !CORE_TOKEN_HEADERS.includes(key)),
      'overrides a core header',
    ),
  ),
  clientAuth: v.picklist(['client_secret_basic', 'client_secret_post']),
  pkce: v.boolean(),
  requiresShop: v.boolean(),
  callbackChecks: v.array(v.picklist(['shopify-hmac'])),
  callbackParams: v.array(v.pipe(text, v.regex(/^[A-Za-z_]+$/))),
  identity: v.array(
    v.strictObject({
      from: v.picklist(['token', 'callback', 'id_token']),
      field: text,
      as: v.pipe(text, v.regex(/^[a-z][A-Za-z]+$/, 'identity names are camelCase')),
      pattern: v.optional(v.instance(RegExp)),
      confirmedByClaim: v.optional(v.pipe(v.string(), v.nonEmpty())),
    }),
  ),
  tokens: v.strictObject({
    rotatesRefreshToken: v.boolean(),
    refreshTokenIdleDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    refreshTokenMaxDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    refreshMarginSeconds: v.pipe(v.number(), v.integer(), v.minValue(60)),
    expiresInWhenMissing: v.union([v.pipe(v.number(), v.integer(), v.minValue(60)), v.literal('never')]),
  }),
  rateLimit: v.strictObject({
    scope: text,
    windows: v.array(
      v.pipe(
        v.strictObject({
          remaining: v.optional(headerName),
          limit: v.optional(headerName),
          usedOfLimit: v.optional(headerName),
          reset: v.optional(
            v.strictObject({ header: headerName, unit: v.picklist(['epoch-ms', 'window-ms']) }),
          ),
        }),
        v.check((w) => Boolean(w.remaining || w.usedOfLimit), 'a window says how many calls are left'),
      ),
    ),
    retryAfter: v.boolean(),
    defaultRetryAfterSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600))),
    note: v.optional(text),
    docs: v.pipe(v.array(httpsUrl([], true)), v.minLength(1)),
  }),
  revocation: v.optional(
    v.strictObject({
      endpoint: httpsUrl(['token']),
      method: v.picklist(['POST', 'DELETE']),
      body: v.picklist(['form', 'json', 'none']),
      token: v.picklist(['refresh_token', 'access_token', 'none']),
      param: text,
      revokes: v.picklist(['token', 'grant', 'account']),
      auth: v.picklist([
        'client_secret_basic',
        'client_secret_post',
        'bearer',
        'client_secret_bearer',
        'none',
      ]),
      clientIdParam: v.optional(text),
      identityParams: v.optional(v.record(text, text)),
    }),
  ),
  clientIdPattern: anchoredRegExp,
  clientIdHint: text,
  consoleUrl: httpsUrl(),
});

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
      {
        ...PROVIDERS.google,
        revocation: { ...PROVIDERS.google.revocation, endpoint: 'http://oauth2.googleapis.com/revoke' },
      },
    ];
    for (const entry of bad) expect(v.safeParse(ProviderSchema, entry).success).toBe(false);
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
