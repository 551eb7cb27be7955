// Each metric function writes the EMF line of its spec (read back from the real Powertools output), per outcome.
import { ServiceError, type ErrorCode } from '../../lambda/shared/errors';
import { TransportError } from '../../lambda/oauth/transport';
import { TOKEN_ACCESS_ERRORS } from '../../clients/token-access/contract';
import {
  CALLBACK_FAULTS,
  COMPLETION_OUTCOMES,
  HEALTH_TRANSITIONS,
  METRICS,
  METRICS_NAMESPACE,
  TOKEN_ACCESS_FAULTS,
  TOKEN_ACCESS_OUTCOMES,
  WEBHOOK_OUTCOMES,
} from '../../lambda/metrics/names';
import { captureOutput } from '../support/capture';
import { emfPoints, pointsOf, type EmfPoint } from '../support/emf';

process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.STAGE = 'test';

// Loaded after the environment is set: the Metrics instance reads it when first used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emit = require('../../lambda/metrics/emit') as typeof import('../../lambda/metrics/emit');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const log = require('../../lambda/shared/logger') as typeof import('../../lambda/shared/logger');

/** Every metric name these tests saw emitted: together they must cover the whole list. */
const seen = new Set<string>();

function captured(run: () => void | Promise<void>): Promise<string> {
  const capture = captureOutput();
  return Promise.resolve()
    .then(run)
    .then(
      () => {
        for (const p of emfPoints(capture.text())) seen.add(p.name);
        return capture.text();
      },
      (error) => {
        capture.restore();
        throw error;
      },
    )
    .finally(() => capture.restore());
}

const base = { service: 'listbackup-integrations', stage: 'test' };

function only(points: EmfPoint[]): EmfPoint {
  expect(points).toHaveLength(1);
  return points[0];
}

beforeEach(() => log.beginInvocation({ awsRequestId: 'req-1' }));

describe('connect flow metrics', () => {
  it('counts a started flow per provider', async () => {
    const p = only(pointsOf(await captured(() => emit.countFlowStarted('google')), 'FlowStarted'));
    expect(p).toMatchObject({ namespace: METRICS_NAMESPACE, unit: 'Count', value: 1 });
    expect(p.dimensionSets).toEqual([{ ...base, provider: 'google' }]);
    expect(p.metadata).toMatchObject({ requestId: 'req-1' });
  });

  it.each(METRICS.callback.outcomes)(
    'counts a callback with outcome %s and flags faults apart',
    async (outcome) => {
      const text = await captured(() => emit.countCallback('box', outcome as 'pending' | ErrorCode));
      expect(only(pointsOf(text, 'Callback')).dimensionSets).toEqual([{ ...base, provider: 'box', outcome }]);
      const fault = only(pointsOf(text, 'CallbackFault'));
      expect(fault.dimensionSets).toEqual([{ ...base, provider: 'box' }]);
      expect(fault.value).toBe((CALLBACK_FAULTS as readonly string[]).includes(outcome) ? 1 : 0);
    },
  );

  it('counts a code outside the bounded set as other', async () => {
    const text = await captured(() => emit.countCallback('box', 'invalid_completion'));
    expect(only(pointsOf(text, 'Callback')).dimensionSets[0].outcome).toBe('other');
    const access = await captured(() => emit.countTokenAccess('invalid_shop'));
    expect(only(pointsOf(access, 'TokenAccess')).dimensionSets[0].outcome).toBe('other');
  });

  it('counts a callback whose exchange the provider refused for our client credentials as its own fault', async () => {
    // invalid_client at the token endpoint during connect: a rotated or mistyped client secret of ours.
    const text = await captured(() => emit.countCallback('box', 'credentials_rejected'));
    expect(only(pointsOf(text, 'Callback')).dimensionSets[0].outcome).toBe('credentials_rejected');
    expect(only(pointsOf(text, 'CallbackFault')).value).toBe(1);
  });

  it('keeps user errors out of the callback fault rate', async () => {
    for (const outcome of ['access_denied', 'expired_state', 'invalid_state', 'pending'] as const) {
      const text = await captured(() => emit.countCallback('hubspot', outcome));
      expect(only(pointsOf(text, 'CallbackFault')).value).toBe(0);
    }
    const text = await captured(() => emit.countCallback('hubspot', 'provider_unavailable'));
    expect(only(pointsOf(text, 'CallbackFault')).value).toBe(1);
  });

  it('counts a revocation skipped to spare another connection, per provider', async () => {
    const p = only(
      pointsOf(await captured(() => emit.countRevocationSkipped('stripe')), 'RevocationSkipped'),
    );
    expect(p).toMatchObject({ namespace: METRICS_NAMESPACE, unit: 'Count', value: 1 });
    expect(p.dimensionSets).toEqual([{ ...base, provider: 'stripe' }]);
  });

  it.each(COMPLETION_OUTCOMES)('counts a completion %s', async (outcome) => {
    const p = only(pointsOf(await captured(() => emit.countCompletion('keap', outcome)), 'Completion'));
    expect(p.dimensionSets).toEqual([{ ...base, provider: 'keap', outcome }]);
  });

  it('stamps the flow id joined in this invocation, and drops it with the next invocation', async () => {
    log.joinFlow('flow_abc');
    const first = only(await captured(() => emit.countFlowStarted('dropbox')).then(emfPoints));
    expect(first.metadata).toMatchObject({ flowId: 'flow_abc', requestId: 'req-1' });
    log.beginInvocation({ awsRequestId: 'req-2' });
    const second = only(await captured(() => emit.countFlowStarted('dropbox')).then(emfPoints));
    expect(second.metadata).toEqual({ requestId: 'req-2' });
  });
});

