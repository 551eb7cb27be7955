// The stage's alarms: what an operator is told about, when (settings.monitoring) and what to do (each description).
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CALLBACK_FAULTS, TOKEN_ACCESS_FAULTS } from '../lambda/metrics/names';
import { PROVIDER_IDS } from '../lambda/providers/registry';
import type { MonitoringSettings } from './config';
import type { HandlerFunction } from './handler-function';
import { HANDLER_NAMES, HANDLERS, type HandlerName } from './handler-specs';
import type { ServiceMetrics } from './service-metrics';

export interface ServiceAlarmsProps {
  readonly stage: string;
  readonly settings: MonitoringSettings;
  readonly metrics: ServiceMetrics;
  readonly functions: {
    get(name: HandlerName): HandlerFunction;
    find(name: HandlerName): HandlerFunction | undefined;
  };
  readonly topic: sns.ITopic;
  readonly refreshIntervalMinutes: number;
  /** How long a throttling episode lasts before it is counted (the stage's longThrottleMinutes). */
  readonly longThrottleMinutes: number;
  /** Where the refresher's failed invocations land. */
  readonly refresherFailures: sqs.IQueue;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Every alarm of the stage, by a stable key (README runbook rows, infra tests). */
export class ServiceAlarms extends Construct {
  readonly alarms = new Map<string, cloudwatch.Alarm>();

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const { settings: s, metrics: m, stage } = props;
    const action = new actions.SnsAction(props.topic);
    const add = (key: string, alarmProps: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(this, key, {
        ...alarmProps,
        alarmName: `listbackup-integrations-${stage}-${key}`,
        treatMissingData: alarmProps.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.set(key, alarm);
    };

    for (const name of HANDLER_NAMES) {
      // The preflight function exists only where this stack answers preflights (cors.preflight own-routes).
      const fn = props.functions.find(name);
      if (!fn) continue;
      add(`${name}-errors`, {
        alarmDescription:
          `${name} failed ${s.functionErrors}+ times in 5 minutes (unhandled errors, timeouts or crashes). ` +
          `Open its log group, filter level ERROR, and read cause/detail; a deploy in the last hour is the first suspect (roll back).`,
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: s.functionErrors,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      add(`${name}-throttles`, {
        alarmDescription:
          `${name} was throttled ${s.functionThrottles}+ times in 5 minutes: its reserved concurrency or the account limit is used up. ` +
          `Check the dashboard for a traffic spike (abuse of a public route?) before raising callbackThrottle or the account limit.`,
        metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: s.functionThrottles,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }

    for (const provider of PROVIDER_IDS) {
      add(`callback-faults-${provider}`, {
        alarmDescription:
          `More than ${s.callbackFaultPercent}% of ${provider} callbacks failed on our or ${provider}'s side (${CALLBACK_FAULTS.join(', ')}) ` +
          `in 2 of 3 five-minute periods; user errors such as access_denied do not count. ` +
          `Read the oauth-callback log lines with level ERROR/WARN for provider=${provider}: credentials_rejected means ${provider} refused our client id or secret (expired, rotated or mistyped) ` +
          `(upload the current one with npm run credentials), provider_unavailable an outage at ${provider} (check its status page).`,
        metric: new cloudwatch.MathExpression({
          expression: `IF(n >= ${s.callbackMinCount}, rate * 100, 0)`,
          usingMetrics: {
            rate: m.series('callbackFault', { dimensions: { provider }, statistic: 'Average' }),
            n: m.series('callbackFault', { dimensions: { provider }, statistic: 'SampleCount' }),
          },
          period: FIVE_MINUTES,
          label: `${provider} callback fault %`,
        }),
        threshold: s.callbackFaultPercent,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }

    add('refresh-failures', {
      alarmDescription:
        `More than ${s.refreshFailurePercent}% of token refresh attempts were not answered ok over 15 minutes. ` +
        'The dashboard\'s "Refresh outcomes" and "Provider latency" show which provider and how: retryable = outage or timeouts ' +
        '(wait, check the provider status page), rejected = our client credentials (npm run credentials), invalid_grant = revoked grants.',
      metric: new cloudwatch.MathExpression({
        expression: `IF(n >= ${s.refreshMinCount}, rate * 100, 0)`,
        usingMetrics: {
          rate: m.series('tokenRefreshFailed', { statistic: 'Average', period: Duration.minutes(15) }),
          n: m.series('tokenRefreshFailed', { statistic: 'SampleCount', period: Duration.minutes(15) }),
        },
        period: Duration.minutes(15),
        label: 'refresh failure %',
      }),
      threshold: s.refreshFailurePercent,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    add('needs-reauth-burst', {
      alarmDescription:
        `${s.needsReauthPerHour}+ connections turned needs_reauth within an hour. Users must reconnect them; a wave usually means the provider ` +
        'revoked grants (app suspended, scopes changed, client secret reset) or our client id changed. Check the dashboard by provider and the provider console.',
      metric: m.series('healthTransition', {
        dimensions: { outcome: 'needs_reauth' },
        statistic: 'Sum',
        period: Duration.hours(1),
      }),
      threshold: s.needsReauthPerHour,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    add('refresher-not-running', {
      alarmDescription:
        `The refresher finished no run in two intervals (${2 * props.refreshIntervalMinutes} minutes): tokens expire unrefreshed. ` +
        'Check that the RefreshSchedule rule is enabled, the connection-refresher errors alarm and its log group, and the failed-invocations queue.',
      metric: m.series('refresherRun', {
        statistic: 'Sum',
        period: Duration.minutes(props.refreshIntervalMinutes),
      }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    const refresher = props.functions.get('connection-refresher');
    const timeoutMs = HANDLERS['connection-refresher'].timeoutSeconds * 1000;
    add('refresher-timeouts', {
      alarmDescription:
        `A refresher run took over 90% of its ${timeoutMs / 1000} s timeout: it is close to being cut off. ` +
        'Look for a slow provider (dashboard latency p99) or a DynamoDB slowdown; a run stopped early leaves the rest to the next one.',
      metric: refresher.metricDuration({ statistic: 'Maximum', period: FIVE_MINUTES }),
      threshold: Math.round(timeoutMs * 0.9),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    add('refresher-failed-invocations', {
      alarmDescription:
        'A scheduled refresher invocation failed and landed in the failed-invocations queue. Read the message (it names the request id), ' +
        'look the request up in the connection-refresher log group, then delete the message once understood.',
      metric: props.refresherFailures.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    add('webhook-bad-signatures', {
      alarmDescription:
        `${s.badSignaturesPer5Minutes}+ webhook deliveries failed their signature check in 5 minutes: someone is posting forged deliveries, ` +
        "or the verification secret is wrong (Shopify: the app's client secret; Stripe: the endpoint signing secret; HighLevel: the public key setting). " +
        "Compare with the provider's delivery log; re-upload the secret with npm run credentials if it was rotated.",
      metric: m.series('webhookDelivery', { dimensions: { outcome: 'bad_signature' }, statistic: 'Sum' }),
      threshold: s.badSignaturesPer5Minutes,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    add('token-access-faults', {
      alarmDescription:
        `${s.tokenAccessFaultsPer5Minutes}+ token requests of the jobs service failed in 5 minutes for a reason on our side ` +
        `(${TOKEN_ACCESS_FAULTS.join(', ')}): backups cannot get tokens. ` +
        'Read the token-access log lines with level ERROR/WARN; upload missing or rotated client credentials with npm run credentials.',
      metric: m.series('tokenAccessFault', { statistic: 'Sum' }),
      threshold: s.tokenAccessFaultsPer5Minutes,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    add('long-throttles', {
      alarmDescription:
        `${s.longThrottlesPerHour}+ connections were throttled by their provider for longer than ${props.longThrottleMinutes} minutes within an hour: ` +
        'their backups are stalled. The dashboard\'s "Connections throttled for long" shows which provider. Many at one provider: a quota of our app ' +
        "there is used up (Google: per Cloud project) or the jobs call it too often in parallel; lower the jobs' concurrency for it or ask for a higher quota " +
        '(each limit\'s scope: the rateLimit of each entry in lambda/providers/entries.ts). Which connections: the token-access WARN lines "connection throttled for long".',
      metric: m.series('longThrottledConnections', { statistic: 'Sum', period: Duration.hours(1) }),
      threshold: s.longThrottlesPerHour,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    add('refresh-tokens-expiring', {
      alarmDescription:
        `${s.expiringRefreshTokens}+ refresh tokens of one provider reach the provider's idle or absolute lifetime within 7 days without a successful refresh ` +
        '(e.g. QuickBooks after five years). Find them in the connection-refresher logs and ask their accounts to reconnect before they die.',
      metric: m.series('refreshTokensExpiring', { statistic: 'Maximum', period: Duration.hours(6) }),
      threshold: s.expiringRefreshTokens,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }
}
