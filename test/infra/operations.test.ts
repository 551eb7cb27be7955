// Operations in the stack: every alarm (metric, threshold, action), the topic created or imported, the refresher's
// failure queue, and a dashboard whose widgets name only metrics the handlers publish.
import { Template } from 'aws-cdk-lib/assertions';
import { METRICS, METRICS_NAMESPACE } from '../../lambda/metrics/names';
import { PROVIDER_IDS } from '../../lambda/providers/registry';
import { SettingsError, loadSettings } from '../../lib/config';
import { HANDLER_NAMES, HANDLERS } from '../../lib/handler-specs';
import { ServiceMetrics } from '../../lib/service-metrics';
import { TEST_STAGES, buildStage, functionId, resources, synthStage } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Alarm = Resource['Properties'];

function alarms(template: Template): Map<string, Alarm> {
  const out = new Map<string, Alarm>();
  for (const r of Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[]) {
    out.set(String(r.Properties.AlarmName), r.Properties);
  }
  return out;
}

const NAME = (stage: string, key: string) => `listbackup-integrations-${stage}-${key}`;
const dimensionsOf = (metric: { Dimensions?: { Name: string; Value: unknown }[] }) =>
  Object.fromEntries((metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));

/** The alarm's metrics: its own, or those of its expression, with name, dimensions and statistic. */
function alarmMetrics(
  alarm: Alarm,
): { namespace: string; name: string; dims: Record<string, unknown>; stat?: string }[] {
  if (alarm.MetricName) {
    return [
      {
        namespace: String(alarm.Namespace),
        name: String(alarm.MetricName),
        dims: dimensionsOf(alarm as { Dimensions?: { Name: string; Value: unknown }[] }),
        stat: (alarm.Statistic ?? alarm.ExtendedStatistic) as string,
      },
    ];
  }
  return (alarm.Metrics as { MetricStat?: { Metric: Record<string, unknown>; Stat: string } }[])
    .filter((q) => q.MetricStat)
    .map((q) => ({
      namespace: String(q.MetricStat!.Metric.Namespace),
      name: String(q.MetricStat!.Metric.MetricName),
      dims: dimensionsOf(q.MetricStat!.Metric as { Dimensions?: { Name: string; Value: unknown }[] }),
      stat: q.MetricStat!.Stat,
    }));
}

/** Checks a (name, dimensions) pair against the published sets of lambda/metrics/names.ts. */
function expectPublished(name: string, dims: Record<string, unknown>, stage: string): void {
  const spec = Object.values(METRICS).find((m) => m.name === name);
  expect(spec).toBeDefined();
  expect(dims.service).toBe('listbackup-integrations');
  expect(dims.stage).toBe(stage);
  const rest = Object.keys(dims)
    .filter((k) => k !== 'service' && k !== 'stage')
    .sort()
    .join(',');
  expect(spec!.dimensionSets.map((set) => [...set].sort().join(','))).toContain(rest);
  if (dims.outcome !== undefined)
    expect((spec as { outcomes: readonly string[] }).outcomes).toContain(dims.outcome);
}

