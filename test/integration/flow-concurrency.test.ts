// Concurrency: 50 simultaneous callbacks with one state, and 50 simultaneous confirmations of one completion.
import type { SourceItem } from '../../lambda/records/shapes';
import { TEST_API_URL } from '../support/constants';
import { consentOverHttp } from '../support/auth-server';
import { itemsOf, seedMember, startFlowHarness, uniqueId, type FlowHarness } from '../support/local-stack';

let h: FlowHarness;

beforeAll(async () => {
  h = await startFlowHarness();
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

/** Sources of the account with sealed tokens in the vault. */
const sealedOf = async (accountId: string) =>
  (await itemsOf<{ access?: unknown }>('oauth-tokens', accountId)).filter((i) => i.access !== undefined);

it('50 concurrent callbacks with one state: one pending outcome, 49 invalid_state, one exchange; then one sealed token item and one source', async () => {
  const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
  await seedMember(caller.userId, caller.accountId);
  const started = await h.startFlow('dropbox', caller);
  const { authorizationUrl } = JSON.parse(started.body as string) as { authorizationUrl: string };
  const callbackUrl = await consentOverHttp(authorizationUrl, { callbackPrefix: TEST_API_URL });
  const before = (await h.auth.stats()).tokenRequests.dropbox?.requests ?? 0;

  const results = await Promise.all(Array.from({ length: 50 }, () => h.callbackWith('dropbox', callbackUrl)));
  const outcomes = results.map((r) => new URL(r.headers.location).searchParams);
  const pending = outcomes.filter((o) => o.get('status') === 'pending');
  const refused = outcomes.filter((o) => o.get('error') === 'invalid_state');
  expect(pending).toHaveLength(1);
  expect(refused).toHaveLength(49);
  expect(((await h.auth.stats()).tokenRequests.dropbox?.requests ?? 0) - before).toBe(1);

  const confirmed = await h.confirm('dropbox', caller, pending[0].get('completion') as string);
  expect(confirmed.statusCode).toBe(200);
  expect(await itemsOf<SourceItem>('sources', caller.accountId)).toHaveLength(1);
  expect(await sealedOf(caller.accountId)).toHaveLength(1);
});

it('50 concurrent confirmations of one completion: exactly one source', async () => {
  const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
  await seedMember(caller.userId, caller.accountId);
  const { appRedirect } = await h.authorize('box', caller);
  const completion = appRedirect.searchParams.get('completion') as string;

  const results = await Promise.all(Array.from({ length: 50 }, () => h.confirm('box', caller, completion)));
  const codes = results.map((r) => (r.statusCode === 200 ? 'connected' : JSON.parse(r.body as string).error));
  expect(codes.filter((c) => c === 'connected')).toHaveLength(1);
  expect(codes.filter((c) => c === 'invalid_completion')).toHaveLength(49);
  expect(await itemsOf<SourceItem>('sources', caller.accountId)).toHaveLength(1);
  expect(await sealedOf(caller.accountId)).toHaveLength(1);
  expect(h.aws.events().filter((e) => e.Detail?.includes(caller.accountId))).toHaveLength(1);
});
