// A connect flow through the real handlers: the metrics each step emits, one flow id across start, callback
// and complete, the request id on every line, and no token, code, state or secret on any line.
import type { ProviderId } from '../../lambda/providers/types';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import { TEST_API_URL } from '../support/constants';
import { stored } from '../support/vault';
import { consentOverHttp } from '../support/auth-server';
import { captureOutput } from '../support/capture';
import { emfPoints, pointsOf } from '../support/emf';
import { httpEvent, seedMember, startFlowHarness, uniqueId, type FlowHarness } from '../support/local-stack';

process.env.POWERTOOLS_METRICS_DISABLED = 'false';

type WithContext = (event: HttpEvent, context: { awsRequestId: string }) => Promise<HttpResult>;

let h: FlowHarness;
const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };

beforeAll(async () => {
  h = await startFlowHarness({ logLevel: 'INFO' });
  await seedMember(caller.userId, caller.accountId);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

/** Runs one handler invocation with a Lambda request id and returns its result and every line it wrote. */
async function invoke(
  handler: FlowHarness['start'],
  event: HttpEvent,
  requestId: string,
): Promise<{ result: HttpResult; lines: Record<string, unknown>[]; text: string }> {
  const capture = captureOutput();
  let result: HttpResult;
  try {
    result = await (handler as unknown as WithContext)(event, { awsRequestId: requestId });
  } finally {
    capture.restore();
  }
  const text = capture.text();
  const lines = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { result, lines, text };
}

const startEvent = (provider: ProviderId) =>
  httpEvent({
    method: 'POST',
    path: `/integrations/oauth/${provider}/start`,
    routeKey: 'POST /integrations/oauth/{provider}/start',
    pathParameters: { provider },
    body: {},
    caller,
  });
const callbackEvent = (provider: ProviderId, url: URL) =>
  httpEvent({
    method: 'GET',
    path: `/integrations/oauth/callback/${provider}`,
    routeKey: 'GET /integrations/oauth/callback/{provider}',
    pathParameters: { provider },
    query: url.searchParams,
  });
const completeEvent = (provider: ProviderId, completion: string) =>
  httpEvent({
    method: 'POST',
    path: `/integrations/oauth/${provider}/complete`,
    routeKey: 'POST /integrations/oauth/{provider}/complete',
    pathParameters: { provider },
    body: { completion },
    caller,
  });

const isLog = (line: Record<string, unknown>) => !('_aws' in line);

describe('a connect flow', () => {
  it('emits started, exchange, pending and connected, joined by one flow id, without secrets', async () => {
    const provider: ProviderId = 'hubspot';
    const started = await invoke(h.start, startEvent(provider), 'req-start');
    const { authorizationUrl, state } = JSON.parse(started.result.body as string);
    const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
    const code = callbackUrl.searchParams.get('code') as string;
    const back = await invoke(h.callback, callbackEvent(provider, callbackUrl), 'req-callback');
    const completion = new URL(back.result.headers?.location as string).searchParams.get(
      'completion',
    ) as string;
    const done = await invoke(h.complete, completeEvent(provider, completion), 'req-complete');
    expect(JSON.parse(done.result.body as string).status).toBe('connected');

    // Metrics of each step, with the provider and outcome dimensions.
    expect(pointsOf(started.text, 'FlowStarted').map((p) => p.dimensionSets[0].provider)).toEqual([provider]);
    expect(pointsOf(back.text, 'TokenExchange').map((p) => p.dimensionSets[0].outcome)).toEqual(['ok']);
    expect(pointsOf(back.text, 'TokenExchangeLatency')).toHaveLength(1);
    expect(pointsOf(back.text, 'Callback').map((p) => p.dimensionSets[0])).toEqual([
      { service: 'listbackup-integrations', stage: 'test', provider, outcome: 'pending' },
    ]);
    expect(pointsOf(back.text, 'CallbackFault').map((p) => p.value)).toEqual([0]);
    expect(pointsOf(done.text, 'Completion').map((p) => p.dimensionSets[0].outcome)).toEqual(['connected']);

    // One flow id on the lines of all three invocations, and each invocation's request id on every line.
    const flowIds = new Set<unknown>();
    for (const [step, requestId] of [
      [started, 'req-start'],
      [back, 'req-callback'],
      [done, 'req-complete'],
    ] as const) {
      const logs = step.lines.filter(isLog);
      expect(logs.length).toBeGreaterThan(0);
      for (const line of logs) expect(line.function_request_id).toBe(requestId);
      for (const point of emfPoints(step.text)) expect(point.metadata.requestId).toBe(requestId);
      for (const line of step.lines) flowIds.add(line.flowId);
    }
    expect(flowIds.size).toBe(1);
    const [flowId] = [...flowIds];
    expect(flowId).toMatch(/^flow_[A-Za-z0-9_-]{16}$/);
    expect(flowId).not.toContain(state);

    // Nothing secret on any line: state, code, completion id, tokens, client secret.
    const sourceId = (JSON.parse(done.result.body as string) as { sourceId: string }).sourceId;
    const tokens = (await stored({ accountId: caller.accountId, sourceId })).document as {
      accessToken: string;
      refreshToken: string;
    };
    const forbidden = [
      state,
      code,
      completion,
      tokens.accessToken,
      tokens.refreshToken,
      h.auth.credentials[provider].clientSecret,
    ];
    for (const text of [started.text, back.text, done.text]) {
      for (const value of forbidden) {
        expect(value.length).toBeGreaterThan(10);
        expect(text).not.toContain(value);
      }
    }
  });

  it('counts a denied consent as a user outcome, not a fault, and starts a new flow id', async () => {
    const provider: ProviderId = 'dropbox';
    const started = await invoke(h.start, startEvent(provider), 'req-a');
    const { authorizationUrl } = JSON.parse(started.result.body as string);
    const callbackUrl = await consentOverHttp(authorizationUrl, {
      callbackPrefix: TEST_API_URL,
      decision: 'deny',
    });
    const back = await invoke(h.callback, callbackEvent(provider, callbackUrl), 'req-b');
    expect(pointsOf(back.text, 'Callback').map((p) => p.dimensionSets[0].outcome)).toEqual(['access_denied']);
    expect(pointsOf(back.text, 'CallbackFault').map((p) => p.value)).toEqual([0]);
    expect(pointsOf(back.text, 'TokenExchange')).toHaveLength(0);
    const startFlow = started.lines.find(isLog)?.flowId;
    expect(back.lines.filter(isLog).every((l) => l.flowId === startFlow)).toBe(true);
  });

  it('counts a confirm of an unknown completion as refused', async () => {
    const done = await invoke(h.complete, completeEvent('box', 'x'.repeat(43)), 'req-c');
    expect(pointsOf(done.text, 'Completion').map((p) => p.dimensionSets[0])).toEqual([
      { service: 'listbackup-integrations', stage: 'test', provider: 'box', outcome: 'refused' },
    ]);
    expect(done.lines.filter(isLog).every((l) => l.function_request_id === 'req-c')).toBe(true);
  });
});
