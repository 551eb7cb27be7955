// AWS calls and DynamoDB request units per invocation, counted on the wire, cold and warm containers.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomToken } from '../../lambda/oauth/random';
import type { HttpResult } from '../../lambda/shared/http';
import { toItem } from '../local/items';
import type { StateRecord } from '../../lambda/store/states';
import { physicalTableName } from '../../lambda/store/tables';
import { localClient } from '../local/dynamo-local';
import { Container } from './containers';
import type { Bench } from './context';
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
import { BENCH_TABLE_PREFIX, type LocalEnv } from './local-env';
import { markdownTable } from './stats';
import { print } from './report';
import { SHORT_LIVED_CODE } from './token-endpoint';

type Calls = Record<string, number>;
const diff = (after: Calls, before: Calls): Calls =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );

export interface Measured {
  calls: Calls;
  writeUnits: number;
  readUnits: number;
}

/** AWS calls and DynamoDB request units of one invocation, read at the proxy and the stand-ins around it. */
export async function measured<T>(local: LocalEnv, run: () => Promise<T>): Promise<{ value: T } & Measured> {
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

export function callsText(calls: Calls): string {
  const entries = Object.entries(calls).map(([target, n]) => {
    const { service, operation } = awsOperation(target);
    return `${service} ${operation}${n > 1 ? ` ×${n}` : ''}`;
  });
  return entries.length ? entries.sort().join(', ') : '—';
}

export const countOf = (calls: Calls, service: string) =>
  Object.entries(calls)
    .filter(([t]) => awsOperation(t).service === service)
    .reduce((sum, [, n]) => sum + n, 0);

export async function seedState(local: LocalEnv, caller: Caller): Promise<string> {
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

export function expectStatus(result: HttpResult, status: number, what: string): void {
  if (result.statusCode !== status)
    throw new Error(`${what} answered ${result.statusCode}, expected ${status}`);
}

export async function awsCalls(bench: Bench) {
  const { local, worker, bundles } = bench;
  const on = { execPath: bench.node.bin };
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
  const start = await Container.start(worker, env, { 'oauth-start': bundles['oauth-start'] }, on);
  const callback = await Container.start(worker, env, { 'oauth-callback': bundles['oauth-callback'] }, on);
  const complete = await Container.start(worker, env, { 'oauth-complete': bundles['oauth-complete'] }, on);
  const switcher = await Container.start(worker, env, { 'oauth-start': bundles['oauth-start'] }, on);
  const tokens = await Container.start(worker, env, { 'token-access': bundles['token-access'] }, on);
  const refresher = await Container.start(worker, env, { 'token-access': bundles['token-access'] }, on);
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
        row(
          'oauth-complete',
          phase,
          k,
          'delete + sealed tokens (2 GenerateDataKey, UpdateItem) + duplicate-source Query + transaction + PutEvents',
        );
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
