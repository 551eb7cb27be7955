// The vault's token document: fresh documents, refresh merging (rotation vs. none returned) and the webhook lookup key.
import { externalKey, refreshedDocument, tokenDocument } from '../../../lambda/oauth/token-document';
import type { TokenSet } from '../../../lambda/oauth/token-response';

const OBTAINED = Date.parse('2026-11-25T12:00:00.000Z');
const REFRESHED = Date.parse('2026-11-25T13:00:00.000Z');
const ROTATES = { rotatesRefreshToken: true };

function tokens(overrides: Partial<TokenSet> = {}): TokenSet {
  return {
    accessToken: 'access-1',
    refreshToken: 'refresh-1',
    tokenType: 'bearer',
    scopes: ['root_readwrite'],
    expiresAt: OBTAINED + 3600_000,
    fields: { access_token: 'access-1' },
    ...overrides,
  };
}

describe('tokenDocument', () => {
  it('holds everything a refresh needs, with ISO times, and no raw response fields', () => {
    expect(tokenDocument('box', tokens(), { userId: 'u1' }, OBTAINED)).toEqual({
      version: 1,
      provider: 'box',
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
      tokenType: 'bearer',
      scopes: ['root_readwrite'],
      expiresAt: '2026-11-25T13:00:00.000Z',
      obtainedAt: '2026-11-25T12:00:00.000Z',
      externalAccount: { userId: 'u1' },
    });
  });

  it('keeps a null expiry and the shop of per-shop providers', () => {
    const document = tokenDocument(
      'shopify',
      tokens({ expiresAt: null, refreshToken: undefined }),
      { shop: 'fixture-store.myshopify.com' },
      OBTAINED,
      'fixture-store.myshopify.com',
    );
    expect(document.expiresAt).toBeNull();
    expect(document.shop).toBe('fixture-store.myshopify.com');
    expect(document.refreshToken).toBeUndefined();
  });
});

describe('refreshedDocument', () => {
  const previous = tokenDocument('box', tokens(), { userId: 'u1' }, OBTAINED, undefined);

  it('replaces a rotated refresh token', () => {
    const next = refreshedDocument(
      previous,
      tokens({ accessToken: 'access-2', refreshToken: 'refresh-2', expiresAt: REFRESHED + 3600_000 }),
      REFRESHED,
      { rotatesRefreshToken: true },
    );
    expect(next).toEqual({
      ...previous,
      accessToken: 'access-2',
      refreshToken: 'refresh-2',
      expiresAt: '2026-11-25T14:00:00.000Z',
      obtainedAt: '2026-11-25T13:00:00.000Z',
    });
  });

  it('keeps the stored refresh token when a non-rotating provider answers none (Nango #298)', () => {
    const next = refreshedDocument(
      { ...previous, provider: 'dropbox' },
      tokens({ accessToken: 'access-2', refreshToken: undefined }),
      REFRESHED,
      { rotatesRefreshToken: false },
    );
    expect(next.refreshToken).toBe('refresh-1');
    expect(next.accessToken).toBe('access-2');
  });

  it('refuses an answer without refresh_token from a rotating provider: the stored one is spent', () => {
    expect(() =>
      refreshedDocument(previous, tokens({ accessToken: 'access-2', refreshToken: undefined }), REFRESHED, {
        rotatesRefreshToken: true,
      }),
    ).toThrow(expect.objectContaining({ name: 'ServiceError', code: 'invalid_token_response' }));
  });

  it('records the refresh token expiry a provider reports, and forgets a stale one on rotation', () => {
    const reported = refreshedDocument(
      previous,
      tokens({ refreshToken: 'refresh-2', refreshTokenExpiresAt: REFRESHED + 90 * 86_400_000 }),
      REFRESHED,
      { rotatesRefreshToken: true },
    );
    expect(reported.refreshTokenExpiresAt).toBe('2027-02-23T13:00:00.000Z');
    const silent = refreshedDocument(reported, tokens({ refreshToken: 'refresh-3' }), REFRESHED, {
      rotatesRefreshToken: true,
    });
    expect(silent.refreshTokenExpiresAt).toBeUndefined();
  });

  it('carries identity and shop over and keeps old scopes when none are reported', () => {
    const shopDoc = tokenDocument(
      'shopify',
      tokens(),
      { shop: 's.myshopify.com' },
      OBTAINED,
      's.myshopify.com',
    );
    const next = refreshedDocument(shopDoc, tokens({ scopes: [] }), REFRESHED, ROTATES);
    expect(next.externalAccount).toEqual({ shop: 's.myshopify.com' });
    expect(next.shop).toBe('s.myshopify.com');
    expect(next.scopes).toEqual(['root_readwrite']);
    expect(next.provider).toBe('shopify');
  });

  it('keeps the granted scopes when a refresh answer does not echo any (not the requested defaults)', () => {
    const granted = tokenDocument('box', tokens({ scopes: ['root_readonly'] }), {}, OBTAINED);
    const unechoed = refreshedDocument(granted, tokens({ scopes: ['root_readwrite'] }), REFRESHED, ROTATES);
    expect(unechoed.scopes).toEqual(['root_readonly']);
    const echoed = refreshedDocument(
      granted,
      tokens({ scopes: ['root_readwrite'], fields: { access_token: 'a', scope: 'root_readwrite' } }),
      REFRESHED,
      ROTATES,
    );
    expect(echoed.scopes).toEqual(['root_readwrite']);
  });

  it('records a null expiry for non-expiring tokens', () => {
    expect(refreshedDocument(previous, tokens({ expiresAt: null }), REFRESHED, ROTATES).expiresAt).toBeNull();
  });
});

describe('externalKey', () => {
  it('is provider#name=value of the first identifier', () => {
    expect(externalKey('stripe', { stripeAccountId: 'acct_1032D82eZvKYlo2C' })).toBe(
      'stripe#stripeAccountId=acct_1032D82eZvKYlo2C',
    );
    expect(externalKey('gohighlevel', { locationId: 'loc1', companyId: 'co1' })).toBe(
      'gohighlevel#locationId=loc1',
    );
  });

  it('is undefined without identifiers', () => {
    expect(externalKey('box', {})).toBeUndefined();
  });
});
