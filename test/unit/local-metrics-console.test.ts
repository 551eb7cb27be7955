// The local run's console: the EMF lines the real emitter writes become one readable line per metric; logs pass unchanged.
import { formatMetricLine, readableChunk, showMetricsReadably } from '../../scripts/local/metrics-console';
import { captureOutput } from '../support/capture';

process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.STAGE = 'local';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emit = require('../../lambda/metrics/emit') as typeof import('../../lambda/metrics/emit');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const log = require('../../lambda/shared/logger') as typeof import('../../lambda/shared/logger');

/** What the emitter writes for `run`, as the local console shows it. */
async function shown(run: () => unknown): Promise<string> {
  const capture = captureOutput();
  try {
    showMetricsReadably();
    await run();
  } finally {
    capture.restore();
  }
  return capture.text();
}

describe('the local metrics console', () => {
  it('shows a count with its dimensions and the flow id, without service and stage', async () => {
    log.beginInvocation({ awsRequestId: 'r1' });
    log.joinFlow('flow_demo');
    const text = await shown(() => emit.countCallback('google', 'pending'));
    expect(text).toBe(
      'metric Callback +1  provider=google outcome=pending  (flow_demo)\n' +
        'metric CallbackFault +0  provider=google  (flow_demo)\n',
    );
  });

  it('shows latencies in ms and service-wide series without dimensions', async () => {
    log.beginInvocation({ awsRequestId: 'r2' });
    const text = await shown(() => emit.timeTokenCall('refresh', 'box', async () => 'ok'));
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^metric TokenRefreshLatency \d+ ms {2}provider=box$/);
    expect(lines.slice(1)).toEqual([
      'metric TokenRefresh +1  provider=box outcome=ok',
      'metric TokenRefreshFailed +0',
    ]);
  });

  it('leaves log lines and other output alone', () => {
    const logLine = '{"level":"INFO","message":"oauth flow started","provider":"google"}';
    expect(formatMetricLine(logLine)).toBeUndefined();
    expect(readableChunk(`${logLine}\n`)).toBe(`${logLine}\n`);
    expect(readableChunk('http: GET / -> 200 (3 ms)\n')).toBe('http: GET / -> 200 (3 ms)\n');
    expect(formatMetricLine('{"CloudWatchMetrics": broken')).toBeUndefined();
  });
});
