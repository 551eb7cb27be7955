// The load run: complete flows with many in flight in one container, checking each state is consumed once.
import { Container } from './containers';
import type { Bench } from './context';
import { print, progress } from './report';
import { markdownTable, ms, summarize, verdict } from './stats';

export async function loadRun(bench: Bench) {
  const { local, worker, bundles, runs: RUNS } = bench;
  const env = local.handlerEnv(false);
  const container = await Container.start(
    worker,
    env,
    {
      'oauth-start': bundles['oauth-start'],
      'oauth-callback': bundles['oauth-callback'],
      'oauth-complete': bundles['oauth-complete'],
    },
    { execPath: bench.node.bin },
  );
  try {
    const events0 = local.aws.events().length;
    const exchanges0 = local.token.counts().authorization_code ?? 0;
    progress(`load: ${RUNS.loadFlows} flows, ${RUNS.loadConcurrency} in flight`);
    const r = await container.loadRun(RUNS.loadFlows, RUNS.loadConcurrency);
    const events = local.aws.events().length - events0;
    const exchanges = (local.token.counts().authorization_code ?? 0) - exchanges0;
    const flow = summarize(r.flowMs);
    const exactlyOnce =
      r.pending === r.flows &&
      r.callbackReplaysRefused === r.flows &&
      exchanges === r.flows &&
      events === r.flows;
    print('## Load run');
    print();
    print(
      `${r.flows} complete flows (start, the callback sent twice at once with the same state, complete, then a replayed ` +
        `complete) with ${r.concurrency} in flight, all three bundles in one process on Node ${bench.node.version} ` +
        'against DynamoDB Local.',
    );
    print();
    print(
      markdownTable(
        ['measure', 'value'],
        [
          ['duration', ms(r.wallMs, 0)],
          ['throughput', `${((r.connected / r.wallMs) * 1000).toFixed(1)} flows/s`],
          ['flow latency p50 / p99', `${ms(flow.p50, 1)} / ${ms(flow.p99, 1)}`],
          ...(['oauth-start', 'oauth-callback', 'oauth-complete'] as const).map((h) => {
            const s = summarize(r.invocationMs[h]);
            return [`${h} p50 / p99`, `${ms(s.p50, 1)} / ${ms(s.p99, 1)}`];
          }),
          [
            'errors',
            `${r.errors}${r.errorSamples.length ? ` (${r.errorSamples.join('; ')})` : ''} (target 0: ${verdict(r.errors === 0)})`,
          ],
          ['callbacks answering pending', `${r.pending} of ${r.flows} flows`],
          ['concurrent second callbacks refused (invalid_state)', `${r.callbackReplaysRefused}`],
          ['code exchanges at the token endpoint', `${exchanges}`],
          ['sources connected / events published', `${r.connected} / ${events}`],
          ['replayed completes refused (invalid_completion)', `${r.completeReplaysRefused}`],
          ['each state consumed exactly once', verdict(exactlyOnce)],
        ],
      ),
    );
    print();
  } finally {
    await container.stop();
  }
}
