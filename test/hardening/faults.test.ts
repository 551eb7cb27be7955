// Fault injection: each AWS call and the provider call fails in turn; what is left behind is asserted.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { batchFromLookup } from '../support/secrets';
import { DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { PROVIDER_IDS } from '../../lambda/providers/registry';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import { captureOutput, type Capture } from '../support/capture';
import { closeDb, getItem, putItem, queryPartition } from '../support/dynamo';
import { httpEvent } from '../support/events';
import { startTokenServer, type TokenServer } from '../support/token-server';

const sm = mockClient(SecretsManagerClient);
const eb = mockClient(EventBridgeClient);
let server: TokenServer;
let start: (e: HttpEvent) => Promise<HttpResult>;
let callback: (e: HttpEvent) => Promise<HttpResult>;
let complete: (e: HttpEvent) => Promise<HttpResult>;
let dynamoSend: jest.SpyInstance;
let kmsSend: jest.SpyInstance;
let realKmsSend: (cmd: unknown) => Promise<unknown>;
let capture: Capture;

const AWS_FAULTS = {
  throttling: () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
  accessDenied: () => Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }),
  timeout: () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }),
  conditional: () => Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' }),
};
type Fault = keyof typeof AWS_FAULTS;

/** Makes DynamoDB calls of one command type fail (at the SDK boundary); the rest reach DynamoDB Local. */
function failDynamo(
  command: new (...args: never[]) => unknown,
  fault: Fault,
  match: (input: Record<string, unknown>) => boolean = () => true,
) {
  dynamoSend.mockImplementation(async function (this: unknown, cmd: { input: Record<string, unknown> }) {
    if (cmd instanceof command && match(cmd.input)) throw AWS_FAULTS[fault]();
    return realSend(cmd);
  });
}
let realSend: (cmd: unknown) => Promise<unknown>;

function caller() {
  return { userId: `user-${randomUUID()}`, accountId: `acct-${randomUUID()}` };
}

async function startState(who: ReturnType<typeof caller>) {
  const result = await start(
    httpEvent({ method: 'POST', pathParameters: { provider: 'dropbox' }, caller: who }),
  );
  return JSON.parse(result.body as string).state as string;
}

function outcome(result: HttpResult) {
  return new URL(result.headers.location).searchParams;
}

async function pending(who: ReturnType<typeof caller>) {
  const state = await startState(who);
  server.script('/token/dropbox', {
    status: 200,
    body: JSON.stringify({
      access_token: 'at-fault',
      refresh_token: 'rt-fault',
      expires_in: 14400,
      token_type: 'bearer',
      account_id: 'dbid:9',
    }),
  });
  const result = await callback(
    httpEvent({ pathParameters: { provider: 'dropbox' }, query: { state, code: 'code-fault' } }),
  );
  return outcome(result).get('completion') as string;
}

/** The starting user confirms the pending completion. */
function confirm(who: ReturnType<typeof caller>, completion: string) {
  return complete(
    httpEvent({ method: 'POST', pathParameters: { provider: 'dropbox' }, caller: who, body: { completion } }),
  );
}

async function leftovers(who: ReturnType<typeof caller>) {
  const sources = await queryPartition<{ sourceId: string }>('sources', 'accountId', who.accountId);
  const connections = await queryPartition<{ sourceId: string }>(
    'platform-connections',
    'accountId',
    who.accountId,
  );
  const tokens = await queryPartition<{ sourceId: string }>('oauth-tokens', 'accountId', who.accountId);
  return {
    sources: sources.map((s) => s.sourceId),
    connections: connections.map((c) => c.sourceId),
    tokens: tokens.map((t) => t.sourceId),
  };
}

const NOTHING = { sources: [], connections: [], tokens: [] };
const isTokens = (input: Record<string, unknown>) => String(input.TableName).endsWith('-oauth-tokens');

beforeAll(async () => {
  process.env.PROVIDER_TIMEOUT_MS = '300';
  server = await startTokenServer();
  process.env.PROVIDER_ENDPOINT_OVERRIDES = JSON.stringify(
    Object.fromEntries(PROVIDER_IDS.map((id) => [id, { tokenEndpoint: `${server.url}/token/${id}` }])),
  );
  start = (await import('../../lambda/handlers/oauth-start')).handler;
  callback = (await import('../../lambda/handlers/oauth-callback')).handler;
  complete = (await import('../../lambda/handlers/oauth-complete')).handler;
  const { documents, kms } = await import('../../lambda/store/clients');
  realSend = documents.send.bind(documents) as never;
  dynamoSend = jest.spyOn(documents, 'send');
  realKmsSend = kms.send.bind(kms) as never;
  kmsSend = jest.spyOn(kms, 'send');
});

