// The complete handler's AWS calls, recorded on its success, membership and undo paths, are all granted by its spec; and the checks bite.
import { HANDLERS } from '../../lib/handler-specs';
import { recordCalls, ungranted } from '../support/recorded-calls';
import { logicalCall } from '../support/call-units';
import { TEST_SECRET_PREFIX, TEST_TABLE_PREFIX, TEST_TOKEN_VAULT } from '../support/constants';
import { unusedGrants } from '../support/grant-records';
import { grantUnits } from '../support/grant-units';
import {
  itemsOf,
  seedMember,
  startFlowHarness,
  uniqueId,
  type Caller,
  type FlowHarness,
} from '../support/local-stack';

// Every read of client credentials goes to Secrets Manager: the refused completion's revocation reads its own
// pair instead of the one the start cached (in AWS, each function has its own container).
process.env.CLIENT_CREDENTIALS_MAX_AGE_SECONDS = '0';

let h: FlowHarness;
let recorder: Awaited<ReturnType<typeof recordCalls>>;
const access = HANDLERS['oauth-complete'].access;

beforeAll(async () => {
  h = await startFlowHarness();
  recorder = await recordCalls();
}, 60_000);

afterAll(async () => {
  recorder?.stop();
  await h?.stop();
});

async function member(...extra: string[]): Promise<Caller> {
  const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
  await seedMember(caller.userId, caller.accountId, ...extra);
  return caller;
}

/** Runs start + consent + callback, then only complete under the recorder. */
async function confirmRecorded(
  provider: 'google' | 'stripe' | 'box',
  caller: Caller,
  options: { accountId?: string; login?: string } = {},
) {
  const { appRedirect } = await h.authorize(provider, caller, options);
  recorder.clear();
  const result = await h.confirm(provider, caller, appRedirect.searchParams.get('completion') as string);
  return { result, calls: recorder.calls() };
}

it('a new connection: every call granted', async () => {
  const caller = await member();
  const { result, calls } = await confirmRecorded('google', caller);
  expect(result.statusCode).toBe(200);
  expect(calls.length).toBeGreaterThan(3);
  expect(ungranted(calls, access)).toEqual([]);
});

it('the checks are not vacuous: a grant taken away turns a call ungranted, a grant added goes unused', async () => {
  const caller = await member();
  const { result, calls } = await confirmRecorded('google', caller);
  expect(result.statusCode).toBe(200);
  const withoutPut = {
    ...access,
    tables: {
      ...access.tables,
      'platform-connections': ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const,
    },
  };
  expect(ungranted(calls, withoutPut)).toEqual(['dynamodb:PutItem table/lbtest-platform-connections']);

  const names = { tablePrefix: TEST_TABLE_PREFIX, secretPrefix: TEST_SECRET_PREFIX };
  const record = {
    testPath: 'one flow',
    calls: { 'oauth-complete': { 'dynamodb-kms': calls.map((c) => logicalCall(c, names)) } },
    unattributed: [],
  };
  const withUsers = { ...access, tables: { ...access.tables, users: ['dynamodb:GetItem'] as const } };
  const extra = unusedGrants([record], { 'oauth-complete': grantUnits(withUsers, TEST_TOKEN_VAULT) }, []);
  expect(extra.unused).toContain('oauth-complete: dynamodb:GetItem table/users');
  const spec = unusedGrants([record], { 'oauth-complete': grantUnits(access, TEST_TOKEN_VAULT) }, []);
  expect(spec.unused).not.toContain('oauth-complete: dynamodb:GetItem table/users');
});

it('a flow started for another account of the user: the membership read is granted', async () => {
  const other = uniqueId('acct');
  const caller = await member(other);
  const { result, calls } = await confirmRecorded('box', caller, { accountId: other });
  expect(result.statusCode).toBe(200);
  expect(calls).toContain('dynamodb:GetItem table/lbtest-user-accounts');
  expect(ungranted(calls, access)).toEqual([]);
});

it('the rollback after a failed event: its deletes on sources and platform-connections are granted', async () => {
  const caller = await member();
  h.aws.failNext('AWSEvents.PutEvents', 'InternalException', 3);
  const { result, calls } = await confirmRecorded('stripe', caller);
  expect(result.statusCode).toBe(500);
  // The rollback ran (and succeeded): nothing is left behind.
  expect(await itemsOf('sources', caller.accountId)).toEqual([]);
  expect(await itemsOf('platform-connections', caller.accountId)).toEqual([]);
  expect(calls).toEqual(
    expect.arrayContaining([
      'dynamodb:DeleteItem table/lbtest-sources',
      'dynamodb:DeleteItem table/lbtest-platform-connections',
    ]),
  );
  expect(ungranted(calls, access)).toEqual([]);
});

it('a refused completion: the sharing lookup and the credentials for its revocation are granted', async () => {
  const [starter, other] = [await member(), await member()];
  const { appRedirect } = await h.authorize('stripe', starter, { login: uniqueId('co') });
  recorder.clear();
  const result = await h.confirm('stripe', other, appRedirect.searchParams.get('completion') as string);
  expect(result.statusCode).toBe(403);
  const calls = recorder.calls();
  expect(calls).toContain('dynamodb:Query table/lbtest-oauth-tokens/index/byExternalAccount');
  expect(calls).toContain('secretsmanager:BatchGetSecretValue secret:app/oauth/stripe/client_secret');
  expect(ungranted(calls, access)).toEqual([]);
});
