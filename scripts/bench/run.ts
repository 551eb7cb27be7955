// `npm run bench [-- --quick] [-- --write]`: bundle sizes, cold starts, warm latency and CPU, AWS calls per flow,
// a local load run and the cost per flow, printed as markdown (issue 9). Every child process it starts is stopped.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomToken } from '../../lambda/oauth/random';
import type { HttpResult } from '../../lambda/shared/http';
import { toItem } from '../../lambda/store/item';
import type { StateRecord } from '../../lambda/store/states';
import { physicalTableName } from '../../lambda/store/tables';
import { HANDLERS } from '../../lib/handler-specs';
import { localClient } from '../local/dynamo-local';
import { buildBundles, buildProbes, buildTool, type BundleReport } from './bundles';
import { BARE_NODE, Container, stopAllChildren, timedNode } from './containers';
import { awsOperation } from './counting-proxy';
import {
  BENCH_PROVIDER,
  callbackEvent,
  completeEvent,
  newCaller,
  redirectOf,
  startEvent,
  stateOf,
  type Caller,
} from './flow-events';
import { BENCH_TABLE_PREFIX, startLocalEnv, type LocalEnv } from './local-env';
import {
  PRICES,
  dynamoKmsVault,
  invocationsCost,
  secretsManagerVault,
  usd,
  type InvocationUse,
} from './cost';
import { kb, markdownTable, median, ms, summarize, verdict } from './stats';
import { SHORT_LIVED_CODE } from './token-endpoint';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const WRITE = args.has('--write');
/** `--profile`: V8 CPU profiles of cold starts and warm runs go here (open them in Chrome DevTools or VS Code). */
const PROFILE_DIR = args.has('--profile') ? path.join(__dirname, '..', '..', '.bench-profiles') : undefined;
/** Node flags that write a CPU profile named `name` into PROFILE_DIR. */
const cpuProfile = (name: string) => [
  '--cpu-prof',
  '--cpu-prof-dir',
  PROFILE_DIR as string,
  '--cpu-prof-name',
  `${name}.cpuprofile`,
];
const RUNS = {
  cold: QUICK ? 10 : 12,
  warmup: QUICK ? 50 : 200,
  warm: QUICK ? 500 : 2000,
  loadFlows: 500,
  loadConcurrency: 50,
};

const TARGETS = {
  bundleBytes: 450_000,
  coldRatio: { 'oauth-start': 1.8, 'oauth-callback': 2.0 } as Record<string, number>,
  warmCpuMs: { 'oauth-start': 1, 'oauth-callback': 3 } as Record<string, number>,
};

/** Billed durations assumed in AWS for the cost lines (real network round trips, not loopback). */
const AWS_BILLED_MS: Record<string, number> = {
  'oauth-start': 25,
  'oauth-callback': 400,
  'oauth-complete': 150,
  'token-access read': 30,
  'token-access refresh': 400,
};

const ROOT = path.join(__dirname, '..', '..');
const out: string[] = [];
const print = (text = '') => {
  out.push(text);
  console.log(text);
};
const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

type Calls = Record<string, number>;
const diff = (after: Calls, before: Calls): Calls =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );

interface Measured {
  calls: Calls;
  writeUnits: number;
  readUnits: number;
}

/** AWS calls and DynamoDB request units of one invocation, read at the proxy and the stand-ins around it. */
async function measured<T>(local: LocalEnv, run: () => Promise<T>): Promise<{ value: T } & Measured> {
  const calls0 = local.awsCalls();
  const cap0 = local.proxy.capacity();
  const value = await run();
  const cap1 = local.proxy.capacity();
  let writeUnits = 0;
  let readUnits = 0;
  for (const [target, c] of Object.entries(cap1)) {
    writeUnits += c.write - (cap0[target]?.write ?? 0);
    readUnits += c.read - (cap0[target]?.read ?? 0);
  }
  return { value, calls: diff(local.awsCalls(), calls0), writeUnits, readUnits };
}

function callsText(calls: Calls): string {
  const entries = Object.entries(calls).map(([target, n]) => {
    const { service, operation } = awsOperation(target);
    return `${service} ${operation}${n > 1 ? ` ×${n}` : ''}`;
  });
  return entries.length ? entries.sort().join(', ') : '—';
}