describe('alarms', () => {
  const { template, settings } = synthStage('fixed');
  const all = alarms(template);
  const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  const s = settings.monitoring;

  it('notify the stage topic on alarm and on recovery, and say what to do', () => {
    expect(all.size).toBe(2 * HANDLER_NAMES.length + PROVIDER_IDS.length + 9);
    for (const [name, alarm] of all) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
      expect(String(alarm.AlarmDescription).length).toBeGreaterThan(80);
      expect(name.startsWith('listbackup-integrations-fixed-')).toBe(true);
    }
  });

  it.each(HANDLER_NAMES)('%s: errors and throttles of its function', (handler) => {
    const fn = functionId(template, handler);
    for (const [kind, metric, threshold] of [
      ['errors', 'Errors', s.functionErrors],
      ['throttles', 'Throttles', s.functionThrottles],
    ] as const) {
      const alarm = all.get(NAME('fixed', `${handler}-${kind}`))!;
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it.each(PROVIDER_IDS)('%s: callback fault rate, only with enough callbacks', (provider) => {
    const alarm = all.get(NAME('fixed', `callback-faults-${provider}`))!;
    expect(alarm).toMatchObject({
      Threshold: s.callbackFaultPercent,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const expression = (alarm.Metrics as { Expression?: string }[]).find((q) => q.Expression)!.Expression;
    expect(expression).toBe(`IF(n >= ${s.callbackMinCount}, rate * 100, 0)`);
    const metrics = alarmMetrics(alarm);
    expect(metrics.map((q) => [q.name, q.dims.provider, q.stat])).toEqual([
      ['CallbackFault', provider, 'Average'],
      ['CallbackFault', provider, 'SampleCount'],
    ]);
    for (const q of metrics) expectPublished(q.name, q.dims, 'fixed');
  });

  it.each([
    ['refresh-failures', 'TokenRefreshFailed', {}, s.refreshFailurePercent, 900],
    ['needs-reauth-burst', 'HealthTransition', { outcome: 'needs_reauth' }, s.needsReauthPerHour, 3600],
    ['refresher-not-running', 'RefresherRun', {}, 1, 600],
    [
      'webhook-bad-signatures',
      'WebhookDelivery',
      { outcome: 'bad_signature' },
      s.badSignaturesPer5Minutes,
      300,
    ],
    ['token-access-faults', 'TokenAccessFault', {}, s.tokenAccessFaultsPer5Minutes, 300],
    ['refresh-tokens-expiring', 'RefreshTokensExpiring', {}, s.expiringRefreshTokens, 21600],
    ['long-throttles', 'LongThrottledConnections', {}, s.longThrottlesPerHour, 3600],
  ] as const)('%s watches %s %o with its setting as threshold', (key, name, dims, threshold, period) => {
    const alarm = all.get(NAME('fixed', key))!;
    expect(alarm.Threshold).toBe(threshold);
    const metrics = alarmMetrics(alarm);
    for (const q of metrics) {
      expect(q).toMatchObject({ namespace: METRICS_NAMESPACE, name, dims: { ...dims } });
      expectPublished(q.name, q.dims, 'fixed');
    }
    const periods = alarm.Metrics
      ? (alarm.Metrics as { MetricStat?: { Period: number } }[])
          .filter((q) => q.MetricStat)
          .map((q) => q.MetricStat!.Period)
      : [alarm.Period];
    expect(new Set(periods)).toEqual(new Set([period]));
  });

  it('treats a refresher that emits nothing for two intervals as not running', () => {
    expect(all.get(NAME('fixed', 'refresher-not-running'))).toMatchObject({
      EvaluationPeriods: 2,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('catches a refresher run close to its timeout', () => {
    expect(all.get(NAME('fixed', 'refresher-timeouts'))).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(template, 'connection-refresher') } }],
      Statistic: 'Maximum',
      Threshold: HANDLERS['connection-refresher'].timeoutSeconds * 900,
    });
  });

  it('follows the interval and thresholds of the stage settings', () => {
    const custom = {
      ...TEST_STAGES,
      tuned: {
        ...(TEST_STAGES.test as object),
        refreshIntervalMinutes: 30,
        monitoring: {
          functionErrors: 3,
          callbackFaultPercent: 50,
          callbackMinCount: 12,
          needsReauthPerHour: 40,
        },
      },
    };
    const tuned = alarms(Template.fromStack(buildStage('tuned', custom).stack));
    expect(tuned.get(NAME('tuned', 'oauth-start-errors'))?.Threshold).toBe(3);
    expect(tuned.get(NAME('tuned', 'callback-faults-box'))?.Threshold).toBe(50);
    expect(
      (tuned.get(NAME('tuned', 'callback-faults-box'))?.Metrics as { Expression?: string }[]).find(
        (q) => q.Expression,
      )?.Expression,
    ).toBe('IF(n >= 12, rate * 100, 0)');
    expect(tuned.get(NAME('tuned', 'needs-reauth-burst'))?.Threshold).toBe(40);
    expect(tuned.get(NAME('tuned', 'refresher-not-running'))?.Period).toBe(1800);
  });
});

describe('the alarm topic', () => {
  it('is created per stage, encrypted with a rotated key CloudWatch may use, TLS only, without subscriptions', () => {
    const { template } = synthStage('fixed');
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const [topic] = Object.values(template.findResources('AWS::SNS::Topic')) as Resource[];
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const key = resources(template)[keyId];
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.Properties?.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0] as Resource;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    template.hasOutput('AlarmTopicArn', {});
  });

  it('subscribes the e-mail address of the setting', () => {
    const stages = {
      ...TEST_STAGES,
      mail: { ...(TEST_STAGES.fixed as object), monitoring: { alarmEmail: 'ops@example.com' } },
    };
    const template = Template.fromStack(buildStage('mail', stages).stack);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('is imported by ARN: no topic, no key, alarms notify the given topic', () => {
    const arn = 'arn:aws:sns:us-west-2:123456789012:oncall';
    const stages = {
      ...TEST_STAGES,
      shared: { ...(TEST_STAGES.fixed as object), monitoring: { alarmTopicArn: arn } },
    };
    const template = Template.fromStack(buildStage('shared', stages).stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    // The only key left is the token vault's.
    expect(
      Object.entries(template.findResources('AWS::KMS::Key')).map(([id]) => id.replace(/[0-9A-F]{8}$/, '')),
    ).toEqual(['TokenVaultKey']);
    for (const alarm of alarms(template).values()) {
      expect(alarm.AlarmActions).toEqual([arn]);
      expect(alarm.OKActions).toEqual([arn]);
    }
  });

  it('refuses an e-mail subscription together with an imported topic, and malformed values', () => {
    const dev = TEST_STAGES.fixed as object;
    expect(() =>
      loadSettings('x', {
        x: {
          ...dev,
          monitoring: { alarmTopicArn: 'arn:aws:sns:us-west-2:123456789012:t', alarmEmail: 'a@b.co' },
        },
      }),
    ).toThrow(SettingsError);
    expect(() => loadSettings('x', { x: { ...dev, monitoring: { alarmEmail: 'nobody' } } })).toThrow(
      'stage x: monitoring.alarmEmail must be an e-mail address',
    );
    expect(() => loadSettings('x', { x: { ...dev, monitoring: { alarmTopicArn: 'oncall' } } })).toThrow(
      'stage x: monitoring.alarmTopicArn must be an SNS topic ARN',
    );
    expect(() => loadSettings('x', { x: { ...dev, monitoring: { callbackFaultPercent: 0 } } })).toThrow(
      /^stage x: monitoring.callbackFaultPercent/,
    );
  });
});

describe("the refresher's failed invocations", () => {
  const { template } = synthStage('fixed');
  const queue = Object.keys(template.findResources('AWS::SQS::Queue'))[0];

  it('go to an encrypted queue, without retries, from the function and from the schedule', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(template, 'connection-refresher') },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    const [rule] = Object.values(template.findResources('AWS::Events::Rule')) as Resource[];
    expect((rule.Properties.Targets as Record<string, unknown>[])[0]).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 0 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
    });
  });

  it('raise an alarm on the first message', () => {
    expect(alarms(template).get(NAME('fixed', 'refresher-failed-invocations'))).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 1,
    });
  });
});

