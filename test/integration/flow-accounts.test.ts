// Token storage through the vault, reconnects, and accounts kept apart (one user in two accounts; non-members refused).
import type { ActivityItem, ConnectionItem, SourceItem } from '../../lambda/records/shapes';
import {
  getItem,
  itemsOf,
  seedMember,
  startFlowHarness,
  uniqueId,
  type FlowHarness,
} from '../support/local-stack';
import { stored } from '../support/vault';

let h: FlowHarness;
const readTokens = async (ref: { accountId: string; sourceId: string }) => (await stored(ref)).document;

beforeAll(async () => {
  h = await startFlowHarness();
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

describe('the token vault', () => {
  it('stores the exchanged tokens under the source and reads them back as a token document', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(caller.userId, caller.accountId);
    const { sourceId } = await h.connect('box', caller);
    const document = await readTokens({ accountId: caller.accountId, sourceId });
    expect(document).toMatchObject({
      version: 1,
      provider: 'box',
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    // The stored access token is real: the authorization server issued it to this client.
    expect(Date.parse(document!.expiresAt as string)).toBeGreaterThan(Date.now());
    expect(await readTokens({ accountId: caller.accountId, sourceId: 'src_missing' })).toBeUndefined();
  });
});

describe('reconnect', () => {
  it('updates the same source, connection and stored tokens instead of creating new ones', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(caller.userId, caller.accountId);
    const first = await h.connect('quickbooks', caller, { login: 'books-owner' });
    const ref = { accountId: caller.accountId, sourceId: first.sourceId };
    const firstDocument = await readTokens(ref);
    const firstVersion = (await stored(ref)).version;

    const second = await h.connect('quickbooks', caller, { login: 'books-owner', sourceId: first.sourceId });
    expect(second).toEqual({
      status: 'reconnected',
      provider: 'quickbooks',
      sourceId: first.sourceId,
      accountId: caller.accountId,
    });

    expect(await itemsOf<SourceItem>('sources', caller.accountId)).toHaveLength(1);
    const connection = await getItem<ConnectionItem>('platform-connections', {
      accountId: caller.accountId,
      sourceId: first.sourceId,
    });
    expect(connection).toMatchObject({ status: 'active', externalAccount: firstDocument?.externalAccount });
    expect((await stored(ref)).version).toBe(firstVersion + 1);
    const current = await readTokens(ref);
    expect(current?.accessToken).not.toBe(firstDocument?.accessToken);
    const types = (await itemsOf<ActivityItem>('activity', caller.accountId)).map((a) => a.type).sort();
    expect(types).toEqual(['integration.connected', 'integration.reconnected']);
  });

  it('refuses to reconnect a source of another provider or another account', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(caller.userId, caller.accountId);
    const { sourceId } = await h.connect('hubspot', caller);
    const wrongProvider = await h.startFlow('box', caller, { sourceId });
    expect(wrongProvider.statusCode).toBe(404);
    expect(JSON.parse(wrongProvider.body as string).error).toBe('source_not_found');

    const stranger = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(stranger.userId, stranger.accountId);
    const otherAccount = await h.startFlow('hubspot', stranger, { sourceId });
    expect(otherAccount.statusCode).toBe(404);
  });
});

describe('reconnect as another external account', () => {
  it('is refused (account_mismatch, naming both accounts), writes nothing, and the new grant is revoked', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(caller.userId, caller.accountId);
    const first = await h.connect('hubspot', caller, { login: uniqueId('portal-a') });
    const ref = { accountId: caller.accountId, sourceId: first.sourceId };
    const before = await readTokens(ref);
    const versionBefore = (await stored(ref)).version;
    const revoked = async () => (await h.auth.stats()).revokedGrants.hubspot?.grants ?? 0;
    const revokedBefore = await revoked();

    const { appRedirect } = await h.authorize('hubspot', caller, {
      login: uniqueId('portal-b'),
      sourceId: first.sourceId,
    });
    const refused = await h.confirm('hubspot', caller, appRedirect.searchParams.get('completion') as string);
    expect(refused.statusCode).toBe(409);
    const body = JSON.parse(refused.body as string) as { error: string; message: string };
    expect(body.error).toBe('account_mismatch');
    const source = (await itemsOf<SourceItem>('sources', caller.accountId))[0];
    expect(body.message).toContain(before!.externalAccount.hubId);
    expect(body.message).toMatch(/\d{9}.*\d{9}/);

    // Nothing written: same source, connection, tokens and activity as before.
    expect(source.externalAccount).toEqual(before!.externalAccount);
    expect((await readTokens(ref))?.accessToken).toBe(before!.accessToken);
    expect((await stored(ref)).version).toBe(versionBefore);
    const types = (await itemsOf<ActivityItem>('activity', caller.accountId)).map((a) => a.type);
    expect(types).toEqual(['integration.connected']);
    // HubSpot's revocation ends only that token, so the unused new grant is revoked.
    expect(await revoked()).toBe(revokedBefore + 1);
  });
});