const countOf = (calls: Calls, service: string) =>
  Object.entries(calls)
    .filter(([t]) => awsOperation(t).service === service)
    .reduce((sum, [, n]) => sum + n, 0);

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown';
  const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? model;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return `${cpus().length} cores (${cpuInfo}), Node ${process.version}, ${process.platform}/${process.arch}, load average ${load} (1/5/15 min) at the start`;
}

async function seedState(local: LocalEnv, caller: Caller): Promise<string> {
  const client = localClient(local.dynamo.endpoint);
  const state = randomToken(32);
  const now = Date.now();
  const record: StateRecord = {
    state,
    kind: 'state',
    provider: BENCH_PROVIDER,
    userId: caller.userId,
    accountId: caller.accountId,
    returnPath: '/sources',
    codeVerifier: randomToken(32),
    createdAt: new Date(now).toISOString(),
    expiresAt: now + 600_000,
    ttl: Math.ceil(now / 1000) + 4200,
  };
  await client.send(
    new PutItemCommand({
      TableName: physicalTableName(BENCH_TABLE_PREFIX, 'oauth-states'),
      Item: toItem(record),
    }),
  );
  client.destroy();
  return state;
}

async function seedMembership(local: LocalEnv, userId: string, accountId: string): Promise<void> {
  const client = localClient(local.dynamo.endpoint);
  await client.send(
    new PutItemCommand({
      TableName: physicalTableName(BENCH_TABLE_PREFIX, 'user-accounts'),
      Item: toItem({ userId, accountId, status: 'active', role: 'member' }),
    }),
  );
  client.destroy();
}

function expectStatus(result: HttpResult, status: number, what: string): void {
  if (result.statusCode !== status)
    throw new Error(`${what} answered ${result.statusCode}, expected ${status}`);
}

// ---------------------------------------------------------------------------------------------------------------

function reportBundles(bundles: BundleReport[]): void {
  print('## Bundle sizes');
  print();
  print(
    `Minified ESM with lib/bundling.ts (esbuildOptions); target ≤ ${kb(TARGETS.bundleBytes)} (1 KB = 1000 bytes).`,
  );
  print();
  print(
    markdownTable(
      ['handler', 'bundle', 'target', 'largest contributors (bytes in output)'],
      bundles.map((b) => [
        b.handler,
        kb(b.bytes),
        verdict(b.bytes <= TARGETS.bundleBytes),
        b.contributors
          .slice(0, 6)
          .map((c) => `${c.name} ${kb(c.bytes)}`)
          .join(', '),
      ]),
    ),
  );
  print();
}

