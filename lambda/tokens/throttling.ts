// Counts connections the provider throttles for long: a metric per provider and a warning, once per episode.
import { countLongThrottledConnection } from '../metrics/emit';
import { METRICS } from '../metrics/names';
import type { ProviderId } from '../providers/types';
import { logger } from '../shared/logger';

export interface LongThrottle {
  accountId: string;
  sourceId: string;
  provider: ProviderId;
  throttledSince: string;
  notBefore: string;
}

/**
 * The metric says how many and at which provider (the alarm); the warning says which connection
 * (ids and times only), so an operator can find the jobs behind it.
 */
export function countLongThrottle(event: LongThrottle): void {
  logger.warn('connection throttled for long', { metric: METRICS.longThrottledConnections.name, ...event });
  countLongThrottledConnection(event.provider);
}