describe('connecting the same external account again in the same account', () => {
  it('reconnects the existing source (same sourceId) instead of creating a second one', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(caller.userId, caller.accountId);
    const login = uniqueId('same-google');
    const first = await h.connect('google', caller, { login });
    const second = await h.connect('google', caller, { login });
    expect(second).toEqual({
      status: 'reconnected',
      provider: 'google',
      sourceId: first.sourceId,
      accountId: caller.accountId,
    });
    expect(await itemsOf<SourceItem>('sources', caller.accountId)).toHaveLength(1);
    const types = (await itemsOf<ActivityItem>('activity', caller.accountId)).map((a) => a.type).sort();
    expect(types).toEqual(['integration.connected', 'integration.reconnected']);
    // Another external account of the same provider is a source of its own.
    const third = await h.connect('google', caller, { login: uniqueId('other-google') });
    expect(third.status).toBe('connected');
    expect(third.sourceId).not.toBe(first.sourceId);
    expect(await itemsOf<SourceItem>('sources', caller.accountId)).toHaveLength(2);
  });
});

describe('multi-account', () => {
  it('keeps one user connections in two accounts apart', async () => {
    const userId = uniqueId('user');
    const [accountA, accountB] = [uniqueId('acct'), uniqueId('acct')];
    await seedMember(userId, accountA, accountB);
    const caller = { userId, accountId: accountA };

    const inA = await h.connect('google', caller);
    const inB = await h.connect('dropbox', caller, { accountId: accountB });

    const sourcesA = await itemsOf<SourceItem>('sources', accountA);
    const sourcesB = await itemsOf<SourceItem>('sources', accountB);
    expect(sourcesA.map((s) => [s.sourceId, s.provider])).toEqual([[inA.sourceId, 'google']]);
    expect(sourcesB.map((s) => [s.sourceId, s.provider])).toEqual([[inB.sourceId, 'dropbox']]);
    expect(sourcesB[0].tokenSecretName).toBe(`sources/${accountB}/${inB.sourceId}/oauth-tokens`);
    expect((await itemsOf<ActivityItem>('activity', accountA)).map((a) => a.provider)).toEqual(['google']);
    expect((await itemsOf<ActivityItem>('activity', accountB)).map((a) => a.provider)).toEqual(['dropbox']);
  });

  it('completes a flow started for another account as the README example does (complete names no account)', async () => {
    const userId = uniqueId('user');
    const [home, other] = [uniqueId('acct'), uniqueId('acct')];
    await seedMember(userId, home, other);
    const caller = { userId, accountId: home };
    const { appRedirect } = await h.authorize('hubspot', caller, { accountId: other });
    // The app only passes on the completion; the completion itself knows its account.
    const done = await h.confirm('hubspot', caller, appRedirect.searchParams.get('completion') as string);
    expect(done.statusCode).toBe(200);
    const body = JSON.parse(done.body as string);
    expect(body).toEqual({
      status: 'connected',
      provider: 'hubspot',
      sourceId: expect.stringMatching(/^src_/),
      accountId: other,
    });
    expect((await itemsOf<SourceItem>('sources', other)).map((s) => s.sourceId)).toEqual([body.sourceId]);
    expect(await itemsOf('sources', home)).toEqual([]);
  });

  it('refuses to complete for an account the user left after starting (403, burned, nothing stored)', async () => {
    const userId = uniqueId('user');
    const [home, other] = [uniqueId('acct'), uniqueId('acct')];
    await seedMember(userId, home, other);
    const caller = { userId, accountId: home };
    const { appRedirect } = await h.authorize('dropbox', caller, { accountId: other });
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { toItem } = await import('../../scripts/local/items');
    const { db, table } = await import('../support/local-stack');
    await db().send(
      new PutItemCommand({
        TableName: table('user-accounts'),
        Item: toItem({ userId, accountId: other, status: 'removed' }),
      }),
    );
    const completion = appRedirect.searchParams.get('completion') as string;
    const refused = await h.confirm('dropbox', caller, completion);
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse((await h.confirm('dropbox', caller, completion)).body as string).error).toBe(
      'invalid_completion',
    );
    expect(await itemsOf('sources', other)).toEqual([]);
    expect(await itemsOf('sources', home)).toEqual([]);
  });

  it('refuses a user who is not a member of the account (403), storing nothing', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    await seedMember(caller.userId, caller.accountId);
    const foreign = uniqueId('acct');
    const before = await h.auth.stats();
    const started = await h.startFlow('google', caller, { accountId: foreign });
    expect(started.statusCode).toBe(403);
    expect(JSON.parse(started.body as string).error).toBe('forbidden');
    expect(await itemsOf('sources', foreign)).toEqual([]);
    expect((await h.auth.stats()).authorizations.google).toEqual(before.authorizations.google);
  });

  it('refuses a membership that is no longer active', async () => {
    const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
    const suspended = uniqueId('acct');
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { toItem } = await import('../../scripts/local/items');
    const { db, table } = await import('../support/local-stack');
    await db().send(
      new PutItemCommand({
        TableName: table('user-accounts'),
        Item: toItem({ userId: caller.userId, accountId: suspended, status: 'suspended' }),
      }),
    );
    expect((await h.startFlow('box', caller, { accountId: suspended })).statusCode).toBe(403);
  });
});
