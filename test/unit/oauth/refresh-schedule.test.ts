// When the refresher looks at a connection: only to keep its refresh token alive (half the idle lifetime, or
// ahead of an absolute expiry); access tokens are refreshed on demand by token access.
import { tokenDocument } from '../../../lambda/oauth/token-document';
import type { TokenSet } from '../../../lambda/oauth/token-response';
import { PROVIDERS } from '../../../lambda/providers/registry';
import type { ProviderEntry } from '../../../lambda/providers/types';
import { connectionItem, refreshDueAt } from '../../../lambda/records/shapes';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;

function document(
  provider: ProviderEntry,
  expiresInSeconds: number | null,
  refreshToken: string | null = 'refresh-1',
  refreshTokenExpiresInSeconds?: number,
) {
  const tokens: TokenSet = {
    accessToken: 'access-1',
    refreshToken: refreshToken ?? undefined,
    tokenType: 'bearer',
    scopes: [],
    expiresAt: expiresInSeconds === null ? null : NOW + expiresInSeconds * 1000,
    ...(refreshTokenExpiresInSeconds === undefined
      ? {}
      : { refreshTokenExpiresAt: NOW + refreshTokenExpiresInSeconds * 1000 }),
    fields: {},
  };
  return tokenDocument(provider.id, tokens, {}, NOW);
}

describe('refreshDueAt', () => {
  it('is the keep-alive point, not the access token expiry (Google: 1 h token, idle 180 days -> day 90)', () => {
    expect(refreshDueAt(PROVIDERS.google, document(PROVIDERS.google, 3600))).toBe(
      new Date(NOW + 90 * DAY).toISOString(),
    );
  });

  it('is half the idle lifetime whatever the access token (Box: refresh token idle 60 days -> day 30)', () => {
    for (const expiresIn of [3600, 90 * 86400, null]) {
      expect(refreshDueAt(PROVIDERS.box, document(PROVIDERS.box, expiresIn))).toBe(
        new Date(NOW + 30 * DAY).toISOString(),
      );
    }
  });

  it('keeps alive a non-expiring token whose refresh token dies unused (half the idle days)', () => {
    expect(refreshDueAt(PROVIDERS.shopify, document(PROVIDERS.shopify, null))).toBe(
      new Date(NOW + 45 * DAY).toISOString(),
    );
  });

  it("comes ahead of a rotating refresh token's absolute expiry when that is sooner", () => {
    // Shopify reports refresh_token_expires_in; 20 days left is sooner than the 45-day keep-alive.
    const due = refreshDueAt(PROVIDERS.shopify, document(PROVIDERS.shopify, 3600, 'r', 20 * 86400));
    expect(Date.parse(due as string)).toBeLessThan(NOW + 20 * DAY);
    expect(Date.parse(due as string)).toBeGreaterThanOrEqual(NOW + 19 * DAY);
    // A later absolute expiry does not move the keep-alive.
    expect(refreshDueAt(PROVIDERS.shopify, document(PROVIDERS.shopify, 3600, 'r', 90 * 86400))).toBe(
      new Date(NOW + 45 * DAY).toISOString(),
    );
  });

  it('ignores an absolute expiry a refresh cannot move (a provider that does not rotate)', () => {
    expect(refreshDueAt(PROVIDERS.google, document(PROVIDERS.google, 3600, 'r', 7 * 86400))).toBe(
      new Date(NOW + 90 * DAY).toISOString(),
    );
  });

  it('is undefined where the refresh token does not idle out: token access refreshes on demand (HubSpot)', () => {
    expect(refreshDueAt(PROVIDERS.hubspot, document(PROVIDERS.hubspot, 1800))).toBeUndefined();
    expect(refreshDueAt(PROVIDERS.dropbox, document(PROVIDERS.dropbox, 14400))).toBeUndefined();
  });

  it('is undefined without a refresh token', () => {
    expect(refreshDueAt(PROVIDERS.google, document(PROVIDERS.google, 3600, null))).toBeUndefined();
  });

  it('is undefined for tokens that neither expire nor idle out (Stripe)', () => {
    expect(refreshDueAt(PROVIDERS.stripe, document(PROVIDERS.stripe, null))).toBeUndefined();
  });

  it('puts the connection into the refresh index only when a refresh is due', () => {
    const base = {
      accountId: 'acc_1',
      sourceId: 'src_1',
      connectedBy: 'usr_1',
      createdAt: '2026-11-25T12:00:00.000Z',
    };
    const due = connectionItem(PROVIDERS.google, base, document(PROVIDERS.google, 3600), 'secret', NOW);
    expect(due).toMatchObject({ refreshPartition: 'refresh', refreshDueAt: '2027-02-23T12:00:00.000Z' });
    const never = connectionItem(PROVIDERS.stripe, base, document(PROVIDERS.stripe, null), 'secret', NOW);
    expect(never).not.toHaveProperty('refreshPartition');
    expect(never).not.toHaveProperty('refreshDueAt');
  });
});
