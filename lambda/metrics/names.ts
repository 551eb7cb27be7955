// The metrics this service emits, as data (what each means: README, Operations): read by the emitter and by the stack.
import type { ErrorCode } from '../shared/errors';

/** CloudWatch namespace of every metric of the service. */
export const METRICS_NAMESPACE = 'ListBackup/Integrations';

/** Dimensions a metric may carry besides `service` and `stage` (which every metric has). */
export type MetricDimension = 'provider' | 'outcome';

export interface MetricSpec {
  readonly name: string;
  readonly unit: 'Count' | 'Milliseconds';
  /**
   * The dimension sets each data point is published under (besides service and stage). An empty set is the
   * service-wide series an alarm can watch without listing every provider.
   */
  readonly dimensionSets: readonly (readonly MetricDimension[])[];
  /** The bounded values of the `outcome` dimension. */
  readonly outcomes?: readonly string[];
  /** A 0/1 value per event: Average is a rate, SampleCount the number of events. */
  readonly ratio?: boolean;
}

/** Callback outcomes that are ours or the provider's fault, not the user's (the callback fault alarm). */
export const CALLBACK_FAULTS = [
  'internal_error',
  'provider_unavailable',
  'provider_rejected',
  'invalid_token_response',
  'credentials_not_configured',
  'credentials_rejected',
  'provider_error',
] as const satisfies readonly ErrorCode[];

/** Token-access outcomes that ask an operator to look (the rest are the connection's state or the caller's input). */
export const TOKEN_ACCESS_FAULTS = [
  'internal_error',
  'credentials_not_configured',
  'credentials_rejected',
  'provider_rejected',
  'invalid_token_response',
] as const satisfies readonly ErrorCode[];

/** What one call at a provider's token endpoint came to. */
export const TOKEN_CALL_OUTCOMES = ['ok', 'retryable', 'invalid_grant', 'rejected'] as const;
export type TokenCallOutcome = (typeof TOKEN_CALL_OUTCOMES)[number];

export const COMPLETION_OUTCOMES = ['connected', 'reconnected', 'refused', 'failed'] as const;
export type CompletionOutcome = (typeof COMPLETION_OUTCOMES)[number];

export const HEALTH_TRANSITIONS = ['needs_reauth', 'restored', 'disconnected'] as const;
export type HealthTransition = (typeof HEALTH_TRANSITIONS)[number];

