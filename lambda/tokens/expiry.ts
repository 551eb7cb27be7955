// Expiry monitoring for the refresher: when a connection's refresh token dies, and a run's tally per provider.
import type { ProviderEntry, ProviderId } from '../providers/types';
import type { ConnectionRecord } from '../store/connections';
import { EXPIRY_HORIZON_DAYS } from '../metrics/names';
import type { ProviderRun } from '../metrics/emit';
import { logger } from '../shared/logger';

const DAY_MS = 86_400_000;

/**
 * When the connection's refresh token stops working (epoch ms): its idle lifetime counted from the last
 * successful refresh (or the connect), and its absolute lifetime counted from the connect; undefined when
 * the provider documents neither.
 */
export function refreshTokenDiesAt(
  provider: Pick<ProviderEntry, 'tokens'>,
  connection: Pick<ConnectionRecord, 'createdAt' | 'lastRefreshAt'>,
  refreshedNow: boolean,
  now: number,
): number | undefined {
  const connected = Date.parse(connection.createdAt);
  const lastUse = refreshedNow ? now : Date.parse(connection.lastRefreshAt ?? connection.createdAt);
  const candidates: number[] = [];
  if (provider.tokens.refreshTokenIdleDays)
    candidates.push(lastUse + provider.tokens.refreshTokenIdleDays * DAY_MS);
  if (provider.tokens.refreshTokenMaxDays)
    candidates.push(connected + provider.tokens.refreshTokenMaxDays * DAY_MS);
  const finite = candidates.filter(Number.isFinite);
  return finite.length ? Math.min(...finite) : undefined;
}

/** What the refresher did with one due connection, as far as monitoring cares. */
export type TallyOutcome = 'refreshed' | 'not_due' | 'failing' | 'gone';

/** Per-provider counts of one refresher run (lambda/metrics/emit.ts reportRefresherRun). */
export class RunTally {
  readonly byProvider: Partial<Record<ProviderId, ProviderRun>> = {};

  constructor(private readonly now: number = Date.now()) {}

  /**
   * Counts one examined connection. A refresh token counts as expiring when it dies within the horizon and
   * this run did not renew it (a renewed one can still hit its absolute lifetime).
   */
  add(
    provider: Pick<ProviderEntry, 'id' | 'tokens'>,
    connection: ConnectionRecord,
    outcome: TallyOutcome,
  ): void {
    const run = (this.byProvider[provider.id] ??= { due: 0, refreshed: 0, failing: 0, expiring: 0 });
    run.due += 1;
    if (outcome === 'refreshed') run.refreshed += 1;
    if (outcome === 'failing') run.failing += 1;
    if (outcome === 'gone') return;
    // not_due: another caller refreshed it first, so its idle clock restarted too.
    const renewed = outcome === 'refreshed' || outcome === 'not_due';
    const dies = refreshTokenDiesAt(provider, connection, renewed, this.now);
    if (dies === undefined || dies > this.now + EXPIRY_HORIZON_DAYS * DAY_MS) return;
    run.expiring += 1;
    // Ids only: the operator asks this account to reconnect the source before the token dies.
    logger.warn('refresh token expires soon; the source needs a reconnect', {
      accountId: connection.accountId,
      sourceId: connection.sourceId,
      provider: provider.id,
      diesAt: new Date(dies).toISOString(),
    });
  }
}
