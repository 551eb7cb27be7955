// Disconnect and the scheduled refresher against the real local authorization server and DynamoDB Local.
import { randomUUID } from 'node:crypto';
import { createTables, localClient } from '../../scripts/local/dynamo-local';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { TokenDocument } from '../../lambda/oauth/token-document';
import type { ActivityItem } from '../../lambda/records/shapes';
import type { ConnectionRecord } from '../../lambda/store/connections';
import { fromItem, toItem } from '../../scripts/local/items';
import { physicalTableName, type TableName } from '../../lambda/store/tables';
import { tokenConfig, type TokenConfig } from '../../lambda/tokens/config';
import { resources } from '../../lambda/shared/resources';
import { closeDb, getItem, queryPartition } from '../support/dynamo';
import { httpEvent } from '../support/events';
import { startTokenServer, type TokenServer } from '../support/token-server';
import {
  connect,
  eventsFor,
  newCaller,
  refreshDirectly,
  secretName,
  startWorld,
  vault,
  type Caller,
  type TokenWorld,
} from '../support/tokens-world';

let world: TokenWorld;
let down: TokenServer;
let disconnectSource: typeof import('../../lambda/tokens/disconnect').disconnectSource;
let runRefresher: typeof import('../../lambda/tokens/refresher').runRefresher;

type Ref = Caller & { sourceId: string; login: string };

beforeAll(async () => {
  world = await startWorld();
  ({ disconnectSource } = await import('../../lambda/tokens/disconnect'));
  ({ runRefresher } = await import('../../lambda/tokens/refresher'));
  down = await startTokenServer();
  down.setDefault('/token', () => ({ status: 503, body: '{"error":"temporarily_unavailable"}' }));
  down.setDefault('/revoke', () => ({ status: 503, body: '{"error":"temporarily_unavailable"}' }));
}, 60_000);

afterAll(async () => {
  await down?.stop();
  await world?.stop();
  closeDb();
});

async function connected(
  provider: 'box' | 'quickbooks' | 'dropbox' | 'gohighlevel' | 'google',
): Promise<Ref> {
  const caller = newCaller();
  const login = `u${randomUUID().slice(0, 8)}`;
  const { sourceId } = await connect(world, provider, caller, { login });
  return { ...caller, sourceId, login };
}

const revocations = async (provider: 'box' | 'gohighlevel') =>
  Object.values((await world.auth.stats()).revocations[provider] ?? {}).reduce((a, b) => a + b, 0);

function deleteEvent(ref: Ref, caller: Caller = ref, query?: Record<string, string>) {
  return httpEvent({
    method: 'DELETE',
    path: `/integrations/connections/${ref.sourceId}`,
    pathParameters: { sourceId: ref.sourceId },
    caller,
    query,
  });
}

