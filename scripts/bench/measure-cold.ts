// Cold starts on the stack's runtime: a fresh `node` imports a bundle and serves one invocation, against a trivial
// handler run the same way (what every Lambda container pays), interleaved; the machine's Node for comparison.
import { BARE_NODE, Container, timedNode } from './containers';
import { cpuProfile, type Bench } from './context';
import {
  callbackEvent,
  completeEvent,
  newCaller,
  redirectOf,
  startEvent,
  stateOf,
  type Caller,
} from './flow-events';
import { seedState } from './measure-calls';
import type { NodeRuntime } from './node-runtime';
import { print, progress } from './report';
import { markdownTable, median, ms, verdict } from './stats';

/** Cold start (import + first invocation) as a multiple of the trivial handler's, on Node 24. */
export const COLD_RATIO_TARGET: Record<string, number> = { 'oauth-start': 1.6, 'oauth-callback': 1.8 };

interface Run {
  kind: string;
  runtime: NodeRuntime;
  /** The process to time; resolves its wall and CPU time. */
  go: () => Promise<{ wallMs: number; cpuMs: number }>;
}

/**
 * A container that turns out fresh pending completions and connected sources for the cold runs of complete and
 * token-access (their first invocation needs a real completion or source, not an early error).
 */
async function feeder(bench: Bench) {
  const { local, worker, bundles } = bench;
  const feed = await Container.start(
    worker,
    local.handlerEnv(false),
    {
      'oauth-start': bundles['oauth-start'],
      'oauth-callback': bundles['oauth-callback'],
      'oauth-complete': bundles['oauth-complete'],
    },
    { execPath: bench.node.bin },
  );
  const pending = async (): Promise<{ caller: Caller; completion: string }> => {
    const caller = newCaller();
    const state = stateOf((await feed.invoke('oauth-start', startEvent(caller))).result);
    const redirect = redirectOf((await feed.invoke('oauth-callback', callbackEvent(state))).result);
    if (redirect.status !== 'pending')
      throw new Error(`feeder callback answered ${JSON.stringify(redirect)}`);
    return { caller, completion: redirect.completion as string };
  };
  const source = async () => {
    const { caller, completion } = await pending();
    const done = await feed.invoke('oauth-complete', completeEvent(caller, completion));
    if (done.result.statusCode !== 200) throw new Error(`feeder complete answered ${done.result.statusCode}`);
    return { accountId: caller.accountId, sourceId: JSON.parse(String(done.result.body)).sourceId as string };
  };
  return { pending, source, stop: () => feed.stop() };
}

