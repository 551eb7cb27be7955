// The simulated month of refreshes: keep-alives only for unused connections, on-demand refreshes follow the jobs.
import { PROVIDER_IDS } from '../../lambda/providers/registry';
import { refreshTable, simulateRefreshes } from '../../scripts/bench/refresh-month';

const HOUR = 3_600_000;

describe('refreshes a month', () => {
  it('an unused connection is refreshed only to keep its refresh token alive (Google: every 90 days)', () => {
    expect(simulateRefreshes('google', { kind: 'unused' })).toEqual({ scheduled: 4 / 12, onDemand: 0 });
    expect(simulateRefreshes('box', { kind: 'unused' })).toEqual({ scheduled: 1, onDemand: 0 });
  });

  it('providers whose refresh tokens do not idle out cost no refresh while unused (HubSpot, Dropbox, Keap, Stripe)', () => {
    for (const id of ['hubspot', 'dropbox', 'keap', 'stripe'] as const) {
      expect(simulateRefreshes(id, { kind: 'unused' })).toEqual({ scheduled: 0, onDemand: 0 });
    }
  });

  it('a used connection is refreshed on demand at most once per access token lifetime, never by the schedule', () => {
    expect(simulateRefreshes('google', { kind: 'every', everyMs: 24 * HOUR })).toEqual({
      scheduled: 0,
      onDemand: 30,
    });
    expect(simulateRefreshes('hubspot', { kind: 'every', everyMs: HOUR })).toEqual({
      scheduled: 0,
      onDemand: 720,
    });
    // Dropbox tokens last 4 h: an hourly job refreshes every fourth read.
    expect(simulateRefreshes('dropbox', { kind: 'every', everyMs: HOUR }).onDemand).toBe(180);
  });

  it('prints one row per provider', () => {
    const table = refreshTable();
    expect(table.split('\n')).toHaveLength(PROVIDER_IDS.length + 2);
    expect(table).toMatch(/\| Google \| 0\.33 \+ 0 \| 0 \+ 30 \| 0 \+ 720 \|/);
  });
});
