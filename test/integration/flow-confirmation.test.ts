// A connection becomes active only when the user and account that started it confirm it.
// Replayed, expired, foreign-user, foreign-account and wrong-provider confirmations are refused.
import { completionKey } from '../../lambda/oauth/seal';
import { PROVIDERS, PROVIDER_IDS, type ProviderId } from '../../lambda/providers/registry';
import type { ActivityItem } from '../../lambda/records/shapes';
import {
  expireStateItem,
  getItem,
  itemsOf,
  seedMember,
  startFlowHarness,
  uniqueId,
  type Caller,
  type FlowHarness,
} from '../support/local-stack';

let h: FlowHarness;

beforeAll(async () => {
  h = await startFlowHarness();
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

async function member(...extraAccounts: string[]): Promise<Caller> {
  const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
  await seedMember(caller.userId, caller.accountId, ...extraAccounts);
  return caller;
}

async function pending(provider: ProviderId, caller: Caller): Promise<string> {
  const shop = PROVIDERS[provider].requiresShop ? 'demo-store.myshopify.com' : undefined;
  // A provider account of its own: a grant- or account-wide revocation is skipped while another
  // connection (of any test file on this DynamoDB Local) shares the account.
  const { appRedirect } = await h.authorize(provider, caller, { shop, login: uniqueId('login') });
  expect(appRedirect.searchParams.get('status')).toBe('pending');
  return appRedirect.searchParams.get('completion') as string;
}

const errorOf = (r: { body?: string }) => JSON.parse(r.body as string).error as string;
const secretsOf = (accountId: string) =>
  Object.keys(h.aws.secrets()).filter((n) => n.startsWith(`sources/${accountId}/`));
const counter = async (group: 'revocations' | 'revokedGrants', provider: ProviderId) => {
  const entry = (await h.auth.stats())[group][provider];
  return entry ? Object.values(entry).reduce((a, b) => a + b, 0) : 0;
};

async function expectNothingConnected(...accounts: string[]): Promise<void> {
  for (const accountId of accounts) {
    expect(await itemsOf('sources', accountId)).toEqual([]);
    expect(await itemsOf('platform-connections', accountId)).toEqual([]);
    expect(secretsOf(accountId)).toEqual([]);
  }
}

it('a completion id is unguessable (>= 128 bits) and stored only as a hash', async () => {
  const caller = await member();
  const completion = await pending('google', caller);
  expect(Buffer.from(completion, 'base64url').length).toBeGreaterThanOrEqual(16);
  expect(await getItem('oauth-states', { state: completion })).toBeUndefined();
  expect(await getItem('oauth-states', { state: completionKey(completion) })).toMatchObject({
    kind: 'completion',
    userId: caller.userId,
  });
  expect(JSON.stringify(await getItem('oauth-states', { state: completionKey(completion) }))).not.toMatch(
    /accessToken|refreshToken/,
  );
});

it('replayed: the second confirmation is refused and nothing is connected twice', async () => {
  const caller = await member();
  const completion = await pending('hubspot', caller);
  expect((await h.confirm('hubspot', caller, completion)).statusCode).toBe(200);
  const replay = await h.confirm('hubspot', caller, completion);
  expect(replay.statusCode).toBe(400);
  expect(errorOf(replay)).toBe('invalid_completion');
  expect(await itemsOf('sources', caller.accountId)).toHaveLength(1);
});

it('expired: refused, burned, its grant revoked, nothing connected', async () => {
  const caller = await member();
  const completion = await pending('box', caller);
  await expireStateItem(completionKey(completion));
  const revoked = await counter('revokedGrants', 'box');
  const late = await h.confirm('box', caller, completion);
  expect(late.statusCode).toBe(400);
  expect(errorOf(late)).toBe('expired_completion');
  expect((await counter('revokedGrants', 'box')) - revoked).toBe(1);
  expect(await getItem('oauth-states', { state: completionKey(completion) })).toBeUndefined();
  await expectNothingConnected(caller.accountId);
});

describe.each(PROVIDER_IDS)('%s: confirmed by another user (the account-linking attack)', (provider) => {
  it('is refused (403), burned, revoked where the provider allows, recorded; nothing connected to either account', async () => {
    const attacker = await member();
    const victim = await member();
    const completion = await pending(provider, attacker);
    const [revocations, revoked] = [
      await counter('revocations', provider),
      await counter('revokedGrants', provider),
    ];

    const refused = await h.confirm(provider, victim, completion);
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused)).toBe('forbidden');

    const supportsRevocation = PROVIDERS[provider].revocation !== undefined;
    expect((await counter('revocations', provider)) - revocations).toBe(supportsRevocation ? 1 : 0);
    // The grant is really gone at the authorization server (the token it names was found and revoked).
    expect((await counter('revokedGrants', provider)) - revoked).toBe(supportsRevocation ? 1 : 0);

    // Burned: not even the user who started it can use it now.
    const retry = await h.confirm(provider, attacker, completion);
    expect(errorOf(retry)).toBe('invalid_completion');
    await expectNothingConnected(attacker.accountId, victim.accountId);
    const security = await itemsOf<ActivityItem>('activity', attacker.accountId);
    expect(security.map((a) => a.type)).toEqual(['integration.refused']);
  });
});

it('confirmed by the same user while signed in to another account: connected to the account it was started for', async () => {
  const other = uniqueId('acct');
  const caller = await member(other);
  const completion = await pending('dropbox', caller);
  const done = await h.confirm('dropbox', { userId: caller.userId, accountId: other }, completion);
  expect(done.statusCode).toBe(200);
  expect(JSON.parse(done.body as string).accountId).toBe(caller.accountId);
  expect(await itemsOf('sources', caller.accountId)).toHaveLength(1);
  await expectNothingConnected(other);
});

it('confirmed by another member of the same account: refused (only the user who started it may confirm)', async () => {
  const starter = await member();
  const colleague = { userId: uniqueId('user'), accountId: starter.accountId };
  await seedMember(colleague.userId, starter.accountId);
  const completion = await pending('stripe', starter);
  expect((await h.confirm('stripe', colleague, completion)).statusCode).toBe(403);
  await expectNothingConnected(starter.accountId);
});

it('confirmed naming another account in the body: refused', async () => {
  const other = uniqueId('acct');
  const caller = await member(other);
  const completion = await pending('keap', caller);
  expect((await h.confirm('keap', caller, completion, other)).statusCode).toBe(403);
  await expectNothingConnected(caller.accountId, other);
});

it('confirmed for another provider: refused, burned, revoked at the provider that issued the tokens', async () => {
  const caller = await member();
  const completion = await pending('dropbox', caller);
  const before = await counter('revokedGrants', 'dropbox');
  const refused = await h.confirm('google', caller, completion);
  expect(refused.statusCode).toBe(403);
  expect((await counter('revokedGrants', 'dropbox')) - before).toBe(1);
  expect(errorOf(await h.confirm('dropbox', caller, completion))).toBe('invalid_completion');
  await expectNothingConnected(caller.accountId);
});

it('without a signed-in caller: 401 and the completion stays usable by its owner', async () => {
  const caller = await member();
  const completion = await pending('google', caller);
  expect((await h.confirm('google', undefined, completion)).statusCode).toBe(401);
  expect((await h.confirm('google', caller, completion)).statusCode).toBe(200);
});
