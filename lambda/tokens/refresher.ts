// The scheduled refresher: pages through sources due for a refresh (own index) and refreshes each through the lease.
import { resolveProvider } from '../providers/registry';
import { refreshDueAt } from '../records/shapes';
import { isServiceError } from '../shared/errors';
import { logger } from '../shared/logger';
import {
  getConnection,
  leaveRefreshIndex,
  postponeRefresh,
  type ConnectionRecord,
} from '../store/connections';
import { dueSources, setRefreshDue, type DuePage } from '../store/token-items';
import type { TokenRef } from '../store/vault';
import type { TokenConfig } from './config';
import { AWS_CALL_MAX_MS } from '../shared/aws-limits';
import { REFRESH_WORST_CASE_MS } from './policy';
import { ensureFresh } from './refresh';
import { RunTally, type TallyOutcome } from './expiry';
import { reportRefresherRun } from '../metrics/emit';

/** Connections read per index query. */
export const PAGE_SIZE = 25;
/** Connections refreshed at the same time within a page. */
export const PARALLEL = 5;
/**
 * No new connection is started with less time left than its slowest refresh (a whole lease wait, a whole
 * lease of provider attempts, every AWS call at its bound), the index write after it, and a second.
 */
export const STOP_BEFORE_MS = REFRESH_WORST_CASE_MS + AWS_CALL_MAX_MS + 1_000;
/** A connection the refresher cannot act on (credentials missing, unexpected error) is looked at again after this. */
export const POSTPONE_MS = 60 * 60_000;

export type ConnectionOutcome = 'refreshed' | 'not_due' | 'needs_reauth' | 'skipped' | 'failed' | 'postponed';

/** How a run's outcomes count in the expiry monitoring. */
const TALLY: Record<ConnectionOutcome, TallyOutcome> = {
  refreshed: 'refreshed',
  not_due: 'not_due',
  needs_reauth: 'gone',
  skipped: 'gone',
  failed: 'failing',
  postponed: 'failing',
};

export interface RefresherSummary {
  examined: number;
  outcomes: Record<ConnectionOutcome, number>;
  /** The run stopped for lack of time; the next run continues with what is still due. */
  stoppedEarly: boolean;
}

/** Out of both refresh indexes: the record's fields (contract) and the oauth-tokens item the refresher queries. */
async function leave(config: TokenConfig, connection: ConnectionRecord): Promise<void> {
  await leaveRefreshIndex(config.tables.connections, connection);
  await setRefreshDue(config.tables.tokens, connection, undefined);
}

async function postpone(config: TokenConfig, connection: ConnectionRecord, dueAt: string): Promise<void> {
  await postponeRefresh(config.tables.connections, connection, dueAt);
  await setRefreshDue(config.tables.tokens, connection, dueAt);
}

async function refreshSource(
  config: TokenConfig,
  ref: TokenRef,
): Promise<{ outcome: ConnectionOutcome; connection?: ConnectionRecord }> {
  const connection = await getConnection(config.tables.connections, ref.accountId, ref.sourceId);
  if (connection) return { outcome: await refreshOne(config, connection), connection };
  await setRefreshDue(config.tables.tokens, ref, undefined);
  return { outcome: 'skipped' };
}

async function refreshOne(config: TokenConfig, connection: ConnectionRecord): Promise<ConnectionOutcome> {
  const ids = {
    accountId: connection.accountId,
    sourceId: connection.sourceId,
    provider: connection.provider,
  };
  if (connection.status !== 'active') {
    await leave(config, connection);
    return 'skipped';
  }
  try {
    const fresh = await ensureFresh(config, connection, 'scheduled');
    if (fresh.refreshed) return 'refreshed';
    // Not due by its tokens (refreshed elsewhere, or not refreshable): align the index so it is not picked again.
    const provider = resolveProvider(connection.provider, config.endpointOverrides);
    const due = refreshDueAt(provider, {
      ...fresh.document,
      refreshToken: fresh.info.refreshable ? 'stored' : undefined,
    });
    if (!due) await leave(config, connection);
    else {
      if (due !== connection.refreshDueAt) await postponeRefresh(config.tables.connections, connection, due);
      await setRefreshDue(config.tables.tokens, connection, due);
    }
    return 'not_due';
  } catch (error) {
    if (isServiceError(error)) {
      if (
        error.code === 'needs_reauth' ||
        error.code === 'disconnected' ||
        error.code === 'source_not_found'
      ) {
        await leave(config, connection);
        return 'needs_reauth';
      }
      // Transient failures pushed refreshDueAt forward already; a busy lease means another worker is on it.
      if (error.code !== 'credentials_not_configured' && error.code !== 'credentials_rejected')
        return 'failed';
    } else {
      logger.error('scheduled refresh crashed', { ...ids, cause: (error as Error)?.name });
    }
    await postpone(config, connection, new Date(Date.now() + POSTPONE_MS).toISOString()).catch((e) =>
      logger.error('could not postpone the refresh', { ...ids, cause: (e as Error)?.name }),
    );
    return 'postponed';
  }
}

/**
 * One run: query the oauth-tokens index byRefreshDue for refreshDueAt <= now, page by page, PARALLEL at a time, until the
 * index is exhausted or `remainingMs()` drops below STOP_BEFORE_MS. What is left stays due for the next run.
 * @example await runRefresher(tokenConfig(), () => context.getRemainingTimeInMillis())
 */
export async function runRefresher(
  config: TokenConfig,
  remainingMs: () => number,
): Promise<RefresherSummary> {
  const summary: RefresherSummary = {
    examined: 0,
    outcomes: { refreshed: 0, not_due: 0, needs_reauth: 0, skipped: 0, failed: 0, postponed: 0 },
    stoppedEarly: false,
  };
  const startedAt = new Date().toISOString();
  const tally = new RunTally();
  let next: DuePage['next'];
  do {
    if (remainingMs() < STOP_BEFORE_MS) {
      summary.stoppedEarly = true;
      break;
    }
    const page = await dueSources(config.tables.tokens, startedAt, PAGE_SIZE, next);
    next = page.next;
    const queue = [...page.sources];
    const worker = async () => {
      for (let connection = queue.shift(); connection; connection = queue.shift()) {
        if (remainingMs() < STOP_BEFORE_MS) {
          summary.stoppedEarly = true;
          return;
        }
        summary.examined += 1;
        const { outcome, connection: record } = await refreshSource(config, connection);
        summary.outcomes[outcome] += 1;
        if (record)
          tally.add(resolveProvider(record.provider, config.endpointOverrides), record, TALLY[outcome]);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  } while (next && !summary.stoppedEarly);
  logger.info('refresher run finished', { ...summary });
  reportRefresherRun(tally.byProvider, summary.stoppedEarly);
  return summary;
}