describe('token endpoint metrics', () => {
  const cases: [string, unknown, string][] = [
    ['ok', undefined, 'ok'],
    ['a timeout', new TransportError('timed out'), 'retryable'],
    ['a 5xx', new ServiceError('provider_unavailable', 'x'), 'retryable'],
    ['invalid_grant', new ServiceError('invalid_grant', 'x'), 'invalid_grant'],
    ['a refused client', new ServiceError('provider_rejected', 'x'), 'rejected'],
    ['an unusable answer', new ServiceError('invalid_token_response', 'x'), 'rejected'],
  ];

  it.each(cases)('times an exchange that ends in %s', async (_, error, outcome) => {
    const text = await captured(async () => {
      const call = emit.timeTokenCall('exchange', 'quickbooks', async () => {
        await new Promise((r) => setTimeout(r, 20));
        if (error) throw error;
        return 'tokens';
      });
      if (error) await expect(call).rejects.toBe(error);
      else await expect(call).resolves.toBe('tokens');
    });
    const latency = only(pointsOf(text, 'TokenExchangeLatency'));
    expect(latency.unit).toBe('Milliseconds');
    expect(latency.value).toBeGreaterThanOrEqual(15);
    expect(latency.dimensionSets).toEqual([{ ...base, provider: 'quickbooks' }]);
    expect(only(pointsOf(text, 'TokenExchange')).dimensionSets).toEqual([
      { ...base, provider: 'quickbooks', outcome },
      { ...base, outcome },
    ]);
    expect(pointsOf(text, 'TokenRefresh')).toHaveLength(0);
  });

  it.each(cases)(
    'times a refresh attempt that ends in %s, with the service-wide failure flag',
    async (_, error, outcome) => {
      const text = await captured(async () => {
        await emit
          .timeTokenCall('refresh', 'box', async () => {
            if (error) throw error;
          })
          .catch(() => undefined);
      });
      expect(only(pointsOf(text, 'TokenRefreshLatency')).dimensionSets).toEqual([
        { ...base, provider: 'box' },
      ]);
      expect(only(pointsOf(text, 'TokenRefresh')).dimensionSets).toEqual([
        { ...base, provider: 'box', outcome },
        { ...base, outcome },
      ]);
      const failed = only(pointsOf(text, 'TokenRefreshFailed'));
      expect(failed.dimensionSets).toEqual([base]);
      expect(failed.value).toBe(outcome === 'ok' ? 0 : 1);
    },
  );
});

