// Counts connections the provider throttles for long: one structured log line per episode (the metric hook).
import type { ProviderId } from '../providers/types';
import { logger } from '../shared/logger';

export interface LongThrottle {
  accountId: string;
  sourceId: string;
  provider: ProviderId;
  throttledSince: string;
  notBefore: string;
}

type Sink = (event: LongThrottle) => void;

/** Default sink: a warning with a stable message and `metric` field (a log metric filter counts it). */
const logSink: Sink = (event) =>
  logger.warn('connection throttled for long', { metric: 'LongThrottledConnections', ...event });

let sink: Sink = logSink;

/** Replaces where long throttling is counted (a metrics client); returns the previous sink. */
export function setLongThrottleSink(next: Sink): Sink {
  const previous = sink;
  sink = next;
  return previous;
}

export function countLongThrottle(event: LongThrottle): void {
  sink(event);
}
