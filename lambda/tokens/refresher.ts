// The scheduled refresher: pages through connections due for a refresh and refreshes each through the lease.
import { resolveProvider } from '../providers/registry';
import { refreshDueAt } from '../records/shapes';
import { isServiceError } from '../shared/errors';
import { logger } from '../shared/logger';
import {
  leaveRefreshIndex,
  postponeRefresh,
  queryDueConnections,
  type ConnectionRecord,
} from '../store/connections';
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

async function refreshOne(config: TokenConfig, connection: ConnectionRecord): Promise<ConnectionOutcome> {
  const ids = {
    accountId: connection.accountId,
    sourceId: connection.sourceId,
    provider: connection.provider,
  };
  if (connection.status !== 'active') {
    await leaveRefreshIndex(config.tables.connections, connection);
    return 'skipped';
  }
  try {
    const fresh = await ensureFresh(config, connection, 'scheduled');
    if (fresh.refreshed) return 'refreshed';
    // Not due by its tokens (refreshed elsewhere, or not refreshable): align the index so it is not picked again.
    const due = refreshDueAt(resolveProvider(connection.provider, config.endpointOverrides), fresh.document);
    if (!due) await leaveRefreshIndex(config.tables.connections, connection);
    else if (due !== connection.refreshDueAt)
      await postponeRefresh(config.tables.connections, connection, due);
    return 'not_due';
  } catch (error) {
    if (isServiceError(error)) {
      if (
        error.code === 'needs_reauth' ||
        error.code === 'disconnected' ||
        error.code === 'source_not_found'
      ) {
        await leaveRefreshIndex(config.tables.connections, connection);
        return 'needs_reauth';
      }
      // Transient failures pushed refreshDueAt forward already; a busy lease means another worker is on it.
      if (error.code !== 'credentials_not_configured' && error.code !== 'credentials_rejected')
        return 'failed';
    } else {
      logger.error('scheduled refresh crashed', { ...ids, cause: (error as Error)?.name });
    }
    await postponeRefresh(
      config.tables.connections,
      connection,
      new Date(Date.now() + POSTPONE_MS).toISOString(),
    ).catch((e) => logger.error('could not postpone the refresh', { ...ids, cause: (e as Error)?.name }));
    return 'postponed';
  }
}

/**
 * One run: query byRefreshDue for refreshDueAt <= now, page by page, PARALLEL at a time, until the
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
  let next: Awaited<ReturnType<typeof queryDueConnections>>['next'];
  do {
    if (remainingMs() < STOP_BEFORE_MS) {
      summary.stoppedEarly = true;
      break;
    }
    const page = await queryDueConnections(config.tables.connections, startedAt, PAGE_SIZE, next);
    next = page.next;
    const queue = [...page.connections];
    const worker = async () => {
      for (let connection = queue.shift(); connection; connection = queue.shift()) {
        if (remainingMs() < STOP_BEFORE_MS) {
          summary.stoppedEarly = true;
          return;
        }
        summary.examined += 1;
        const outcome = await refreshOne(config, connection);
        summary.outcomes[outcome] += 1;
        tally.add(resolveProvider(connection.provider, config.endpointOverrides), connection, TALLY[outcome]);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  } while (next && !summary.stoppedEarly);
  logger.info('refresher run finished', { ...summary });
  reportRefresherRun(tally.byProvider, summary.stoppedEarly);
  return summary;
}