afterAll(async () => {
  await server.stop();
  closeDb();
});

beforeEach(() => {
  sm.reset();
  eb.reset();
  dynamoSend.mockImplementation((cmd: unknown) => realSend(cmd));
  kmsSend.mockImplementation((cmd: unknown) => realKmsSend(cmd));
  sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
    SecretString: `value-of-${input.SecretId}`,
  }));
  sm.on(BatchGetSecretValueCommand).callsFake(batchFromLookup((id) => `value-of-${id}`));
  sm.on(CreateSecretCommand).resolves({});
  sm.on(PutSecretValueCommand).resolves({});
  sm.on(DeleteSecretCommand).resolves({});
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
  capture = captureOutput();
});

afterEach(() => {
  capture.restore();
  expect(capture.text()).not.toMatch(/at-fault|rt-fault|code-fault|value-of-app\/oauth\/\w+\/client_secret/);
});

describe('callback faults', () => {
  it.each(['throttling', 'accessDenied', 'timeout'] as const)(
    'state consume fails (%s): error redirect, no completion, cause logged',
    async (fault) => {
      const who = caller();
      const state = await startState(who);
      failDynamo(DeleteCommand, fault);
      const result = await callback(
        httpEvent({ pathParameters: { provider: 'dropbox' }, query: { state, code: 'code-fault' } }),
      );
      expect(Object.fromEntries(outcome(result))).toEqual({
        status: 'error',
        provider: 'dropbox',
        error: 'internal_error',
      });
      expect(server.requests.filter((r) => r.body.includes('code-fault'))).toHaveLength(0);
      expect(capture.text()).toContain('oauth callback failed');
      dynamoSend.mockImplementation((cmd: unknown) => realSend(cmd));
      kmsSend.mockImplementation((cmd: unknown) => realKmsSend(cmd));
      // The state was not consumed by the failed call: it still exists and works once.
      expect(await getItem('oauth-states', { state })).toBeDefined();
    },
  );

  it.each([
    ['503', { status: 503, body: 'down', contentType: 'text/plain' }, 'provider_unavailable'],
    ['429', { status: 429, body: '{"error":"slow_down"}' }, 'provider_unavailable'],
    ['timeout', { status: 200, body: '{}', delayMs: 1000 }, 'provider_unavailable'],
    ['invalid_grant', { status: 400, body: '{"error":"invalid_grant"}' }, 'invalid_grant'],
  ])('token endpoint fails (%s): state consumed, nothing stored', async (_name, answer, code) => {
    const who = caller();
    const state = await startState(who);
    server.script('/token/dropbox', answer);
    const result = await callback(
      httpEvent({ pathParameters: { provider: 'dropbox' }, query: { state, code: 'code-fault' } }),
    );
    expect(outcome(result).get('error')).toBe(code);
    expect(await getItem('oauth-states', { state })).toBeUndefined();
    expect(await leftovers(who)).toEqual(NOTHING);
    expect(capture.text()).toContain(code);
  });

  it.each(['throttling', 'accessDenied', 'timeout'] as const)(
    'storing the completion fails (%s): state consumed, error redirect',
    async (fault) => {
      const who = caller();
      const state = await startState(who);
      server.script('/token/dropbox', {
        status: 200,
        body: JSON.stringify({ access_token: 'at-fault', token_type: 'bearer' }),
      });
      failDynamo(PutCommand, fault, (input) =>
        String((input.Item as { state?: string })?.state).startsWith('completion#'),
      );
      const result = await callback(
        httpEvent({ pathParameters: { provider: 'dropbox' }, query: { state, code: 'code-fault' } }),
      );
      expect(outcome(result).get('error')).toBe('internal_error');
      expect(await getItem('oauth-states', { state })).toBeUndefined();
      expect(kmsSend.mock.calls.filter(([c]) => c instanceof GenerateDataKeyCommand)).toHaveLength(0);
    },
  );

  it('client credentials cannot be read: error redirect before any exchange, state consumed', async () => {
    // A state for hubspot seeded directly: no handler in this container has read hubspot's credentials yet.
    const who = caller();
    const state = randomUUID().replace(/-/g, '').padEnd(43, 'x');
    await putItem('oauth-states', {
      state,
      kind: 'state',
      provider: 'hubspot',
      ...who,
      createdAt: new Date().toISOString(),
      expiresAt: Date.now() + 60_000,
      ttl: 0,
    });
    sm.on(GetSecretValueCommand).rejects(AWS_FAULTS.accessDenied());
    sm.on(BatchGetSecretValueCommand).rejects(AWS_FAULTS.accessDenied());
    const before = server.requests.length;
    const result = await callback(
      httpEvent({ pathParameters: { provider: 'hubspot' }, query: { state, code: 'code-fault' } }),
    );
    expect(Object.fromEntries(outcome(result))).toEqual({
      status: 'error',
      provider: 'hubspot',
      error: 'internal_error',
    });
    expect(server.requests.length).toBe(before);
    expect(await getItem('oauth-states', { state })).toBeUndefined();
    expect(capture.text()).toContain('oauth callback failed');
  });
});