/** The dashboard body with CloudFormation tokens replaced by a marker, parsed. */
function dashboardBody(template: Template): {
  widgets: { type: string; properties: Record<string, unknown> }[];
} {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
  const body = dashboard.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

describe('the dashboard', () => {
  const { template } = synthStage('fixed');
  const body = dashboardBody(template);
  const graphs = body.widgets.filter((w) => w.type === 'metric');
  const titles = graphs.map((w) => String(w.properties.title));
  const series = graphs.flatMap((w) =>
    (w.properties.metrics as unknown[][])
      .filter((m) => typeof m[0] === 'string')
      .map((m) => ({ widget: w, m })),
  );

  it('is one per stage', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'listbackup-integrations-fixed',
    });
  });

  it('names only metrics the handlers publish, under their published dimension sets', () => {
    const ours = series.filter(({ m }) => m[0] === METRICS_NAMESPACE);
    expect(ours.length).toBeGreaterThan(50);
    for (const { m } of ours) {
      const pairs = m.slice(2).filter((x) => typeof x === 'string') as string[];
      const dims: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) dims[pairs[i]] = pairs[i + 1];
      expectPublished(String(m[1]), dims, 'fixed');
    }
    const others = new Set(
      series.filter(({ m }) => m[0] !== METRICS_NAMESPACE).map(({ m }) => `${m[0]} ${m[1]}`),
    );
    expect([...others].sort()).toEqual(['AWS/Lambda Errors', 'AWS/Lambda Throttles']);
  });

  it('shows every metric of the list somewhere (dashboard or alarm)', () => {
    const onDashboard = new Set(
      series.filter(({ m }) => m[0] === METRICS_NAMESPACE).map(({ m }) => String(m[1])),
    );
    const inAlarms = new Set(
      [...alarms(template).values()].flatMap((a) => alarmMetrics(a).map((q) => q.name)),
    );
    for (const spec of Object.values(METRICS))
      expect([spec.name, onDashboard.has(spec.name) || inAlarms.has(spec.name)]).toEqual([spec.name, true]);
  });

  it('has the funnel per provider, refresh outcomes, health, latency p50/p99, long throttles, webhooks, errors per function and alarms', () => {
    for (const provider of PROVIDER_IDS) expect(titles).toContain(`Funnel: ${provider}`);
    for (const title of [
      'Refresh outcomes (attempts)',
      'Connection health transitions',
      'Token exchange latency (ms) p50',
      'Token exchange latency (ms) p99',
      'Token refresh latency (ms) p99',
      'Connections throttled for long, per provider',
      'Webhook deliveries by outcome',
      'Errors and throttles per function',
    ])
      expect(titles).toContain(title);
    const p99 = series.filter(({ widget }) => widget.properties.title === 'Token refresh latency (ms) p99');
    expect(p99.map(({ m }) => (m.at(-1) as { stat: string }).stat)).toEqual(PROVIDER_IDS.map(() => 'p99'));
    const long = series
      .filter(({ widget }) => widget.properties.title === 'Connections throttled for long, per provider')
      .map(({ m }) => [m[1], m.includes('provider') ? m[m.indexOf('provider') + 1] : 'all']);
    expect(long).toEqual([...PROVIDER_IDS, 'all'].map((provider) => ['LongThrottledConnections', provider]));
    const funnel = series
      .filter(({ widget }) => widget.properties.title === 'Funnel: box')
      .map(({ m }) => m[1]);
    expect(funnel).toEqual(['FlowStarted', 'Callback', 'Completion', 'Completion']);
    const alarmWidget = body.widgets.find((w) => w.type === 'alarm')!;
    expect((alarmWidget.properties.alarms as unknown[]).length).toBe(alarms(template).size);
  });
});

describe('ServiceMetrics', () => {
  it('refuses a series the handlers never publish', () => {
    const m = new ServiceMetrics('fixed');
    expect(() => m.series('callback', { dimensions: { provider: 'box' } })).toThrow(
      /not published with dimensions/,
    );
    expect(() => m.series('tokenAccess', { dimensions: { outcome: 'teapot' } })).toThrow(/no outcome teapot/);
    expect(m.series('tokenAccess', { dimensions: { outcome: 'ok' } }).metricName).toBe('TokenAccess');
  });
});
