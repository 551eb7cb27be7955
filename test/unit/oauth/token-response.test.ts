// Realistic token responses of every provider: the normalised token set, the external account, and each error outcome.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractIdentity, idTokenClaims } from '../../../lambda/oauth/identity';
import { processTokenResponse, type ProviderResponse } from '../../../lambda/oauth/token-response';
import { PROVIDERS } from '../../../lambda/providers/registry';
import type { ProviderId } from '../../../lambda/providers/types';
import { ServiceError } from '../../../lambda/shared/errors';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;

function fixture(name: string): Record<string, unknown> {
  const path = join(__dirname, '..', '..', 'fixtures', 'token-responses', `${name}.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** A copy of a response body without one field. */
function without(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...body };
  delete copy[key];
  return copy;
}

function ok(body: unknown, contentType = 'application/json;charset=UTF-8'): ProviderResponse {
  return { status: 200, contentType, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

interface Expected {
  fixture: string;
  tokenType: string;
  scopes: string[];
  /** Seconds from NOW, or null for tokens documented as non-expiring. */
  expiresIn: number | null;
  /** Seconds assumed when the response carries no expires_in (per the registry), or null ('never'). */
  whenMissing: number | null;
  callback: Record<string, string>;
  identity: Record<string, string>;
}

const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/drive.readonly',
  'https://www.googleapis.com/auth/bigquery.readonly',
  'https://www.googleapis.com/auth/spreadsheets.readonly',
  'openid',
  'https://www.googleapis.com/auth/cloud-platform.read-only',
];
const SHOPIFY_SCOPES = ['read_products', 'read_orders', 'read_customers', 'read_inventory'];

const EXPECTED: Record<ProviderId, Expected> = {
  google: {
    fixture: 'google',
    tokenType: 'Bearer',
    scopes: GOOGLE_SCOPES,
    expiresIn: 3599,
    whenMissing: 3600,
    callback: {},
    identity: { googleUserId: '110248495921238986420' },
  },
  hubspot: {
    fixture: 'hubspot',
    tokenType: 'bearer',
    scopes: ['oauth', 'crm.export'],
    expiresIn: 1800,
    whenMissing: 1800,
    callback: {},
    identity: { hubId: '62515' },
  },
  gohighlevel: {
    fixture: 'gohighlevel',
    tokenType: 'Bearer',
    scopes: ['contacts.readonly', 'campaigns.readonly', 'conversations.readonly', 'opportunities.readonly'],
    expiresIn: 86399,
    whenMissing: 86400,
    callback: {},
    identity: { locationId: 've9EPM428h8vShlRW1KT', companyId: 'otg8dTQqGLh3Q6iQI55w' },
  },
  dropbox: {
    fixture: 'dropbox',
    tokenType: 'bearer',
    scopes: [
      'account_info.read',
      'files.content.read',
      'files.content.write',
      'files.metadata.read',
      'files.metadata.write',
      'sharing.read',
      'sharing.write',
    ],
    expiresIn: 14400,
    whenMissing: 14400,
    callback: {},
    identity: { accountId: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc' },
  },
  box: {
    fixture: 'box',
    tokenType: 'bearer',
    // Box does not echo scopes: the requested ones are recorded.
    scopes: ['root_readwrite'],
    expiresIn: 3600,
    whenMissing: 3600,
    callback: {},
    identity: {},
  },
  quickbooks: {
    fixture: 'quickbooks',
    tokenType: 'bearer',
    scopes: ['com.intuit.quickbooks.accounting', 'openid'],
    expiresIn: 3600,
    whenMissing: 3600,
    callback: { realmId: '9341452398475612' },
    identity: { realmId: '9341452398475612' },
  },
  shopify: {
    fixture: 'shopify',
    // Shopify sends no token_type: bearer is implied.
    tokenType: 'bearer',
    scopes: SHOPIFY_SCOPES,
    expiresIn: 3600,
    whenMissing: null,
    callback: { shop: 'fixture-store.myshopify.com' },
    identity: { shop: 'fixture-store.myshopify.com' },
  },
  keap: {
    fixture: 'keap',
    tokenType: 'bearer',
    // Keap's scope carries the app host after a pipe; it is kept verbatim.
    scopes: ['full|xy123.infusionsoft.com'],
    expiresIn: 86400,
    whenMissing: 86400,
    callback: {},
    identity: { appHost: 'xy123.infusionsoft.com' },
  },
  stripe: {
    fixture: 'stripe',
    tokenType: 'bearer',
    scopes: ['read_only'],
    expiresIn: null,
    whenMissing: null,
    callback: {},
    identity: { stripeAccountId: 'acct_1032D82eZvKYlo2C' },
  },
};

describe.each(Object.keys(EXPECTED) as ProviderId[])('token response of %s', (id) => {
  const expected = EXPECTED[id];
  const provider = PROVIDERS[id];
  const body = fixture(expected.fixture);

  it('is normalised into the token set', () => {
    // The refresh token's own lifetime, where the provider reports one (Shopify, QuickBooks with x_).
    const refreshLifetime = (body.refresh_token_expires_in ?? body.x_refresh_token_expires_in) as
      number | undefined;
    const tokens = processTokenResponse(provider, ok(body), NOW);
    expect(tokens).toEqual({
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      tokenType: expected.tokenType,
      scopes: expected.scopes,
      expiresAt: expected.expiresIn === null ? null : NOW + expected.expiresIn * SECOND,
      ...(refreshLifetime === undefined ? {} : { refreshTokenExpiresAt: NOW + refreshLifetime * SECOND }),
      fields: body,
    });
  });

  it('names the external account as the registry says', () => {
    const tokens = processTokenResponse(provider, ok(body), NOW);
    expect(extractIdentity(provider, tokens.fields, expected.callback)).toEqual(expected.identity);
  });

  it('treats a missing expires_in explicitly', () => {
    const rest = without(body, 'expires_in');
    const expiresAt = expected.whenMissing === null ? null : NOW + expected.whenMissing * SECOND;
    expect(processTokenResponse(provider, ok(rest), NOW).expiresAt).toBe(expiresAt);
    expect(processTokenResponse(provider, ok({ ...rest, expires_in: null }), NOW).expiresAt).toBe(expiresAt);
    expect(processTokenResponse(provider, ok({ ...rest, expires_in: 0 }), NOW).expiresAt).toBe(expiresAt);
  });

  it('accepts expires_in as a numeric string', () => {
    expect(processTokenResponse(provider, ok({ ...body, expires_in: '7200' }), NOW).expiresAt).toBe(
      NOW + 7200 * SECOND,
    );
  });

  it('maps 400 invalid_grant to invalid_grant', () => {
    const response = { status: 400, contentType: 'application/json', body: '{"error":"invalid_grant"}' };
    expect(() => processTokenResponse(provider, response, NOW)).toThrow(
      expect.objectContaining({ name: 'ServiceError', code: 'invalid_grant', status: 400 }),
    );
  });

  it.each(['invalid_client', 'unauthorized_client'])(
    'maps %s to credentials_rejected: our client credentials, not the connection',
    (error) => {
      const response = {
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({ error, error_description: 'Client authentication failed' }),
      };
      expect(() => processTokenResponse(provider, response, NOW)).toThrow(
        expect.objectContaining({ code: 'credentials_rejected', status: 503 }),
      );
    },
  );

  it.each([
    ['120', 120_000],
    ['0', 0],
    [new Date(NOW + 90_000).toUTCString(), 90_000],
  ])('carries Retry-After %s of a 429 as retryAfterMs', (retryAfter, ms) => {
    const response = { status: 429, contentType: 'text/plain', body: 'Slow down', retryAfter };
    expect(() => processTokenResponse(provider, response, NOW)).toThrow(
      expect.objectContaining({ code: 'provider_unavailable', retryAfterMs: ms }),
    );
  });

  it('ignores an unreadable Retry-After', () => {
    const response = { status: 503, contentType: 'text/plain', body: 'x', retryAfter: 'soon' };
    let thrown: ServiceError | undefined;
    try {
      processTokenResponse(provider, response, NOW);
    } catch (error) {
      thrown = error as ServiceError;
    }
    expect(thrown).toMatchObject({ code: 'provider_unavailable' });
    expect(thrown?.retryAfterMs).toBeUndefined();
  });

  it.each([429, 503])('maps %i to provider_unavailable', (status) => {
    const response = { status, contentType: 'text/plain', body: 'Slow down' };
    expect(() => processTokenResponse(provider, response, NOW)).toThrow(
      expect.objectContaining({ code: 'provider_unavailable', status: 502 }),
    );
  });

  it('rejects a 200 with an HTML body', () => {
    const response = {
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<!doctype html><html>Sign in</html>',
    };
    expect(() => processTokenResponse(provider, response, NOW)).toThrow(
      expect.objectContaining({
        code: 'invalid_token_response',
        message: 'provider answered with a body that is not JSON',
      }),
    );
  });

  it('rejects a 200 JSON body without access_token', () => {
    expect(() => processTokenResponse(provider, ok(without(body, 'access_token')), NOW)).toThrow(
      expect.objectContaining({
        code: 'invalid_token_response',
        message: 'token response field access_token is missing or malformed',
      }),
    );
  });

  it('rejects a token type other than bearer', () => {
    expect(() => processTokenResponse(provider, ok({ ...body, token_type: 'mac' }), NOW)).toThrow(
      expect.objectContaining({
        code: 'invalid_token_response',
        message: 'token response token_type is not bearer',
      }),
    );
  });

  it('treats a 200 carrying an invalid_grant error object as invalid_grant', () => {
    expect(() => processTokenResponse(provider, ok({ error: 'invalid_grant' }), NOW)).toThrow(
      expect.objectContaining({ code: 'invalid_grant' }),
    );
  });
});

describe('token response edge cases', () => {
  it('gives no expiry for a non-expiring Shopify offline token and no refresh token', () => {
    const body = fixture('shopify-non-expiring');
    expect(processTokenResponse(PROVIDERS.shopify, ok(body), NOW)).toEqual({
      accessToken: body.access_token,
      refreshToken: undefined,
      tokenType: 'bearer',
      scopes: SHOPIFY_SCOPES,
      expiresAt: null,
      fields: body,
    });
  });

  it("records HubSpot's granted scopes from its `scopes` array, not the requested ones", () => {
    const granted = ['oauth', 'crm.export', 'crm.objects.contacts.read'];
    const tokens = processTokenResponse(
      PROVIDERS.hubspot,
      ok({ ...fixture('hubspot'), scopes: granted }),
      NOW,
    );
    expect(tokens.scopes).toEqual(granted);
  });

  it('ignores a `scopes` field of an unexpected shape instead of failing the response', () => {
    const tokens = processTokenResponse(
      PROVIDERS.hubspot,
      ok({ ...fixture('hubspot'), scopes: 'oauth' }),
      NOW,
    );
    expect(tokens.scopes).toEqual(['oauth', 'crm.export']);
    expect(tokens.accessToken).toBe(fixture('hubspot').access_token);
  });

  it('prefers the RFC 6749 `scope` string when both are present', () => {
    const body = { ...fixture('hubspot'), scope: 'oauth', scopes: ['oauth', 'crm.export'] };
    expect(processTokenResponse(PROVIDERS.hubspot, ok(body), NOW).scopes).toEqual(['oauth']);
  });

  it('parses a JSON body sent with a wrong content type', () => {
    const tokens = processTokenResponse(PROVIDERS.box, ok(fixture('box'), 'text/plain'), NOW);
    expect(tokens.accessToken).toBe('T9cE5asGnuyYCCqIZFoWjFHvNbvVqHjl');
  });

  it('rejects JSON-typed bodies that do not parse', () => {
    expect(() => processTokenResponse(PROVIDERS.box, ok('{"access_token":'), NOW)).toThrow(
      expect.objectContaining({ code: 'invalid_token_response' }),
    );
  });

  it('rejects expires_in that is neither a number nor a numeric string', () => {
    expect(() =>
      processTokenResponse(PROVIDERS.box, ok({ ...fixture('box'), expires_in: '1h' }), NOW),
    ).toThrow(
      expect.objectContaining({
        code: 'invalid_token_response',
        message: 'token response field expires_in is missing or malformed',
      }),
    );
  });

  it('maps a 200 carrying another error object to provider_rejected', () => {
    expect(() => processTokenResponse(PROVIDERS.keap, ok({ error: 'server_error' }), NOW)).toThrow(
      expect.objectContaining({ code: 'provider_rejected' }),
    );
  });

  it('maps a 400 with an HTML body to provider_rejected and a 500 to provider_unavailable', () => {
    const html = { contentType: 'text/html', body: '<html>Bad Request</html>' };
    expect(() => processTokenResponse(PROVIDERS.box, { status: 400, ...html }, NOW)).toThrow(
      expect.objectContaining({
        code: 'provider_rejected',
        message: 'provider refused the token request (400)',
      }),
    );
    expect(() => processTokenResponse(PROVIDERS.box, { status: 500, ...html }, NOW)).toThrow(
      expect.objectContaining({ code: 'provider_unavailable' }),
    );
  });

  it('throws ServiceError instances', () => {
    let caught: unknown;
    try {
      processTokenResponse(
        PROVIDERS.box,
        { status: 400, contentType: 'application/json', body: '{"error":"invalid_grant"}' },
        NOW,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ServiceError);
  });
});

describe('identity edge cases', () => {
  it('reads the id_token claims without verifying a signature', () => {
    expect(idTokenClaims(fixture('google').id_token)).toMatchObject({
      iss: 'https://accounts.google.com',
      sub: '110248495921238986420',
    });
  });

  it.each([undefined, 42, 'not-a-jwt', 'a.b', 'a.!!!.c', `x.${Buffer.from('[1]').toString('base64url')}.y`])(
    'gives no Google identity for id_token %p',
    (idToken) => {
      expect(extractIdentity(PROVIDERS.google, { id_token: idToken }, {})).toEqual({});
    },
  );

  it('keeps only companyId for a GoHighLevel agency token', () => {
    const agency = without(fixture('gohighlevel'), 'locationId');
    expect(extractIdentity(PROVIDERS.gohighlevel, { ...agency, userType: 'Company' }, {})).toEqual({
      companyId: 'otg8dTQqGLh3Q6iQI55w',
    });
  });

  it('ignores identifiers that are empty, too long or not scalar', () => {
    expect(extractIdentity(PROVIDERS.stripe, { stripe_user_id: '' }, {})).toEqual({});
    expect(extractIdentity(PROVIDERS.stripe, { stripe_user_id: 'a'.repeat(257) }, {})).toEqual({});
    expect(extractIdentity(PROVIDERS.hubspot, { hub_id: { id: 1 } }, {})).toEqual({});
    expect(extractIdentity(PROVIDERS.hubspot, { hub_id: Number.NaN }, {})).toEqual({});
  });

  it('gives no Keap app host when the scope carries none', () => {
    expect(extractIdentity(PROVIDERS.keap, { scope: 'full' }, {})).toEqual({});
  });

  it('reads QuickBooks realmId from the callback only when the ID token confirms it', () => {
    const idToken = (claims: object) =>
      `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    expect(
      extractIdentity(
        PROVIDERS.quickbooks,
        { id_token: idToken({ realmid: '4620816365' }) },
        { realmId: '4620816365' },
      ),
    ).toEqual({ realmId: '4620816365' });
    const refused = [
      [{ realmId: 'from-token' }, {}],
      [{ id_token: idToken({ realmid: '4620816365' }) }, { realmId: '9130357766' }],
      [{}, { realmId: '4620816365' }],
      [{ id_token: idToken({ sub: 'x' }) }, { realmId: '4620816365' }],
    ] as const;
    for (const [fields, callback] of refused) {
      expect(() => extractIdentity(PROVIDERS.quickbooks, fields, callback)).toThrow(
        expect.objectContaining({ code: 'identity_mismatch' }),
      );
    }
  });
});