describe('complete faults', () => {
  it.each(['throttling', 'accessDenied', 'timeout'] as const)(
    'consuming the completion fails (%s): nothing written',
    async (fault) => {
      const who = caller();
      const completion = await pending(who);
      failDynamo(DeleteCommand, fault);
      const result = await confirm(who, completion);
      expect(result.statusCode).toBe(500);
      expect(kmsSend.mock.calls.filter(([c]) => c instanceof GenerateDataKeyCommand)).toHaveLength(0);
      expect(await leftovers(who)).toEqual(NOTHING);
      expect(capture.text()).toContain('oauth complete failed');
    },
  );

  it.each(['throttling', 'accessDenied', 'timeout'] as const)(
    'sealing the tokens fails at KMS (%s): no records, no event, no tokens',
    async (fault) => {
      const who = caller();
      const completion = await pending(who);
      kmsSend.mockImplementation(async (cmd: unknown) => {
        if (cmd instanceof GenerateDataKeyCommand) throw AWS_FAULTS[fault]();
        return realKmsSend(cmd);
      });
      const result = await confirm(who, completion);
      expect(result.statusCode).toBe(500);
      expect(await leftovers(who)).toEqual(NOTHING);
      expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    },
  );

  it.each(['throttling', 'accessDenied', 'timeout'] as const)(
    'storing the sealed tokens fails (%s): no records, no event',
    async (fault) => {
      const who = caller();
      const completion = await pending(who);
      failDynamo(UpdateCommand, fault, isTokens);
      const result = await confirm(who, completion);
      expect(result.statusCode).toBe(500);
      expect(await leftovers(who)).toEqual(NOTHING);
      expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    },
  );

  it.each(['throttling', 'accessDenied', 'conditional'] as const)(
    'the records transaction fails (%s): tokens deleted, no records',
    async (fault) => {
      const who = caller();
      const completion = await pending(who);
      failDynamo(TransactWriteCommand, fault);
      const result = await confirm(who, completion);
      expect(result.statusCode).toBe(500);
      expect(await leftovers(who)).toEqual(NOTHING);
      expect(capture.text()).toContain('records not written; deleting the new tokens');
    },
  );

  it.each(['throttling', 'accessDenied'] as const)(
    'publishing the event fails (%s): connection rolled back, tokens deleted',
    async (fault) => {
      const who = caller();
      const completion = await pending(who);
      eb.on(PutEventsCommand).rejects(AWS_FAULTS[fault]());
      const result = await confirm(who, completion);
      expect(result.statusCode).toBe(500);
      expect(await leftovers(who)).toEqual(NOTHING);
      expect(capture.text()).toContain('event not published; undoing the new connection');
    },
  );

  it('the undo itself fails: the leftover is named in the log for cleanup', async () => {
    const who = caller();
    const completion = await pending(who);
    dynamoSend.mockImplementation(async (cmd: { input: Record<string, unknown> }) => {
      if (cmd instanceof TransactWriteCommand) throw AWS_FAULTS.throttling();
      if (cmd instanceof DeleteCommand && isTokens(cmd.input)) throw AWS_FAULTS.accessDenied();
      return realSend(cmd);
    });
    const result = await confirm(who, completion);
    expect(result.statusCode).toBe(500);
    expect(capture.text()).toContain('new tokens left for cleanup');
    expect(await leftovers(who)).toEqual({ ...NOTHING, tokens: [expect.stringMatching(/^src_/)] });
  });
});
