// When the refresher looks at a connection: expiry minus the provider's margin, keep-alive at half the idle lifetime.
import { tokenDocument } from '../../lambda/oauth/token-document';
import type { TokenSet } from '../../lambda/oauth/token-response';
import { PROVIDERS } from '../../lambda/providers/registry';
import type { ProviderEntry } from '../../lambda/providers/types';
import { connectionItem, refreshDueAt } from '../../lambda/records/shapes';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;

function document(
  provider: ProviderEntry,
  expiresInSeconds: number | null,
  refreshToken: string | null = 'refresh-1',
) {
  const tokens: TokenSet = {
    accessToken: 'access-1',
    refreshToken: refreshToken ?? undefined,
    tokenType: 'bearer',
    scopes: [],
    expiresAt: expiresInSeconds === null ? null : NOW + expiresInSeconds * 1000,
    fields: {},
  };
  return tokenDocument(provider.id, tokens, {}, NOW);
}

describe('refreshDueAt', () => {
  it('is the expiry minus the margin (Google: 1 h token, 5 min margin)', () => {
    expect(refreshDueAt(PROVIDERS.google, document(PROVIDERS.google, 3600))).toBe('2026-11-25T12:55:00.000Z');
  });

  it('uses the keep-alive when it comes first (Box: refresh token idle 60 days -> day 30)', () => {
    expect(refreshDueAt(PROVIDERS.box, document(PROVIDERS.box, 90 * 86400))).toBe(
      new Date(NOW + 30 * DAY).toISOString(),
    );
  });

  it('keeps alive a non-expiring token whose refresh token dies unused (half the idle days)', () => {
    expect(refreshDueAt(PROVIDERS.shopify, document(PROVIDERS.shopify, null))).toBe(
      new Date(NOW + 45 * DAY).toISOString(),
    );
  });

  it('honours a per-provider margin', () => {
    const provider = {
      ...PROVIDERS.hubspot,
      tokens: { ...PROVIDERS.hubspot.tokens, refreshMarginSeconds: 900 },
    };
    expect(refreshDueAt(provider, document(provider, 1800))).toBe('2026-11-25T12:15:00.000Z');
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
    expect(due).toMatchObject({ refreshPartition: 'refresh', refreshDueAt: '2026-11-25T12:55:00.000Z' });
    const never = connectionItem(PROVIDERS.stripe, base, document(PROVIDERS.stripe, null), 'secret', NOW);
    expect(never).not.toHaveProperty('refreshPartition');
    expect(never).not.toHaveProperty('refreshDueAt');
  });
});