export async function coldStarts(bench: Bench): Promise<void> {
  const { local, bundles, probes, coldChild } = bench;
  const env = local.handlerEnv(false);
  const feed = await feeder(bench);
  const child =
    (
      runtime: NodeRuntime,
      bundle: string,
      event?: () => Promise<unknown>,
      expect = '200',
      flags: string[] = [],
    ) =>
    async () =>
      timedNode(runtime.bin, [...flags, coldChild], {
        ...env,
        BENCH_BUNDLE: bundle,
        ...(event ? { BENCH_EVENT: JSON.stringify(await event()), BENCH_EXPECT: expect } : {}),
      });
  const startEv = async () => startEvent(newCaller());
  const callbackEv = async () => callbackEvent(await seedState(local, newCaller()));
  const completeEv = async () => {
    const { caller, completion } = await feed.pending();
    return completeEvent(caller, completion);
  };
  const runsOn = (runtime: NodeRuntime): Run[] => [
    { kind: 'trivial handler', runtime, go: child(runtime, probes.trivial, startEv) },
    { kind: 'oauth-start', runtime, go: child(runtime, bundles['oauth-start'], startEv) },
    {
      kind: 'oauth-callback',
      runtime,
      go: child(runtime, bundles['oauth-callback'], callbackEv, 'status=pending'),
    },
  ];
  const node = bench.node;
  const runs: Run[] = [
    ...runsOn(node),
    {
      kind: 'oauth-complete',
      runtime: node,
      go: child(node, bundles['oauth-complete'], completeEv, '"connected"'),
    },
    {
      kind: 'token-access read',
      runtime: node,
      go: child(node, bundles['token-access'], () => feed.source(), '"accessToken"'),
    },
    { kind: 'bare `node -e`', runtime: node, go: () => timedNode(node.bin, BARE_NODE, env) },
    { kind: 'oauth-start, import only', runtime: node, go: child(node, bundles['oauth-start']) },
    {
      kind: 'floor: DynamoDB client only, import',
      runtime: node,
      go: child(node, probes['dynamodb-client']),
    },
    {
      kind: 'floor: start dependencies only, import',
      runtime: node,
      go: child(node, probes['start-dependencies']),
    },
    ...(bench.compare.version === node.version ? [] : runsOn(bench.compare)),
  ];
  const key = (r: { kind: string; runtime: NodeRuntime }) => `${r.runtime.version} ${r.kind}`;
  const samples = new Map(runs.map((r) => [key(r), { wall: [] as number[], cpu: [] as number[] }]));
  try {
    for (let i = 0; i < bench.runs.cold; i++) {
      progress(`cold start run ${i + 1}/${bench.runs.cold}`);
      for (const run of runs) {
        const r = await run.go();
        samples.get(key(run))?.wall.push(r.wallMs);
        samples.get(key(run))?.cpu.push(r.cpuMs);
      }
    }
    if (bench.profileDir) {
      progress(`profiling one cold start of each of start and callback into ${bench.profileDir}`);
      await child(node, bundles['oauth-start'], startEv, '200', cpuProfile(bench, 'cold-oauth-start'))();
      await child(
        node,
        bundles['oauth-callback'],
        callbackEv,
        'status=pending',
        cpuProfile(bench, 'cold-oauth-callback'),
      )();
    }
  } finally {
    await feed.stop();
  }

  const med = (r: Run) => {
    const s = samples.get(key(r)) as { wall: number[]; cpu: number[] };
    return { wall: median(s.wall), cpu: median(s.cpu) };
  };
  const trivialOn = (runtime: NodeRuntime) =>
    med(runs.find((r) => r.kind === 'trivial handler' && r.runtime === runtime) as Run);
  print('## Cold start');
  print();
  print(
    `A fresh \`node\` imports the bundle and serves one invocation (\`scripts/bench/cold-child.ts\`) against DynamoDB ` +
      'Local, the AWS stand-ins and the loopback token endpoint (client credentials read from the stand-in; the ' +
      'callback exchanges a real code, complete stores a real completion, token-access reads a connected source), ' +
      `measured from spawn to exit. Baseline: a trivial handler that returns a constant (\`scripts/bench/probes/` +
      'trivial.ts`), bundled with the same settings and run by the same child in the same way, so the ratio and the ' +
      `milliseconds added are what our imports and our first invocation cost. ${bench.runs.cold} interleaved runs ` +
      `of each row, medians. Runtime: Node ${node.version} (the stack deploys Node.js 24); the rows on ` +
      `Node ${bench.compare.version} (this machine's) are for comparison only. CPU is the process's own user + ` +
      'system time, less sensitive to a busy machine than wall time.',
  );
  print();
  const rows = runs.map((run) => {
    const m = med(run);
    const base = trivialOn(run.runtime);
    const target = run.runtime === node ? COLD_RATIO_TARGET[run.kind] : undefined;
    const ratio = m.wall / base.wall;
    return [
      run.kind,
      run.runtime.version,
      ms(m.wall, 1),
      `${ratio.toFixed(2)}x`,
      `${m.wall - base.wall >= 0 ? '+' : ''}${ms(m.wall - base.wall, 1)}`,
      ms(m.cpu, 1),
      `${(m.cpu / base.cpu).toFixed(2)}x`,
      target ? `≤ ${target.toFixed(1)}x` : run.runtime === node ? 'reported' : 'comparison',
      target ? verdict(ratio <= target) : '',
    ];
  });
  print(
    markdownTable(
      ['process', 'Node', 'wall', 'ratio to trivial', 'ms added', 'CPU', 'CPU ratio', 'target', ''],
      rows,
    ),
  );
  print();
}