describe('token access, health and webhook metrics', () => {
  it.each(METRICS.tokenAccess.outcomes)('counts token access %s', async (outcome) => {
    const text = await captured(() => emit.countTokenAccess(outcome as 'ok' | ErrorCode));
    expect(only(pointsOf(text, 'TokenAccess')).dimensionSets).toEqual([{ ...base, outcome }]);
    const fault = only(pointsOf(text, 'TokenAccessFault'));
    expect(fault.dimensionSets).toEqual([base]);
    expect(fault.value).toBe((TOKEN_ACCESS_FAULTS as readonly string[]).includes(outcome) ? 1 : 0);
  });

  it('counts a provider refusing our client credentials as its own outcome, and as a fault of ours', async () => {
    const text = await captured(() => emit.countTokenAccess('credentials_rejected'));
    expect(only(pointsOf(text, 'TokenAccess')).dimensionSets).toEqual([
      { ...base, outcome: 'credentials_rejected' },
    ]);
    expect(only(pointsOf(text, 'TokenAccessFault')).value).toBe(1);
  });

  it('has an outcome for every code token-access answers with, and a fault for every one an operator must fix', () => {
    const outcomes: readonly string[] = TOKEN_ACCESS_OUTCOMES;
    const faults: readonly string[] = TOKEN_ACCESS_FAULTS;
    for (const [code, action] of Object.entries(TOKEN_ACCESS_ERRORS)) {
      expect([code, outcomes.includes(code)]).toEqual([code, true]);
      if (action === 'operator') expect([code, faults.includes(code)]).toEqual([code, true]);
    }
  });

  it('counts a connection throttled for long per provider and service-wide', async () => {
    const text = await captured(() => emit.countLongThrottledConnection('hubspot'));
    const p = only(pointsOf(text, 'LongThrottledConnections'));
    expect(p).toMatchObject({ namespace: METRICS_NAMESPACE, unit: 'Count', value: 1 });
    expect(p.dimensionSets).toEqual([{ ...base, provider: 'hubspot' }, base]);
    expect(p.metadata).toMatchObject({ requestId: 'req-1' });
  });

  it.each(HEALTH_TRANSITIONS)(
    'counts the health transition %s per provider and service-wide',
    async (outcome) => {
      const p = only(
        pointsOf(
          await captured(() => emit.countHealthTransition('gohighlevel', outcome)),
          'HealthTransition',
        ),
      );
      expect(p.dimensionSets).toEqual([
        { ...base, provider: 'gohighlevel', outcome },
        { ...base, outcome },
      ]);
    },
  );

  it.each(WEBHOOK_OUTCOMES)('counts a webhook delivery %s per provider and service-wide', async (outcome) => {
    const p = only(pointsOf(await captured(() => emit.countWebhook('shopify', outcome)), 'WebhookDelivery'));
    expect(p.dimensionSets).toEqual([
      { ...base, provider: 'shopify', outcome },
      { ...base, outcome },
    ]);
  });

  it('writes no warning line of its own for the shared outcome key', async () => {
    const text = await captured(() => emit.countWebhook('stripe', 'applied'));
    expect(text.trim().split('\n')).toHaveLength(1);
  });
});

describe('refresher run metrics', () => {
  it('reports due, refreshed, failing and expiring per provider and in total, then the run', async () => {
    const text = await captured(() =>
      emit.reportRefresherRun(
        {
          box: { due: 3, refreshed: 1, failing: 2, expiring: 1 },
          quickbooks: { due: 1, refreshed: 1, failing: 0, expiring: 1 },
        },
        true,
      ),
    );
    const expiring = pointsOf(text, 'RefreshTokensExpiring');
    expect(expiring.map((p) => [p.dimensionSets, p.value])).toEqual([
      [[{ ...base, provider: 'box' }, base], 1],
      [[{ ...base, provider: 'quickbooks' }, base], 1],
    ]);
    expect(pointsOf(text, 'ConnectionsDue').map((p) => p.value)).toEqual([3, 1]);
    expect(pointsOf(text, 'ConnectionsRefreshed').map((p) => p.value)).toEqual([1, 1]);
    expect(pointsOf(text, 'ConnectionsFailing').map((p) => p.value)).toEqual([2, 0]);
    expect(only(pointsOf(text, 'RefresherRun'))).toMatchObject({ value: 1, dimensionSets: [base] });
    expect(only(pointsOf(text, 'RefresherStoppedEarly')).value).toBe(1);
  });

  it('reports the run even when nothing was due', async () => {
    const text = await captured(() => emit.reportRefresherRun({}, false));
    expect(emfPoints(text).map((p) => [p.name, p.value])).toEqual([
      ['RefresherRun', 1],
      ['RefresherStoppedEarly', 0],
    ]);
  });
});

describe('the metric list', () => {
  it('names every metric once, with bounded outcomes wherever outcome is a dimension', () => {
    const names = Object.values(METRICS).map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of Object.values(METRICS)) {
      const usesOutcome = spec.dimensionSets.some((set) => (set as readonly string[]).includes('outcome'));
      expect('outcomes' in spec).toBe(usesOutcome);
    }
  });
});

afterAll(() => {
  // The stack's alarms and dashboard are built from the same list (lib/service-metrics.ts): each name is emitted.
  expect([...seen].sort()).toEqual(
    Object.values(METRICS)
      .map((m) => m.name)
      .sort(),
  );
});
