// The stage's CloudWatch dashboard: flow funnel per provider, refresh outcomes, health, latency, long throttles, webhooks, function errors, alarms.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  HEALTH_TRANSITIONS,
  TOKEN_ACCESS_FAULTS,
  TOKEN_CALL_OUTCOMES,
  WEBHOOK_OUTCOMES,
} from '../lambda/metrics/names';
import { PROVIDER_IDS } from '../lambda/providers/registry';
import type { HandlerFunction } from './handler-function';
import { HANDLER_NAMES, type HandlerName } from './handler-specs';
import type { ServiceMetrics } from './service-metrics';

export interface ServiceDashboardProps {
  readonly stage: string;
  readonly metrics: ServiceMetrics;
  readonly functions: { find(name: HandlerName): HandlerFunction | undefined };
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const PERIOD = Duration.minutes(5);

/** Token-access outcomes worth a line of their own; the rest are rare input errors. */
const TOKEN_ACCESS_SHOWN = [
  'ok',
  'needs_reauth',
  'disconnected',
  'retryable',
  'source_not_found',
  ...TOKEN_ACCESS_FAULTS,
] as const;

export class ServiceDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const m = props.metrics;
    // The functions this stage has (the preflight function only where the stack answers preflights).
    const present = HANDLER_NAMES.flatMap((name) => {
      const fn = props.functions.find(name);
      return fn ? [[name, fn] as const] : [];
    });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `listbackup-integrations-${props.stage}`,
      defaultInterval: Duration.hours(24),
    });

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...props.alarms],
        width: 24,
        height: 4,
      }),
    );

    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '## Flow funnel per provider\nstarted → pending (callback exchanged the code) → connected (confirmed, incl. reconnects). ' +
          'A gap between started and pending is users abandoning consent or callback errors; see Callback errors.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      ...PROVIDER_IDS.map(
        (provider) =>
          new cloudwatch.GraphWidget({
            title: `Funnel: ${provider}`,
            width: 8,
            height: 5,
            view: cloudwatch.GraphWidgetView.BAR,
            left: [
              m.series('flowStarted', { dimensions: { provider }, label: 'started', period: PERIOD }),
              m.series('callback', { dimensions: { provider, outcome: 'pending' }, label: 'pending' }),
              new cloudwatch.MathExpression({
                expression: 'connected + reconnected',
                usingMetrics: {
                  connected: m.series('completion', { dimensions: { provider, outcome: 'connected' } }),
                  reconnected: m.series('completion', { dimensions: { provider, outcome: 'reconnected' } }),
                },
                label: 'connected',
                period: PERIOD,
              }),
            ],
          }),
      ),
    );

    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Callback fault rate per provider (%)',
        width: 12,
        left: PROVIDER_IDS.map(
          (provider) =>
            new cloudwatch.MathExpression({
              expression: `${provider} * 100`,
              usingMetrics: {
                [provider]: m.series('callbackFault', { dimensions: { provider }, statistic: 'Average' }),
              },
              label: provider,
              period: PERIOD,
            }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Refresh outcomes (attempts)',
        width: 12,
        stacked: true,
        left: TOKEN_CALL_OUTCOMES.map((outcome) =>
          m.series('tokenRefresh', { dimensions: { outcome }, label: outcome }),
        ),
        right: TOKEN_CALL_OUTCOMES.map((outcome) =>
          m.series('tokenExchange', { dimensions: { outcome }, label: `exchange ${outcome}` }),
        ),
      }),
    );

    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Connection health transitions',
        width: 12,
        left: HEALTH_TRANSITIONS.map((outcome) =>
          m.series('healthTransition', { dimensions: { outcome }, label: outcome }),
        ),
        // Revocations left out to spare another connection of the same external account.
        right: PROVIDER_IDS.map((provider) =>
          m.series('revocationSkipped', {
            dimensions: { provider },
            statistic: 'Sum',
            label: `revocation skipped: ${provider}`,
          }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Refresher: due, refreshed, failing, expiring within 7 days',
        width: 12,
        left: [
          m.series('connectionsDue', { label: 'due' }),
          m.series('connectionsRefreshed', { label: 'refreshed' }),
          m.series('connectionsFailing', { label: 'failing' }),
        ],
        right: [
          m.series('refreshTokensExpiring', { statistic: 'Maximum', label: 'expiring (max per provider)' }),
          m.series('refresherRun', { statistic: 'Sum', label: 'runs' }),
          m.series('refresherStoppedEarly', { statistic: 'Sum', label: 'runs stopped early' }),
        ],
      }),
    );

    for (const [key, title] of [
      ['tokenExchangeLatency', 'Token exchange latency (ms)'],
      ['tokenRefreshLatency', 'Token refresh latency (ms)'],
    ] as const) {
      dashboard.addWidgets(
        ...(['p50', 'p99'] as const).map(
          (statistic) =>
            new cloudwatch.GraphWidget({
              title: `${title} ${statistic}`,
              width: 12,
              left: PROVIDER_IDS.map((provider) =>
                m.series(key, { dimensions: { provider }, statistic, label: provider }),
              ),
            }),
        ),
      );
    }

    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Token access (jobs service) by outcome',
        width: 12,
        stacked: true,
        left: TOKEN_ACCESS_SHOWN.map((outcome) =>
          m.series('tokenAccess', { dimensions: { outcome }, label: outcome }),
        ),
        right: [m.series('tokenAccessFault', { statistic: 'Sum', label: 'faults (alarmed)' })],
      }),
      new cloudwatch.TextWidget({
        markdown:
          "### Reading the token access graph\n`needs_reauth` and `disconnected` are the connection's state (a user must act); " +
          '`retryable` is a provider hiccup or a refresh in progress; faults are ours to fix (see the README runbook).',
        width: 12,
        height: 6,
      }),
    );

    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Connections throttled for long, per provider',
        width: 12,
        stacked: true,
        left: PROVIDER_IDS.map((provider) =>
          m.series('longThrottledConnections', { dimensions: { provider }, label: provider }),
        ),
        right: [
          m.series('longThrottledConnections', {
            period: Duration.hours(1),
            label: 'all, per hour (alarmed)',
          }),
        ],
      }),
      new cloudwatch.TextWidget({
        markdown:
          '### Reading the long-throttle graph\nA connection is counted once per episode, when the provider has kept it waiting ' +
          'longer than `longThrottleMinutes`. Many at one provider: a quota of ours there is used up, or the jobs run too many calls at once. ' +
          'Which connections: token-access WARN lines `connection throttled for long`.',
        width: 12,
        height: 6,
      }),
    );

    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Webhook deliveries by outcome',
        width: 12,
        stacked: true,
        left: WEBHOOK_OUTCOMES.map((outcome) =>
          m.series('webhookDelivery', { dimensions: { outcome }, label: outcome }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors and throttles per function',
        width: 12,
        left: present.map(([name, fn]) =>
          fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: `${name} errors` }),
        ),
        right: present.map(([name, fn]) =>
          fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: `${name} throttles` }),
        ),
      }),
    );
    this.dashboard = dashboard;
  }
}