async function coldStarts(
  local: LocalEnv,
  bundles: Record<string, string>,
  probes: Awaited<ReturnType<typeof buildProbes>>,
  coldChild: string,
) {
  const env = local.handlerEnv(false);
  // For comparison: the processes with Node's source-map support switched on (the stack no longer does).
  const withSourceMaps = { ...env, NODE_OPTIONS: '--enable-source-maps' };
  const kinds = [
    'bare',
    'oauth-start',
    'oauth-callback',
    'oauth-start, import only',
    'oauth-start, --enable-source-maps',
    'oauth-callback, --enable-source-maps',
    'floor: DynamoDB client only, import',
    'floor: start dependencies only, import',
  ];
  const samples = Object.fromEntries(kinds.map((k) => [k, { wall: [] as number[], cpu: [] as number[] }]));
  const add = (kind: string, r: { wallMs: number; cpuMs: number }) => {
    samples[kind].wall.push(r.wallMs);
    samples[kind].cpu.push(r.cpuMs);
  };
  const startRun = (e: Record<string, string>, nodeFlags: string[] = []) =>
    timedNode([...nodeFlags, coldChild], {
      ...e,
      BENCH_BUNDLE: bundles['oauth-start'],
      BENCH_EVENT: JSON.stringify(startEvent(newCaller())),
      BENCH_EXPECT: '200',
    });
  const callbackRun = async (e: Record<string, string>, nodeFlags: string[] = []) =>
    timedNode([...nodeFlags, coldChild], {
      ...e,
      BENCH_BUNDLE: bundles['oauth-callback'],
      BENCH_EVENT: JSON.stringify(callbackEvent(await seedState(local, newCaller()))),
      BENCH_EXPECT: 'status=pending',
    });
  for (let i = 0; i < RUNS.cold; i++) {
    progress(`cold start run ${i + 1}/${RUNS.cold}`);
    add('bare', await timedNode(BARE_NODE, env));
    add('oauth-start', await startRun(env));
    add('oauth-callback', await callbackRun(env));
    add(
      'oauth-start, import only',
      await timedNode([coldChild], { ...env, BENCH_BUNDLE: bundles['oauth-start'] }),
    );
    add('oauth-start, --enable-source-maps', await startRun(withSourceMaps));
    add('oauth-callback, --enable-source-maps', await callbackRun(withSourceMaps));
    add(
      'floor: DynamoDB client only, import',
      await timedNode([coldChild], { ...env, BENCH_BUNDLE: probes['dynamodb-client'] }),
    );
    add(
      'floor: start dependencies only, import',
      await timedNode([coldChild], { ...env, BENCH_BUNDLE: probes['start-dependencies'] }),
    );
  }
  if (PROFILE_DIR) {
    progress(`profiling one cold start of each of start and callback into ${PROFILE_DIR}`);
    await startRun(env, cpuProfile('cold-oauth-start'));
    await callbackRun(env, cpuProfile('cold-oauth-callback'));
  }
  const bare = { wall: median(samples.bare.wall), cpu: median(samples.bare.cpu) };
  print('## Cold start');
  print();
  print(
    `Wall time from spawn to exit of a fresh \`node\` that imports the bundle and serves one invocation against ` +
      `DynamoDB Local, the AWS stand-ins and the loopback token endpoint (client credentials read from the stand-in), ` +
      `against a bare \`node -e\` that only reports its CPU time; ${RUNS.cold} interleaved runs each, medians. ` +
      `The targets apply to the processes as deployed (lib/handler-function.ts: no NODE_OPTIONS); ` +
      `the CPU column is each process's own user + system time, less sensitive to a busy machine than wall time.`,
  );
  print();
  const rows = [['bare `node -e`', ms(bare.wall, 1), '1.00x', ms(bare.cpu, 1), '1.00x', '', '']];
  for (const kind of kinds.slice(1)) {
    const wall = median(samples[kind].wall);
    const cpu = median(samples[kind].cpu);
    const target = TARGETS.coldRatio[kind];
    rows.push([
      kind,
      ms(wall, 1),
      `${(wall / bare.wall).toFixed(2)}x`,
      ms(cpu, 1),
      `${(cpu / bare.cpu).toFixed(2)}x`,
      target ? `≤ ${target.toFixed(1)}x` : 'for comparison',
      target ? verdict(wall / bare.wall <= target) : '',
    ]);
  }
  print(markdownTable(['process', 'wall', 'wall ratio', 'CPU', 'CPU ratio', 'target', ''], rows));
  print();
}