describe('disconnect', () => {
  it('revokes at the provider, deletes the stored tokens, marks disconnected; a repeat is a no-op', async () => {
    const ref = await connected('box');
    const refreshToken = (await vault(world, ref)).document?.refreshToken as string;
    const before = await revocations('box');

    const first = await world.handlers.disconnect(deleteEvent(ref));

    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body as string)).toEqual({ status: 'disconnected', revocation: 'revoked' });
    expect(await revocations('box')).toBe(before + 1);
    expect(await refreshDirectly(world, 'box', refreshToken)).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    expect((await vault(world, ref)).removed).toBe(true);
    // The item keeps only its lookup of the external account (a later webhook) and the removal mark.
    const item = await getItem<Record<string, unknown>>('oauth-tokens', {
      accountId: ref.accountId,
      sourceId: ref.sourceId,
    });
    expect(item).toMatchObject({ removedAt: expect.any(String) });
    for (const gone of ['access', 'refresh', 'info', 'refreshPartition', 'refreshDueAt'])
      expect(item).not.toHaveProperty(gone);
    const record = await getItem<ConnectionRecord>('platform-connections', {
      accountId: ref.accountId,
      sourceId: ref.sourceId,
    });
    expect(record).toMatchObject({
      status: 'disconnected',
      revocation: 'revoked',
      disconnectedBy: ref.userId,
    });
    expect(record?.refreshPartition).toBeUndefined();
    expect(record?.refreshDueAt).toBeUndefined();
    expect(
      (await getItem<{ status: string }>('sources', { accountId: ref.accountId, sourceId: ref.sourceId }))
        ?.status,
    ).toBe('disconnected');
    const activity = await queryPartition<ActivityItem>('activity', 'accountId', ref.accountId);
    expect(activity.filter((a) => a.type === 'integration.disconnected')).toHaveLength(1);
    const events = eventsFor(world, 'Connection Disconnected', ref.sourceId);
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].Detail as string)).toMatchObject({
      accountId: ref.accountId,
      provider: 'box',
      revocation: 'revoked',
      userId: ref.userId,
    });

    const deletes = world.aws.calls()['secretsmanager.DeleteSecret'];
    const second = await world.handlers.disconnect(deleteEvent(ref));
    expect(second.statusCode).toBe(200);
    expect(JSON.parse(second.body as string)).toEqual({ status: 'disconnected', revocation: 'revoked' });
    expect(await revocations('box')).toBe(before + 1);
    expect(world.aws.calls()['secretsmanager.DeleteSecret']).toBe(deletes);
    expect(eventsFor(world, 'Connection Disconnected', ref.sourceId)).toHaveLength(1);
    expect(
      (await queryPartition<ActivityItem>('activity', 'accountId', ref.accountId)).filter(
        (a) => a.type === 'integration.disconnected',
      ),
    ).toHaveLength(1);

    const { createTokenAccess } = await import('../../lambda/tokens/token-access');
    await expect(createTokenAccess(world.config).getAccessToken(ref)).rejects.toMatchObject({
      code: 'disconnected',
    });
  });

  it('answers not_supported for a provider without revocation and still disconnects', async () => {
    const ref = await connected('gohighlevel');
    const result = await world.handlers.disconnect(deleteEvent(ref));
    expect(JSON.parse(result.body as string)).toEqual({
      status: 'disconnected',
      revocation: 'not_supported',
    });
    expect(await revocations('gohighlevel')).toBe(0);
    expect((await vault(world, ref)).removed).toBe(true);
  });

  it('a failing revocation does not stop the local disconnect; the outcome says so', async () => {
    const ref = await connected('box');
    const config: TokenConfig = {
      ...world.config,
      endpointOverrides: { box: { revocationEndpoint: `${down.url}/revoke` } },
    };
    const result = await disconnectSource(config, ref, ref.userId);
    expect(result).toEqual({ status: 'disconnected', revocation: 'failed', changed: true });
    expect(down.requests.filter((r) => r.path === '/revoke')).toHaveLength(1);
    expect((await vault(world, ref)).removed).toBe(true);
    const record = await getItem<ConnectionRecord>('platform-connections', {
      accountId: ref.accountId,
      sourceId: ref.sourceId,
    });
    expect(record).toMatchObject({ status: 'disconnected', revocation: 'failed' });
    const activity = await queryPartition<ActivityItem>('activity', 'accountId', ref.accountId);
    expect(activity.find((a) => a.type === 'integration.disconnected')?.message).toMatch(
      /did not confirm the revocation/,
    );
  });

  it('a retry after the records failed reports the revocation the first attempt made, without revoking again', async () => {
    const ref = await connected('box');
    const before = await revocations('box');
    const { documents } = await import('../../lambda/store/clients');
    const { TransactWriteCommand } = await import('@aws-sdk/lib-dynamodb');
    const send = documents.send.bind(documents) as (c: unknown) => Promise<unknown>;
    let failed = 0;
    const spy = jest.spyOn(documents, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof TransactWriteCommand && failed === 0) {
        failed += 1;
        return Promise.reject(Object.assign(new Error('injected'), { name: 'InternalServerError' }));
      }
      return send(command);
    }) as typeof documents.send);
    let first;
    try {
      first = await world.handlers.disconnect(deleteEvent(ref));
    } finally {
      spy.mockRestore();
    }
    expect(first.statusCode).toBe(500);
    expect(await revocations('box')).toBe(before + 1);
    const retry = await world.handlers.disconnect(deleteEvent(ref));
    expect(retry.statusCode).toBe(200);
    expect(JSON.parse(retry.body as string)).toEqual({ status: 'disconnected', revocation: 'revoked' });
    expect(await revocations('box')).toBe(before + 1);
    const activity = await queryPartition<ActivityItem>('activity', 'accountId', ref.accountId);
    expect(activity.find((a) => a.type === 'integration.disconnected')?.message).not.toMatch(
      /did not confirm the revocation/,
    );
  });

  it('only members of the source account may disconnect; unknown sources are 404', async () => {
    const ref = await connected('box');
    const stranger = newCaller();
    const forbidden = await world.handlers.disconnect(
      deleteEvent(ref, stranger, { accountId: ref.accountId }),
    );
    expect(forbidden.statusCode).toBe(403);
    // Without ?accountId the stranger's own account is used: the source is not there.
    const missing = await world.handlers.disconnect(deleteEvent(ref, stranger));
    expect(missing.statusCode).toBe(404);
    const unauthenticated = await world.handlers.disconnect(deleteEvent(ref, null as unknown as Caller));
    expect(unauthenticated.statusCode).toBe(401);
    expect(
      (
        await getItem<ConnectionRecord>('platform-connections', {
          accountId: ref.accountId,
          sourceId: ref.sourceId,
        })
      )?.status,
    ).toBe('active');
    expect((await vault(world, ref)).removed).toBe(false);
  });
});

