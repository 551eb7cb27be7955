// Token access, disconnect and complete through their handlers on the paths the token-lifecycle tests take through
// lambda/tokens alone (a rotating refresh, a lease held elsewhere, a revoked grant), each with a cold credentials
// cache as in its own Lambda container: their calls are granted by their specs, and the whole-suite check sees them.
import { HANDLERS } from '../../lib/handler-specs';
import type { TokenDocument } from '../../lambda/oauth/token-document';
import { httpEvent } from '../support/events';
import { recordCalls, ungranted } from '../support/recorded-calls';
import { closeDb } from '../support/dynamo';
import { connect, eventsFor, newCaller, startWorld, vault, type TokenWorld } from '../support/tokens-world';

// Every read of client credentials goes to Secrets Manager: no handler sees a pair another one cached.
process.env.CLIENT_CREDENTIALS_MAX_AGE_SECONDS = '0';

let world: TokenWorld;
let recorder: Awaited<ReturnType<typeof recordCalls>>;
let tokenAccess: typeof import('../../lambda/handlers/token-access').handler;
let leases: typeof import('../../lambda/store/leases');

beforeAll(async () => {
  world = await startWorld();
  tokenAccess = (await import('../../lambda/handlers/token-access')).handler;
  leases = await import('../../lambda/store/leases');
  recorder = await recordCalls();
}, 60_000);

afterAll(async () => {
  recorder?.stop();
  await world?.stop();
  closeDb();
});

async function connected() {
  const caller = newCaller();
  const login = `u${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const { sourceId } = await connect(world, 'box', caller, { login });
  return { caller, ref: { accountId: caller.accountId, sourceId } };
}

const stored = async (ref: { accountId: string; sourceId: string }) =>
  (await vault(world, ref)).document as TokenDocument;

it('a rejected token, refreshed after another worker let go of the lease: every call granted', async () => {
  const { ref } = await connected();
  const before = await stored(ref);
  expect(await world.auth.kill(before.accessToken)).toBe(true);
  const key = leases.leaseKey(ref.accountId, ref.sourceId);
  const states = world.config.tables.states;
  expect(await leases.acquireLease(states, key, 'another-worker', Date.now(), 10_000)).toBe(true);
  setTimeout(() => void leases.releaseLease(states, key, 'another-worker'), 300);
  recorder.clear();

  const answer = await tokenAccess({ ...ref, rejectedAccessToken: before.accessToken });

  expect(answer).toMatchObject({ accessToken: expect.any(String) });
  expect((answer as { accessToken: string }).accessToken).not.toBe(before.accessToken);
  // Box rotates refresh tokens: the new one is resealed under the data key the refresh opened.
  expect((await stored(ref)).refreshToken).not.toBe(before.refreshToken);
  const calls = recorder.calls();
  expect(calls).toEqual(
    expect.arrayContaining([
      'dynamodb:PutItem table/lbtest-oauth-states',
      'kms:Decrypt purpose:refresh',
      'kms:GenerateDataKey purpose:access',
      'secretsmanager:BatchGetSecretValue secret:app/oauth/box/client_secret',
    ]),
  );
  expect(calls).not.toContain('kms:GenerateDataKey purpose:refresh');
  expect(ungranted(calls, HANDLERS['token-access'].access)).toEqual([]);
});

it('a grant the provider revoked: needs_reauth on the connection and the source, its activity and event granted', async () => {
  const { ref } = await connected();
  const before = await stored(ref);
  expect(await world.auth.kill(before.accessToken)).toBe(true);
  await world.auth.failNext('box', 400, 1, 'invalid_grant');
  recorder.clear();

  const answer = await tokenAccess({ ...ref, rejectedAccessToken: before.accessToken });

  expect(answer).toMatchObject({ error: 'needs_reauth' });
  expect(eventsFor(world, 'Connection Needs Reauth', ref.sourceId)).toHaveLength(1);
  const calls = recorder.calls();
  expect(calls).toEqual(
    expect.arrayContaining([
      'dynamodb:UpdateItem table/lbtest-sources',
      'dynamodb:PutItem table/lbtest-activity',
      'events:PutEvents bus',
    ]),
  );
  expect(ungranted(calls, HANDLERS['token-access'].access)).toEqual([]);
});

it('a disconnect reads the credentials for its revocation itself', async () => {
  const { caller, ref } = await connected();
  recorder.clear();
  const event = httpEvent({
    method: 'DELETE',
    path: `/integrations/connections/${ref.sourceId}`,
    pathParameters: { sourceId: ref.sourceId },
    caller,
  });

  const result = await world.handlers.disconnect(event);

  expect(JSON.parse(result.body as string)).toEqual({ status: 'disconnected', revocation: 'revoked' });
  const calls = recorder.calls();
  expect(calls).toContain('secretsmanager:BatchGetSecretValue secret:app/oauth/box/client_id');
  expect(ungranted(calls, HANDLERS['connection-disconnect'].access)).toEqual([]);
});