async function awsCalls(local: LocalEnv, worker: string, bundles: Record<string, string>) {
  const env = local.handlerEnv(true);
  const rows: string[][] = [];
  const uses: Record<string, Measured> = {};
  const row = (name: string, phase: string, m: Measured, target: string) => {
    rows.push([
      name,
      phase,
      callsText(m.calls),
      String(countOf(m.calls, 'DynamoDB')),
      String(countOf(m.calls, 'SecretsManager')),
      String(countOf(m.calls, 'EventBridge')),
      String(m.writeUnits),
      String(m.readUnits),
      target,
    ]);
  };
  const start = await Container.start(worker, env, { 'oauth-start': bundles['oauth-start'] });
  const callback = await Container.start(worker, env, { 'oauth-callback': bundles['oauth-callback'] });
  const complete = await Container.start(worker, env, { 'oauth-complete': bundles['oauth-complete'] });
  const switcher = await Container.start(worker, env, { 'oauth-start': bundles['oauth-start'] });
  const tokens = await Container.start(worker, env, { 'token-access': bundles['token-access'] });
  const refresher = await Container.start(worker, env, { 'token-access': bundles['token-access'] });
  const sources: { caller: Caller; sourceId: string; short: boolean }[] = [];
  try {
    // Four flows through fresh containers: the first is cold, the rest warm. The last two get short-lived tokens.
    for (let i = 0; i < 4; i++) {
      const phase = i === 0 ? 'cold' : 'warm';
      const caller = newCaller();
      const s = await measured(local, () => start.invoke('oauth-start', startEvent(caller)));
      const state = stateOf(s.value.result);
      const short = i >= 2;
      const code = `${short ? SHORT_LIVED_CODE : 'code-'}${randomToken(16)}`;
      const c = await measured(local, () => callback.invoke('oauth-callback', callbackEvent(state, code)));
      const redirect = redirectOf(c.value.result);
      if (redirect.status !== 'pending') throw new Error(`callback answered ${JSON.stringify(redirect)}`);
      const k = await measured(local, () =>
        complete.invoke('oauth-complete', completeEvent(caller, redirect.completion as string)),
      );
      expectStatus(k.value.result, 200, 'complete');
      sources.push({ caller, sourceId: JSON.parse(String(k.value.result.body)).sourceId, short });
      if (i === 0 || i === 3) {
        row('oauth-start', phase, s, 'warm: 0 Secrets Manager, ≤ 1 DynamoDB');
        row('oauth-callback', phase, c, 'conditional delete + put (pending completion)');
        row('oauth-complete', phase, k, 'delete + CreateSecret + transaction + PutEvents');
        uses[`oauth-start ${phase}`] = s;
        uses[`oauth-callback ${phase}`] = c;
        uses[`oauth-complete ${phase}`] = k;
      }
    }
    // Start for another account of the caller (membership read), cold then warm.
    for (let i = 0; i < 2; i++) {
      const caller = newCaller();
      const other = `acct-other-${randomToken(8)}`;
      await seedMembership(local, caller.userId, other);
      const m = await measured(local, () =>
        switcher.invoke('oauth-start', startEvent(caller, { accountId: other })),
      );
      expectStatus(m.value.result, 200, 'start (account switch)');
      row('oauth-start, account switch', i === 0 ? 'cold' : 'warm', m, '≤ 2 DynamoDB');
    }
    // Token access by the jobs service: a valid token (read), then tokens inside the refresh margin (refresh).
    const plain = sources.filter((s) => !s.short);
    for (let i = 0; i < 2; i++) {
      const ref = { accountId: plain[i].caller.accountId, sourceId: plain[i].sourceId };
      const m = await measured(local, () => tokens.invoke('token-access', ref));
      if (!(m.value.result as unknown as { accessToken?: string }).accessToken)
        throw new Error('token read failed');
      row('token-access read', i === 0 ? 'cold' : 'warm', m, '');
      uses[`token-access read ${i === 0 ? 'cold' : 'warm'}`] = m;
    }
    const expiring = sources.filter((s) => s.short);
    for (let i = 0; i < 2; i++) {
      const ref = { accountId: expiring[i].caller.accountId, sourceId: expiring[i].sourceId };
      const m = await measured(local, () => refresher.invoke('token-access', ref));
      if (!(m.value.result as unknown as { accessToken?: string }).accessToken)
        throw new Error('token refresh failed');
      row('token-access refresh', i === 0 ? 'cold' : 'warm', m, '');
      uses[`token-access refresh ${i === 0 ? 'cold' : 'warm'}`] = m;
    }
  } finally {
    await Promise.all([start, callback, complete, switcher, tokens, refresher].map((c) => c.stop()));
  }

  print('## AWS calls per invocation');
  print();
  print(
    'Counted on the wire: DynamoDB at a counting proxy in front of DynamoDB Local (which also reports the request ' +
      'units each call consumed; transactions count double), Secrets Manager and EventBridge at the stand-ins. ' +
      '"cold" is the first invocation of a fresh container, "warm" a later one.',
  );
  print();
  print(
    markdownTable(
      ['handler', 'container', 'calls', 'DynamoDB', 'Secrets Manager', 'EventBridge', 'WRU', 'RRU', 'target'],
      rows,
    ),
  );
  print();
  const flow = (phase: string) => {
    const parts = ['oauth-start', 'oauth-callback', 'oauth-complete'].map((h) => uses[`${h} ${phase}`]);
    const total = (f: (m: Measured) => number) => parts.reduce((s, m) => s + f(m), 0);
    return [
      `complete flow, ${phase} containers`,
      String(total((m) => countOf(m.calls, 'DynamoDB'))),
      String(total((m) => countOf(m.calls, 'SecretsManager'))),
      String(total((m) => countOf(m.calls, 'EventBridge'))),
      String(total((m) => m.writeUnits)),
      String(total((m) => m.readUnits)),
    ];
  };
  print(
    markdownTable(
      ['per flow (start + callback + complete)', 'DynamoDB', 'Secrets Manager', 'EventBridge', 'WRU', 'RRU'],
      [flow('cold'), flow('warm')],
    ),
  );
  print();
  return uses;
}

