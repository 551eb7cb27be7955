// Warm invocations: latency and CPU of start and callback in a long-lived container, and their profiles.
import { Container } from './containers';
import { cpuProfile, type Bench } from './context';
import { callbackEvent, newCaller, redirectOf, startEvent, stateOf } from './flow-events';
import { print, progress } from './report';
import { markdownTable, ms, summarize, verdict } from './stats';

export const WARM_CPU_TARGET_MS: Record<string, number> = { 'oauth-start': 1, 'oauth-callback': 3 };

/**
 * A start container and a callback container (profiled with `profile`), each warmed by RUNS.warmup + RUNS.warm
 * invocations one at a time: the starts, then a callback for every state they returned. The caller stops them.
 */
async function warmBatches(bench: Bench, profile = false) {
  const { local, worker, bundles, runs: RUNS } = bench;
  const env = local.handlerEnv(false);
  const on = (name: string) => ({
    execPath: bench.node.bin,
    execArgv: profile ? cpuProfile(bench, `warm-${name}`) : [],
  });
  const start = await Container.start(
    worker,
    env,
    { 'oauth-start': bundles['oauth-start'] },
    on('oauth-start'),
  );
  const callback = await Container.start(
    worker,
    env,
    { 'oauth-callback': bundles['oauth-callback'] },
    on('oauth-callback'),
  );
  // A profiled worker writes its profile when it exits after the IPC channel closes.
  const stop = async () => {
    await Promise.all([start.stop(), callback.stop()]);
  };
  try {
    const total = RUNS.warmup + RUNS.warm;
    progress(`warm: ${total} start invocations${profile ? ', profiled' : ''}`);
    const starts = await start.batch(
      'oauth-start',
      Array.from({ length: total }, () => startEvent(newCaller())),
    );
    progress(`warm: ${total} callback invocations${profile ? ', profiled' : ''}`);
    const callbacks = await callback.batch(
      'oauth-callback',
      starts.results.map((r) => callbackEvent(stateOf(r))),
    );
    return { start, starts, callbacks, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function warmRuns(bench: Bench) {
  const { local, runs: RUNS } = bench;
  const { start, starts, callbacks, stop } = await warmBatches(bench);
  try {
    const notPending = callbacks.results.filter((r) => redirectOf(r).status !== 'pending').length;
    if (notPending) throw new Error(`${notPending} warm callbacks did not answer pending`);
    progress('warm: calibrating loopback HTTP round trips');
    const trips = await start.calibrate(`${local.token.url}/revoke`, RUNS.warm);
    const trip = summarize(trips.cpuMs.slice(RUNS.warmup / 10));
    print('## Warm invocations');
    print();
    print(
      `${RUNS.warm} invocations each after ${RUNS.warmup} warm-up ones, one at a time in one container on Node ` +
        `${bench.node.version}; CPU is ` +
        '`process.cpuUsage()` (user + system) around the handler call, so waiting on DynamoDB Local and the token ' +
        'endpoint is not in it, but the client side of each loopback HTTP round trip is (syscalls, HTTP parsing). ' +
        `One bare keep-alive HTTP round trip costs ${ms(trip.p50, 3)} CPU at p50 in the same process on this ` +
        'machine; the last column subtracts that per round trip the handler makes (start 1, callback 3) to estimate ' +
        "the handler's own CPU. Each callback consumes a fresh state from a start.",
    );
    print();
    const rows = [
      ['oauth-start', starts, 1],
      ['oauth-callback', callbacks, 3],
    ].map(([name, r, roundTrips]) => {
      const run = r as typeof starts;
      const wall = summarize(run.wallMs.slice(RUNS.warmup));
      const cpu = summarize(run.cpuMs.slice(RUNS.warmup));
      const target = WARM_CPU_TARGET_MS[name as string];
      return [
        name as string,
        ms(wall.p50),
        ms(wall.p99),
        ms(cpu.p50),
        ms(cpu.p99),
        ms(cpu.mean),
        ms(Math.max(cpu.p50 - (roundTrips as number) * trip.p50, 0)),
        `< ${target} ms`,
        verdict(cpu.p50 < target),
      ];
    });
    print(
      markdownTable(
        [
          'handler',
          'wall p50',
          'wall p99',
          'CPU p50',
          'CPU p99',
          'CPU mean',
          'CPU p50 less round trips',
          'CPU target',
          '',
        ],
        rows,
      ),
    );
    print();
    return {
      'oauth-start': summarize(starts.wallMs.slice(RUNS.warmup)).p50,
      'oauth-callback': summarize(callbacks.wallMs.slice(RUNS.warmup)).p50,
    };
  } finally {
    await stop();
  }
}

/** `--profile`: a warm run of start and callback in containers of their own, profiled (not measured). */
export async function warmProfiles(bench: Bench) {
  progress(`profiling warm starts and callbacks into ${bench.profileDir}`);
  await (await warmBatches(bench, true)).stop();
}
