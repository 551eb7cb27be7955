// Expiry monitoring: when refresh tokens die (idle and absolute lifetime) and what a refresher run counts.
import { PROVIDERS } from '../../lambda/providers/registry';
import type { ConnectionRecord } from '../../lambda/store/connections';
import { RunTally, refreshTokenDiesAt } from '../../lambda/tokens/expiry';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');

function connection(
  provider: string,
  createdDaysAgo: number,
  refreshedDaysAgo: number | null,
): ConnectionRecord {
  return {
    provider,
    accountId: 'a',
    sourceId: 's',
    createdAt: new Date(NOW - createdDaysAgo * DAY).toISOString(),
    lastRefreshAt: refreshedDaysAgo === null ? null : new Date(NOW - refreshedDaysAgo * DAY).toISOString(),
  } as ConnectionRecord;
}

describe('refreshTokenDiesAt', () => {
  it('counts the idle lifetime from the last successful refresh, else from the connect', () => {
    expect(refreshTokenDiesAt(PROVIDERS.box, connection('box', 100, 55), false, NOW)).toBe(NOW + 5 * DAY);
    expect(refreshTokenDiesAt(PROVIDERS.box, connection('box', 58, null), false, NOW)).toBe(NOW + 2 * DAY);
    expect(refreshTokenDiesAt(PROVIDERS.box, connection('box', 58, null), true, NOW)).toBe(NOW + 60 * DAY);
  });

  it("keeps QuickBooks' five-year absolute lifetime even after a refresh", () => {
    const old = connection('quickbooks', 5 * 365 - 3, 0);
    expect(refreshTokenDiesAt(PROVIDERS.quickbooks, old, true, NOW)).toBe(NOW + 3 * DAY);
  });

  it('is undefined where the provider documents no lifetime', () => {
    expect(PROVIDERS.stripe.tokens.refreshTokenIdleDays).toBeUndefined();
    expect(refreshTokenDiesAt(PROVIDERS.stripe, connection('stripe', 900, 800), false, NOW)).toBeUndefined();
  });
});

describe('RunTally', () => {
  it('counts due, refreshed, failing and expiring per provider', () => {
    const tally = new RunTally(NOW);
    tally.add(PROVIDERS.box, connection('box', 100, 56), 'failing'); // dies in 4 days, not renewed
    tally.add(PROVIDERS.box, connection('box', 100, 56), 'refreshed'); // renewed now
    tally.add(PROVIDERS.box, connection('box', 100, 10), 'failing'); // dies in 50 days
    tally.add(PROVIDERS.box, connection('box', 100, 59), 'gone'); // already needs a reconnect
    tally.add(PROVIDERS.quickbooks, connection('quickbooks', 5 * 365 - 6, 0), 'refreshed'); // absolute, 6 days
    tally.add(PROVIDERS.google, connection('google', 10, 1), 'not_due');
    expect(tally.byProvider).toEqual({
      box: { due: 4, refreshed: 1, failing: 2, expiring: 1 },
      quickbooks: { due: 1, refreshed: 1, failing: 0, expiring: 1 },
      google: { due: 1, refreshed: 0, failing: 0, expiring: 0 },
    });
  });

  it('looks exactly seven days ahead', () => {
    const tally = new RunTally(NOW);
    tally.add(PROVIDERS.box, connection('box', 100, 53), 'failing'); // dies in exactly 7 days
    tally.add(PROVIDERS.box, connection('box', 100, 52.9), 'failing'); // a little later
    expect(tally.byProvider.box?.expiring).toBe(1);
  });
});