/**
 * A start container and a callback container (profiled with `profile`), each warmed by RUNS.warmup + RUNS.warm
 * invocations one at a time: the starts, then a callback for every state they returned. The caller stops them.
 */
async function warmBatches(
  local: LocalEnv,
  worker: string,
  bundles: Record<string, string>,
  profile = false,
) {
  const env = local.handlerEnv(false);
  const flags = (name: string) => (profile ? cpuProfile(`warm-${name}`) : []);
  const start = await Container.start(
    worker,
    env,
    { 'oauth-start': bundles['oauth-start'] },
    flags('oauth-start'),
  );
  const callback = await Container.start(
    worker,
    env,
    { 'oauth-callback': bundles['oauth-callback'] },
    flags('oauth-callback'),
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

async function warmRuns(local: LocalEnv, worker: string, bundles: Record<string, string>) {
  const { start, starts, callbacks, stop } = await warmBatches(local, worker, bundles);
  try {
    const notPending = callbacks.results.filter((r) => redirectOf(r).status !== 'pending').length;
    if (notPending) throw new Error(`${notPending} warm callbacks did not answer pending`);
    progress('warm: calibrating loopback HTTP round trips');
    const trips = await start.calibrate(`${local.token.url}/revoke`, RUNS.warm);
    const trip = summarize(trips.cpuMs.slice(RUNS.warmup / 10));
    print('## Warm invocations');
    print();
    print(
      `${RUNS.warm} invocations each after ${RUNS.warmup} warm-up ones, one at a time in one container; CPU is ` +
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
      const target = TARGETS.warmCpuMs[name as string];
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
async function warmProfiles(local: LocalEnv, worker: string, bundles: Record<string, string>) {
  progress(`profiling warm starts and callbacks into ${PROFILE_DIR}`);
  await (await warmBatches(local, worker, bundles, true)).stop();
}

async function loadRun(local: LocalEnv, worker: string, bundles: Record<string, string>) {
  const env = local.handlerEnv(false);
  const container = await Container.start(worker, env, {
    'oauth-start': bundles['oauth-start'],
    'oauth-callback': bundles['oauth-callback'],
    'oauth-complete': bundles['oauth-complete'],
  });
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
        `complete) with ${r.concurrency} in flight, all three bundles in one process against DynamoDB Local.`,
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

function costs(uses: Record<string, Measured>, warmWallMs: Record<string, number>): void {
  const use = (key: string, handler: string, billed: string): InvocationUse => {
    const m = uses[key];
    return {
      memoryMb: HANDLERS[handler as keyof typeof HANDLERS].memorySize,
      billedMs: AWS_BILLED_MS[billed],
      dynamoWriteUnits: m.writeUnits,
      dynamoReadUnits: m.readUnits,
      secretsApiCalls: countOf(m.calls, 'SecretsManager'),
      events: countOf(m.calls, 'EventBridge'),
    };
  };
  const flowUses = [
    use('oauth-start warm', 'oauth-start', 'oauth-start'),
    use('oauth-callback warm', 'oauth-callback', 'oauth-callback'),
    use('oauth-complete warm', 'oauth-complete', 'oauth-complete'),
  ];
  const perMillion = invocationsCost(flowUses, 1e6);
  const newSecrets = 1e6 * PRICES.secretPerMonth;
  print('## Cost');
  print();
  print(
    `US East prices (see docs/cost-model.md), warm call counts and request units measured above, billed durations ` +
      `assumed for AWS (start ${AWS_BILLED_MS['oauth-start']} ms, callback ${AWS_BILLED_MS['oauth-callback']} ms, ` +
      `complete ${AWS_BILLED_MS['oauth-complete']} ms; locally the warm start takes ${ms(warmWallMs['oauth-start'])} ` +
      `and the callback ${ms(warmWallMs['oauth-callback'])} at p50 on loopback).`,
  );
  print();
  print(
    markdownTable(
      [
        'one million flows',
        'Lambda',
        'DynamoDB',
        'Secrets Manager API',
        'EventBridge',
        'total',
        '+ secrets stored',
      ],
      [
        [
          'start + callback + complete',
          usd(perMillion.lambda),
          usd(perMillion.dynamo),
          usd(perMillion.secrets),
          usd(perMillion.eventBridge),
          usd(perMillion.total),
          `${usd(newSecrets)} a month for the 1,000,000 new token secrets`,
        ],
      ],
    ),
  );
  print();
  const read = use('token-access read warm', 'token-access', 'token-access read');
  const refresh = use('token-access refresh warm', 'token-access', 'token-access refresh');
  const rows: string[][] = [];
  for (const sources of [1_000, 100_000]) {
    for (const [label, readsPerSource, refreshesPerSource] of [
      ['daily backups', 120, 30],
      ['hourly syncs', 720, 720],
    ] as const) {
      const month = { sources, readsPerSource, refreshesPerSource };
      const sm = secretsManagerVault(month, read, refresh);
      const kms = dynamoKmsVault(month, read, refresh, { itemBytes: 3000, extraWriteUnits: 2 });
      rows.push([
        sources.toLocaleString('en-US'),
        `${label}: ${readsPerSource} reads + ${refreshesPerSource} refreshes`,
        usd(sm.total),
        usd(sources * PRICES.secretPerMonth),
        usd(kms.total),
        usd(kms.kms),
      ]);
    }
  }
  print(
    markdownTable(
      [
        'connected sources',
        'per source a month',
        'Secrets Manager vault, total',
        'of which secrets stored',
        'DynamoDB + KMS, total',
        'of which KMS',
      ],
      rows,
    ),
  );
  print();
}

// ---------------------------------------------------------------------------------------------------------------

/** Replaces the results between the markers of docs/performance.md, formatted as `npm run lint` expects. */
async function writeDoc(): Promise<void> {
  const doc = path.join(ROOT, 'docs', 'performance.md');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const text = readFileSync(doc, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/performance.md lacks the ${begin} / ${end} markers`);
  const updated = `${text.slice(0, a + begin.length)}\n\n${out.join('\n')}\n\n${text.slice(b)}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(doc)) ?? {};
  writeFileSync(doc, await prettier.format(updated, { ...options, filepath: doc }));
  progress('docs/performance.md updated');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'lb-bench-'));
  let local: LocalEnv | undefined;
  const cleanup = async () => {
    stopAllChildren();
    await local?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const interrupted = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    progress('bundling');
    const reports = await buildBundles(path.join(dir, 'bundles'));
    const bundles = Object.fromEntries(reports.map((r) => [r.handler, r.file]));
    const worker = path.join(dir, 'tools', 'worker.mjs');
    const coldChild = path.join(dir, 'tools', 'cold-child.mjs');
    await buildTool(path.join(__dirname, 'worker.ts'), worker);
    await buildTool(path.join(__dirname, 'cold-child.ts'), coldChild);
    progress('starting DynamoDB Local, the AWS stand-ins and the token endpoint');
    local = await startLocalEnv(path.join(dir, 'aws'));

    const commit = (() => {
      try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      } catch {
        return 'unknown';
      }
    })();
    print(
      `Machine: ${machine()}. Commit ${commit} (plus working tree). Command: \`npm run bench${QUICK ? ' -- --quick' : ''}\`.`,
    );
    print();
    reportBundles(reports);
    await coldStarts(local, bundles, await buildProbes(path.join(dir, 'probes')), coldChild);
    progress('counting AWS calls');
    const uses = await awsCalls(local, worker, bundles);
    const warm = await warmRuns(local, worker, bundles);
    if (PROFILE_DIR) await warmProfiles(local, worker, bundles);
    await loadRun(local, worker, bundles);
    costs(uses, warm);
    print(
      `Benchmark run time: ${ms(performance.now() - t0, 0)}; load average ${loadavg()[0].toFixed(1)} at the end.`,
    );
    if (WRITE) await writeDoc();
  } finally {
    await cleanup();
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