export const WEBHOOK_OUTCOMES = [
  'applied',
  'duplicate',
  'bad_signature',
  'ignored',
  'busy',
  'refused',
  'failed',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** The error codes a callback redirects with; any other code is counted as `other`. */
export const CALLBACK_OUTCOMES = [
  'pending',
  'missing_state',
  'invalid_state',
  'expired_state',
  'provider_mismatch',
  'issuer_mismatch',
  'invalid_callback',
  'invalid_signature',
  'shop_mismatch',
  'access_denied',
  'provider_error',
  'invalid_grant',
  'provider_rejected',
  'provider_unavailable',
  'invalid_token_response',
  'credentials_not_configured',
  'credentials_rejected',
  'internal_error',
  'other',
] as const satisfies readonly ('pending' | 'other' | ErrorCode)[];

/** The answers token access gives; any other code is counted as `other`. */
export const TOKEN_ACCESS_OUTCOMES = [
  'ok',
  'invalid_request',
  'invalid_report',
  'source_not_found',
  'disconnected',
  'needs_reauth',
  'retryable',
  'credentials_not_configured',
  'credentials_rejected',
  'provider_rejected',
  'invalid_token_response',
  'internal_error',
  'other',
] as const satisfies readonly ('ok' | 'other' | ErrorCode)[];

/** An outcome of `allowed`, or `other`: the dimension stays a bounded set whatever code arrives. */
export function bounded(outcome: string, allowed: readonly string[]): string {
  return allowed.includes(outcome) ? outcome : 'other';
}

/** Every metric of the service. Keys are how code names them; `name` is what CloudWatch shows. */
export const METRICS = {
  flowStarted: {
    name: 'FlowStarted',
    unit: 'Count',
    dimensionSets: [['provider']],
  },
  callback: {
    name: 'Callback',
    unit: 'Count',
    dimensionSets: [['provider', 'outcome']],
    outcomes: CALLBACK_OUTCOMES,
  },
  callbackFault: {
    name: 'CallbackFault',
    unit: 'Count',
    dimensionSets: [['provider']],
    ratio: true,
  },
  revocationSkipped: {
    name: 'RevocationSkipped',
    unit: 'Count',
    dimensionSets: [['provider']],
  },
  completion: {
    name: 'Completion',
    unit: 'Count',
    dimensionSets: [['provider', 'outcome']],
    outcomes: COMPLETION_OUTCOMES,
  },
  tokenExchange: {
    name: 'TokenExchange',
    unit: 'Count',
    dimensionSets: [['provider', 'outcome'], ['outcome']],
    outcomes: TOKEN_CALL_OUTCOMES,
  },
  tokenExchangeLatency: {
    name: 'TokenExchangeLatency',
    unit: 'Milliseconds',
    dimensionSets: [['provider']],
  },
  tokenRefresh: {
    name: 'TokenRefresh',
    unit: 'Count',
    dimensionSets: [['provider', 'outcome'], ['outcome']],
    outcomes: TOKEN_CALL_OUTCOMES,
  },
  tokenRefreshLatency: {
    name: 'TokenRefreshLatency',
    unit: 'Milliseconds',
    dimensionSets: [['provider']],
  },
  tokenRefreshFailed: {
    name: 'TokenRefreshFailed',
    unit: 'Count',
    dimensionSets: [[]],
    ratio: true,
  },
  tokenAccess: {
    name: 'TokenAccess',
    unit: 'Count',
    dimensionSets: [['outcome']],
    outcomes: TOKEN_ACCESS_OUTCOMES,
  },
  tokenAccessFault: {
    name: 'TokenAccessFault',
    unit: 'Count',
    dimensionSets: [[]],
    ratio: true,
  },
  /** A connection the provider kept throttling for longer than `longThrottleMinutes`: once per episode. */
  longThrottledConnections: {
    name: 'LongThrottledConnections',
    unit: 'Count',
    dimensionSets: [['provider'], []],
  },
  healthTransition: {
    name: 'HealthTransition',
    unit: 'Count',
    dimensionSets: [['provider', 'outcome'], ['outcome']],
    outcomes: HEALTH_TRANSITIONS,
  },
  webhookDelivery: {
    name: 'WebhookDelivery',
    unit: 'Count',
    dimensionSets: [['provider', 'outcome'], ['outcome']],
    outcomes: WEBHOOK_OUTCOMES,
  },
  connectionsDue: {
    name: 'ConnectionsDue',
    unit: 'Count',
    dimensionSets: [['provider'], []],
  },
  connectionsRefreshed: {
    name: 'ConnectionsRefreshed',
    unit: 'Count',
    dimensionSets: [['provider'], []],
  },
  connectionsFailing: {
    name: 'ConnectionsFailing',
    unit: 'Count',
    dimensionSets: [['provider'], []],
  },
  refreshTokensExpiring: {
    name: 'RefreshTokensExpiring',
    unit: 'Count',
    dimensionSets: [['provider'], []],
  },
  refresherRun: {
    name: 'RefresherRun',
    unit: 'Count',
    dimensionSets: [[]],
  },
  refresherStoppedEarly: {
    name: 'RefresherStoppedEarly',
    unit: 'Count',
    dimensionSets: [[]],
    ratio: true,
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

/** How far ahead the refresher looks for refresh tokens about to die. */
export const EXPIRY_HORIZON_DAYS = 7;