describe('scheduled refresher', () => {
  // Its own tables: the refresher scans the whole index, which other test files share in lbtest.
  const prefix = `lbref${randomUUID().slice(0, 8)}`;
  const table = (t: TableName) => physicalTableName(prefix, t);
  let config: TokenConfig;
  let refresherHandler: typeof import('../../lambda/handlers/connection-refresher').handler;
  const db = () => localClient(process.env.TEST_DYNAMO_ENDPOINT as string);

  beforeAll(async () => {
    await createTables(process.env.TEST_DYNAMO_ENDPOINT as string, prefix);
    const own = resources({ ...process.env, TABLE_PREFIX: prefix });
    config = tokenConfig({ ...world.config, tables: own.tables, vaultSettings: own.vaultSettings });
    // The handler reads TABLE_PREFIX at import: import it against the private tables.
    process.env.TABLE_PREFIX = prefix;
    try {
      refresherHandler = (await import('../../lambda/handlers/connection-refresher')).handler;
    } finally {
      process.env.TABLE_PREFIX = 'lbtest';
    }
  }, 30_000);

  async function copyIn(
    ref: Ref,
    changes: Partial<ConnectionRecord> = {},
    sourceId = ref.sourceId,
  ): Promise<Ref> {
    const client = db();
    for (const t of ['sources', 'platform-connections', 'oauth-tokens'] as const) {
      const out = await client.send(
        new GetItemCommand({
          TableName: physicalTableName('lbtest', t),
          Key: toItem({ accountId: ref.accountId, sourceId: ref.sourceId }),
        }),
      );
      const item = fromItem<Record<string, unknown>>(out.Item) as Record<string, unknown>;
      const extra =
        t === 'platform-connections'
          ? { ...changes, tokenSecretName: secretName({ ...ref, sourceId }) }
          : t === 'oauth-tokens'
            ? changes.refreshDueAt
              ? { refreshPartition: 'refresh', refreshDueAt: changes.refreshDueAt }
              : {}
            : { tokenSecretName: secretName({ ...ref, sourceId }) };
      await client.send(
        new PutItemCommand({ TableName: table(t), Item: toItem({ ...item, sourceId, ...extra }) }),
      );
    }
    client.destroy();
    return { ...ref, sourceId };
  }

  async function read(ref: Ref): Promise<ConnectionRecord> {
    const client = db();
    const out = await client.send(
      new GetItemCommand({
        TableName: table('platform-connections'),
        Key: toItem({ accountId: ref.accountId, sourceId: ref.sourceId }),
        ConsistentRead: true,
      }),
    );
    client.destroy();
    return fromItem<ConnectionRecord>(out.Item) as ConnectionRecord;
  }

  const past = () => new Date(Date.now() - 60_000).toISOString();

  /** Rewrites a copy's stored document on this describe's own vault table (the copies live there), kept due. */
  async function rewriteHere(ref: Ref, change: Partial<TokenDocument>): Promise<TokenDocument> {
    const document = (await (await config.vault.read(ref))?.openAll()) as TokenDocument;
    const next = { ...document, ...change };
    await config.vault.replace(ref, next, { refreshDueAt: past() });
    return next;
  }
  /** The access token inside its margin. */
  const expireHere = (ref: Ref) =>
    rewriteHere(ref, { expiresAt: new Date(Date.now() + 60_000).toISOString() });
  /** The refresh token idle for `days` days. */
  const idleHere = (ref: Ref, days: number) =>
    rewriteHere(ref, { obtainedAt: new Date(Date.now() - days * 86_400_000).toISOString() });
  const storedHere = async (ref: Ref) => (await config.vault.read(ref))?.openAll();
  const plenty = () => 300_000;

  it('refreshes what is due, skips what is not, marks dead grants, backs off failures, and leaves nothing due behind', async () => {
    // Box refresh tokens die after 60 idle days: the keep-alive is due at day 30.
    const due = await copyIn(await connected('box'), { refreshDueAt: past() });
    const dueBefore = await idleHere(due, 31);
    const notDue = await copyIn(await connected('quickbooks'), { refreshDueAt: past() });
    const dead = await copyIn(await connected('box'), { refreshDueAt: past() });
    await world.auth.revokeAll('box', dead.login);
    await idleHere(dead, 31);
    const stuck = await copyIn(await connected('box'), { status: 'needs_reauth', refreshDueAt: past() });

    const summary = await runRefresher(config, plenty);

    expect(summary).toEqual({
      examined: 4,
      outcomes: { refreshed: 1, not_due: 1, needs_reauth: 1, skipped: 1, failed: 0, postponed: 0 },
      stoppedEarly: false,
    });
    const refreshed = await read(due);
    expect(refreshed.lastRefreshAt).not.toBeNull();
    expect(Date.parse(refreshed.refreshDueAt as string)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect((await storedHere(due))?.accessToken).not.toBe(dueBefore.accessToken);
    const aligned = await read(notDue);
    expect(aligned.lastRefreshAt).toBeNull();
    expect(Date.parse(aligned.refreshDueAt as string)).toBeGreaterThan(Date.now());
    expect(await read(dead)).toMatchObject({ status: 'needs_reauth', lastErrorCode: 'invalid_grant' });
    expect((await read(dead)).refreshPartition).toBeUndefined();
    expect((await read(stuck)).refreshPartition).toBeUndefined();

    expect(await runRefresher(config, plenty)).toMatchObject({ examined: 0 });
  });

  it('leaves expiring access tokens to token access: only refresh tokens are kept alive', async () => {
    // An unused connection whose access token is inside its margin, its refresh token far from idling out.
    const expiring = await copyIn(await connected('box'), { refreshDueAt: past() });
    const stale = await expireHere(expiring);
    // A provider whose refresh tokens do not idle out has no keep-alive at all (Dropbox, like HubSpot); one
    // indexed by the former rule (due at each access token expiry) leaves the index when looked at.
    const never = await copyIn(await connected('dropbox'), {
      refreshPartition: 'refresh',
      refreshDueAt: past(),
    });
    await expireHere(never);
    const before = (await world.auth.stats()).tokenRequests;

    const summary = await runRefresher(config, plenty);

    expect(summary).toMatchObject({ examined: 2, outcomes: { refreshed: 0, not_due: 2 } });
    expect((await world.auth.stats()).tokenRequests).toEqual(before);
    expect(await storedHere(expiring)).toEqual(stale);
    const keepAlive = Date.parse((await read(expiring)).refreshDueAt as string);
    expect(keepAlive).toBe(Date.parse(stale.obtainedAt) + 30 * 86_400_000);
    expect((await read(never)).refreshPartition).toBeUndefined();
    expect(await runRefresher(config, plenty)).toMatchObject({ examined: 0 });
  });

  it('a failing provider pushes the connection back instead of taking the next runs (no starvation)', async () => {
    const ref = await copyIn(await connected('box'), { refreshDueAt: past() });
    await idleHere(ref, 31);
    const failing: TokenConfig = {
      ...config,
      endpointOverrides: { box: { tokenEndpoint: `${down.url}/token` } },
    };
    const hits = () => down.requests.filter((r) => r.path === '/token').length;
    const before = hits();

    const summary = await runRefresher(failing, plenty);

    expect(summary.outcomes.failed).toBe(1);
    expect(hits() - before).toBe(3);
    const record = await read(ref);
    expect(record).toMatchObject({
      status: 'active',
      lastErrorCode: 'provider_unavailable',
      refreshPartition: 'refresh',
    });
    const pushedBy = Date.parse(record.refreshDueAt as string) - Date.now();
    expect(pushedBy).toBeGreaterThan(4 * 60_000);
    expect(pushedBy).toBeLessThan(6 * 60_000);
    expect(await runRefresher(failing, plenty)).toMatchObject({ examined: 0 });
    expect(hits() - before).toBe(3);
  });

  it('pages through more connections than one query returns, and stops before the timeout', async () => {
    const { PAGE_SIZE, STOP_BEFORE_MS } = await import('../../lambda/tokens/refresher');
    // Google keeps its refresh token, so copies of one grant can each be refreshed; idle past day 90.
    const origin = await connected('google');
    const stale = {
      ...((await vault(world, origin)).document as TokenDocument),
      obtainedAt: new Date(Date.now() - 91 * 86_400_000).toISOString(),
    };
    const count = PAGE_SIZE + 5;
    const copies: Ref[] = [];
    for (let i = 0; i < count; i += 1) {
      const copy = await copyIn(origin, { refreshDueAt: past() }, `src_copy${i}_${randomUUID().slice(0, 6)}`);
      // Sealed for the copy's own source id (a raw copy of the item does not open: another context).
      await config.vault.replace(copy, stale, { refreshDueAt: past() });
      copies.push(copy);
    }

    const none = await runRefresher(config, () => STOP_BEFORE_MS - 1);
    expect(none).toMatchObject({ examined: 0, stoppedEarly: true });

    let checks = 0;
    const short = await runRefresher(config, () => (++checks <= 2 ? STOP_BEFORE_MS + 1_000 : 0));
    expect(short).toMatchObject({ examined: 1, stoppedEarly: true });

    const full = await refresherHandler({}, { getRemainingTimeInMillis: plenty });
    expect(full).toEqual({
      examined: count - 1,
      outcomes: { refreshed: count - 1, not_due: 0, needs_reauth: 0, skipped: 0, failed: 0, postponed: 0 },
      stoppedEarly: false,
    });
    for (const copy of copies) expect((await read(copy)).lastRefreshAt).not.toBeNull();
  }, 60_000);
});
