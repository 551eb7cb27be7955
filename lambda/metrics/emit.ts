// Emits the service's metrics (lambda/metrics/names.ts) as CloudWatch embedded-metric lines through Powertools Metrics.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ProviderId } from '../providers/types';
import { TransportError } from '../oauth/transport';
import { isServiceError, type ErrorCode } from '../shared/errors';
import { invocation, logger } from '../shared/logger';
import {
  CALLBACK_FAULTS,
  CALLBACK_OUTCOMES,
  TOKEN_ACCESS_OUTCOMES,
  bounded,
  METRICS,
  METRICS_NAMESPACE,
  TOKEN_ACCESS_FAULTS,
  type CompletionOutcome,
  type HealthTransition,
  type MetricKey,
  type TokenCallOutcome,
  type WebhookOutcome,
} from './names';

type Dimensions = { provider?: string; outcome?: string };

let shared: Metrics | undefined;

/**
 * Where Powertools Metrics reports its own warnings: the service logger, minus the note that two dimension
 * sets share a key (`outcome` in [provider, outcome] and [outcome]), which is what those sets are for.
 */
const warnings = {
  debug: (...args: unknown[]) => logger.debug(String(args[0])),
  info: (...args: unknown[]) => logger.info(String(args[0])),
  warn: (...args: unknown[]) => {
    if (!/^EMF key "\w+" is defined as both/.test(String(args[0]))) logger.warn(String(args[0]));
  },
  error: (...args: unknown[]) => logger.error(String(args[0])),
};

/** Created on first use: a handler that emits nothing pays nothing, and tests set the environment first. */
function metrics(): Metrics {
  shared ??= new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'listbackup-integrations',
    defaultDimensions: { stage: process.env.STAGE || 'unknown' },
    logger: warnings,
  });
  return shared;
}

/**
 * One EMF line for one data point, under every dimension set of its spec. Lines are written at once
 * (no flush to forget when a handler throws). Emitting is synchronous, so the one shared instance holds
 * exactly this point between add and publish (a singleMetric() instance per point cost ~0.2 ms each).
 */
function emit(key: MetricKey, value: number, dimensions: Dimensions = {}): void {
  const spec = METRICS[key];
  const line = metrics();
  for (const set of spec.dimensionSets) {
    if (set.length === 0 && spec.dimensionSets.length === 1) continue; // service and stage only
    line.addDimensions(Object.fromEntries(set.map((d) => [d, dimensions[d] ?? 'unknown'])));
  }
  if (invocation.requestId) line.addMetadata('requestId', invocation.requestId);
  if (invocation.flowId) line.addMetadata('flowId', invocation.flowId);
  line.addMetric(spec.name, spec.unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, value);
  line.publishStoredMetrics();
}

/** A connect flow started (oauth-start). */
export function countFlowStarted(provider: ProviderId): void {
  emit('flowStarted', 1, { provider });
}

/** A callback's outcome: `pending` or the error code the user was redirected with. */
export function countCallback(provider: ProviderId, outcome: 'pending' | ErrorCode): void {
  emit('callback', 1, { provider, outcome: bounded(outcome, CALLBACK_OUTCOMES) });
  emit('callbackFault', (CALLBACK_FAULTS as readonly string[]).includes(outcome) ? 1 : 0, { provider });
}

/** A grant- or account-wide revocation left out because another connection shares the external account. */
export function countRevocationSkipped(provider: ProviderId): void {
  emit('revocationSkipped', 1, { provider });
}

/** A confirm's outcome (oauth-complete). */
export function countCompletion(provider: ProviderId, outcome: CompletionOutcome): void {
  emit('completion', 1, { provider, outcome });
}

/** What a token-endpoint call came to: `rejected` covers a refused client and an unusable answer. */
export function tokenCallOutcome(error: unknown): TokenCallOutcome {
  if (error === undefined) return 'ok';
  if (error instanceof TransportError) return 'retryable';
  if (isServiceError(error)) {
    if (error.code === 'invalid_grant') return 'invalid_grant';
    if (error.code === 'provider_unavailable' || error.code === 'retryable') return 'retryable';
  }
  return 'rejected';
}

/**
 * Times one call at a provider's token endpoint and counts its outcome; returns or rethrows the call's result.
 * @example const tokens = await timeTokenCall('exchange', provider.id, () => send(request, timeout))
 */
export async function timeTokenCall<T>(
  grant: 'exchange' | 'refresh',
  provider: ProviderId,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let failure: unknown;
  try {
    return await call();
  } catch (error) {
    failure = error ?? new Error('rejected without a reason');
    throw error;
  } finally {
    const ms = Math.round(performance.now() - started);
    const outcome = tokenCallOutcome(failure);
    if (grant === 'exchange') {
      emit('tokenExchangeLatency', ms, { provider });
      emit('tokenExchange', 1, { provider, outcome });
    } else {
      emit('tokenRefreshLatency', ms, { provider });
      emit('tokenRefresh', 1, { provider, outcome });
      emit('tokenRefreshFailed', outcome === 'ok' ? 0 : 1);
    }
  }
}

/** A token request of the jobs service: `ok` or its error code. */
export function countTokenAccess(outcome: 'ok' | ErrorCode): void {
  emit('tokenAccess', 1, { outcome: bounded(outcome, TOKEN_ACCESS_OUTCOMES) });
  emit('tokenAccessFault', (TOKEN_ACCESS_FAULTS as readonly string[]).includes(outcome) ? 1 : 0);
}

/** A connection throttled for longer than the stage's threshold, once per episode: per provider and in total. */
export function countLongThrottledConnection(provider: ProviderId): void {
  emit('longThrottledConnections', 1, { provider });
}

/** A connection's health changed (counted by whoever made the change, once). */
export function countHealthTransition(provider: ProviderId, outcome: HealthTransition): void {
  emit('healthTransition', 1, { provider, outcome });
}

/** A webhook delivery's outcome. */
export function countWebhook(provider: string, outcome: WebhookOutcome): void {
  emit('webhookDelivery', 1, { provider, outcome });
}

/** One provider's share of a refresher run. */
export interface ProviderRun {
  due: number;
  refreshed: number;
  failing: number;
  expiring: number;
}

/** The refresher's report: per provider what was due, refreshed, failing and about to die, then the run itself. */
export function reportRefresherRun(
  providers: Readonly<Partial<Record<ProviderId, ProviderRun>>>,
  stoppedEarly: boolean,
): void {
  for (const [provider, run] of Object.entries(providers) as [ProviderId, ProviderRun][]) {
    emit('connectionsDue', run.due, { provider });
    emit('connectionsRefreshed', run.refreshed, { provider });
    emit('connectionsFailing', run.failing, { provider });
    emit('refreshTokensExpiring', run.expiring, { provider });
  }
  emit('refresherRun', 1);
  emit('refresherStoppedEarly', stoppedEarly ? 1 : 0);
}
