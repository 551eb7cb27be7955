// Handler tests: start, callback and complete on DynamoDB Local, Secrets Manager and EventBridge stubbed at the SDK;
// the vault runs its secrets-manager backend here (the other suites run dynamodb-kms).
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { batchFromLookup } from '../support/secrets';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createHmac, randomUUID } from 'node:crypto';
import { challengeOf } from '../../lambda/oauth/pkce';
import { completionKey } from '../../lambda/oauth/seal';
import { PROVIDER_IDS } from '../../lambda/providers/registry';
import type { ActivityItem, ConnectionItem, SourceItem } from '../../lambda/records/shapes';
import type { CompletionRecord } from '../../lambda/store/completions';
import type { StateRecord } from '../../lambda/store/states';
import type { HttpResult } from '../../lambda/shared/http';
import { captureOutput, type Capture } from '../support/capture';
import { TEST_API_URL, TEST_APP_URL } from '../support/constants';
import { closeDb, getItem, putItem, queryPartition } from '../support/dynamo';
import { httpEvent } from '../support/events';
import { startTokenServer, type TokenServer } from '../support/token-server';

type Handler = (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;

// Read by the handlers at import (beforeAll).
process.env.TOKEN_VAULT = 'secrets-manager';

const sm = mockClient(SecretsManagerClient);
const eb = mockClient(EventBridgeClient);

/** Client credentials as the stubbed Secrets Manager returns them; keap stays a placeholder. */
const credentialValues: Record<string, string> = {};
for (const id of PROVIDER_IDS) {
  credentialValues[`app/oauth/${id}/client_id`] = `client-id-${id}`;
  credentialValues[`app/oauth/${id}/client_secret`] = `client-secret-${id}-${randomUUID()}`;
}
credentialValues['app/oauth/keap/client_secret'] =
  'PLACEHOLDER: upload with npm run credentials -- set keap --stage test';

let server: TokenServer;
let start: Handler;
let callback: Handler;
let complete: Handler;
let capture: Capture;
/** Every secret value the flows handle; none may appear in output. */
const secretValues = new Set<string>();

function tokenBody(provider: string, extra: Record<string, unknown> = {}) {
  const accessToken = `at-${provider}-${randomUUID()}`;
  const refreshToken = `rt-${provider}-${randomUUID()}`;
  secretValues.add(accessToken);
  secretValues.add(refreshToken);
  return {
    accessToken,
    refreshToken,
    answer: {
      status: 200,
      body: JSON.stringify({
        access_token: accessToken,
        refresh_token: refreshToken,
        token_type: 'bearer',
        expires_in: 3600,
        ...extra,
      }),
    },
  };
}

function ids() {
  return { userId: `user-${randomUUID()}`, accountId: `acct-${randomUUID()}` };
}

async function startFlow(
  provider: string,
  caller: { userId: string; accountId: string } | null,
  body?: unknown,
) {
  const result = await start(httpEvent({ method: 'POST', pathParameters: { provider }, caller, body }));
  return { result, json: JSON.parse(result.body as string) };
}

async function startOk(provider: string, caller: { userId: string; accountId: string }, body?: unknown) {
  const { result, json } = await startFlow(provider, caller, body);
  expect(result.statusCode).toBe(200);
  const url = new URL(json.authorizationUrl);
  return { url, state: json.state as string };
}

async function callbackWith(provider: string, query: Record<string, string>) {
  const result = await callback(httpEvent({ pathParameters: { provider }, query }));
  expect(result.statusCode).toBe(302);
  return new URL(result.headers.location);
}

function idToken(sub: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ sub, iss: 'https://accounts.google.com', aud: 'client-id-google' })}.sig`;
}

/** Runs start + callback for google with a scripted token answer and returns the pending completion id. */
async function pendingGoogle(
  caller: { userId: string; accountId: string },
  body?: unknown,
  sub = 'google-sub-1',
) {
  const { state } = await startOk('google', caller, body);
  const code = `code-${randomUUID()}`;
  secretValues.add(code);
  const tokens = tokenBody('google', { id_token: idToken(sub) });
  server.script('/token/google', tokens.answer);
  const location = await callbackWith('google', { state, code, iss: 'https://accounts.google.com' });
  expect(location.searchParams.get('status')).toBe('pending');
  return { completion: location.searchParams.get('completion') as string, tokens, state };
}

beforeAll(async () => {
  server = await startTokenServer();
  const overrides = Object.fromEntries(
    PROVIDER_IDS.map((id) => [
      id,
      { tokenEndpoint: `${server.url}/token/${id}`, revocationEndpoint: `${server.url}/revoke/${id}` },
    ]),
  );
  process.env.PROVIDER_ENDPOINT_OVERRIDES = JSON.stringify(overrides);
  start = (await import('../../lambda/handlers/oauth-start')).handler;
  callback = (await import('../../lambda/handlers/oauth-callback')).handler;
  complete = (await import('../../lambda/handlers/oauth-complete')).handler;
  for (const [name, value] of Object.entries(credentialValues))
    if (name.endsWith('client_secret')) secretValues.add(value);
});

afterAll(async () => {
  await server.stop();
  closeDb();
});

beforeEach(() => {
  sm.reset();
  eb.reset();
  sm.on(BatchGetSecretValueCommand).callsFake(batchFromLookup((id) => credentialValues[id]));
  sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const value = credentialValues[input.SecretId];
    if (value === undefined)
      throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
    return { Name: input.SecretId, SecretString: value };
  });
  sm.on(CreateSecretCommand).resolves({});
  sm.on(PutSecretValueCommand).resolves({});
  sm.on(DeleteSecretCommand).resolves({});
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  capture = captureOutput();
});

afterEach(() => {
  capture.restore();
  const output = capture.text();
  for (const value of secretValues) expect(output).not.toContain(value);
});

describe('oauth-start', () => {
  it('stores a state with PKCE and returns the exact authorization URL for google', async () => {
    const caller = ids();
    const { result, json } = await startFlow('google', caller, { returnPath: '/sources?tab=new' });
    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    const url = new URL(json.authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(url.searchParams.get('client_id')).toBe('client-id-google');
    expect(url.searchParams.get('redirect_uri')).toBe(`${TEST_API_URL}/integrations/oauth/callback/google`);
    expect(url.searchParams.get('state')).toBe(json.state);
    expect(json.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await getItem<StateRecord>('oauth-states', { state: json.state });
    expect(stored).toMatchObject({
      provider: 'google',
      userId: caller.userId,
      accountId: caller.accountId,
      returnPath: '/sources?tab=new',
    });
    expect(url.searchParams.get('code_challenge')).toBe(challengeOf(stored!.codeVerifier!));
    expect(json.authorizationUrl).not.toContain(stored!.codeVerifier);
    expect(stored!.expiresAt - Date.parse(stored!.createdAt)).toBe(10 * 60 * 1000);
    expect(stored!.ttl).toBeGreaterThan(stored!.expiresAt / 1000);
    expect(new Date(json.expiresAt).getTime()).toBe(stored!.expiresAt);
  });

  it.each([
    ['unknown provider', { provider: 'myspace' }, ids(), undefined, 404, 'unknown_provider'],
    ['no caller identity', { provider: 'google' }, null, undefined, 401, 'unauthorized'],
    ['body that is not JSON', { provider: 'google' }, ids(), '{nope', 400, 'invalid_body'],
    ['body that is an array', { provider: 'google' }, ids(), '[1]', 400, 'invalid_body'],
    ['body that is an empty array', { provider: 'google' }, ids(), '[]', 400, 'invalid_body'],
    ['unknown body field', { provider: 'google' }, ids(), { admin: true }, 400, 'invalid_body'],
    [
      'returnPath to another origin',
      { provider: 'google' },
      ids(),
      { returnPath: '//evil.example' },
      400,
      'invalid_return_path',
    ],
    ['shopify without a shop', { provider: 'shopify' }, ids(), {}, 400, 'invalid_shop'],
    [
      'shopify with a foreign domain',
      { provider: 'shopify' },
      ids(),
      { shop: 'evil.example' },
      400,
      'invalid_shop',
    ],
    ['a shop for google', { provider: 'google' }, ids(), { shop: 'a.myshopify.com' }, 400, 'invalid_body'],
    ['placeholder credentials', { provider: 'keap' }, ids(), undefined, 503, 'credentials_not_configured'],
  ])('refuses %s', async (_name, path, caller, body, status, code) => {
    const result = await start(httpEvent({ method: 'POST', pathParameters: path, caller, body }));
    expect(result.statusCode).toBe(status);
    const json = JSON.parse(result.body as string);
    expect(json).toEqual({ error: code, message: expect.any(String) });
    if (code === 'unknown_provider') expect(json.message).toContain(PROVIDER_IDS.join(', '));
    if (code === 'credentials_not_configured') expect(json.message).toContain('app/oauth/keap/client_secret');
  });

  it.each([
    '/sources?tab=1&status=connected',
    '/sources?provider=x',
    '/sources?completion=planted',
    '/sources?error=none',
    '/sources?st%61tus=connected',
    '/sources?Status=connected',
  ])('refuses a returnPath carrying a parameter the callback sets: %s', async (returnPath) => {
    const result = await start(
      httpEvent({
        method: 'POST',
        pathParameters: { provider: 'google' },
        caller: ids(),
        body: { returnPath },
      }),
    );
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body as string)).toEqual({
      error: 'invalid_return_path',
      message: expect.stringContaining('status, provider, completion, error'),
    });
  });

  it('names no request key or value in invalid_body messages', async () => {
    const key = '<img src=x onerror=alert(1)>' + 'k'.repeat(300);
    for (const body of [
      { [key]: true },
      { returnPath: '/a', [key]: 1 },
      { shop: { [key]: key } },
      { accountId: 12345678 },
    ]) {
      const result = await start(
        httpEvent({ method: 'POST', pathParameters: { provider: 'google' }, caller: ids(), body }),
      );
      expect(result.statusCode).toBe(400);
      const json = JSON.parse(result.body as string);
      expect(json.error).toBe('invalid_body');
      expect(json.message).not.toContain('<img');
      expect(json.message).not.toContain('kkkk');
      expect(json.message).not.toContain('12345678');
    }
  });

  it('lets a member start for another account and refuses a non-member', async () => {
    const caller = ids();
    const other = `acct-${randomUUID()}`;
    const refused = await startFlow('dropbox', caller, { accountId: other });
    expect(refused.result.statusCode).toBe(403);
    await putItem('user-accounts', { userId: caller.userId, accountId: other, status: 'active' });
    const { state } = await startOk('dropbox', caller, { accountId: other });
    expect(await getItem<StateRecord>('oauth-states', { state })).toMatchObject({ accountId: other });
  });

  it('accepts a reconnect only for an existing source of the same provider and account', async () => {
    const caller = ids();
    const sourceId = `src_${randomUUID()}`;
    await putItem('sources', {
      accountId: caller.accountId,
      sourceId,
      provider: 'box',
      status: 'needs_reauth',
    });
    expect((await startFlow('dropbox', caller, { sourceId })).result.statusCode).toBe(404);
    expect((await startFlow('box', ids(), { sourceId })).result.statusCode).toBe(404);
    const { state } = await startOk('box', caller, { sourceId });
    expect(await getItem<StateRecord>('oauth-states', { state })).toMatchObject({ sourceId });
  });
});

describe('oauth-callback', () => {
  it('exchanges the code with PKCE and holds the tokens sealed as a pending completion', async () => {
    const caller = ids();
    const { completion, tokens, state } = await pendingGoogle(caller, { returnPath: '/sources' });
    const request = server.requests.at(-1)!;
    const form = new URLSearchParams(request.body);
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('redirect_uri')).toBe(`${TEST_API_URL}/integrations/oauth/callback/google`);
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await getItem('oauth-states', { state })).toBeUndefined();
    const record = await getItem<CompletionRecord>('oauth-states', { state: completionKey(completion) });
    expect(record).toMatchObject({
      kind: 'completion',
      provider: 'google',
      userId: caller.userId,
      accountId: caller.accountId,
    });
    const raw = JSON.stringify(record);
    expect(raw).not.toContain(tokens.accessToken);
    expect(raw).not.toContain(tokens.refreshToken);
    expect(raw).not.toContain(completion);
  });

  it('redirects back to the returnPath with pending status and no code or state', async () => {
    const { state } = await startOk('stripe', ids(), { returnPath: '/connect/done' });
    server.script(
      '/token/stripe',
      tokenBody('stripe', { stripe_user_id: 'acct_123', expires_in: undefined }).answer,
    );
    const result = await callback(
      httpEvent({ pathParameters: { provider: 'stripe' }, query: { state, code: 'c-1' } }),
    );
    expect(result.headers['referrer-policy']).toBe('no-referrer');
    expect(result.headers['cache-control']).toBe('no-store');
    const location = new URL(result.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(`${TEST_APP_URL}/connect/done`);
    expect([...location.searchParams.keys()].sort()).toEqual(['completion', 'provider', 'status']);
    expect(result.headers.location).not.toContain(state);
  });

  async function expectError(provider: string, query: Record<string, string>, code: string) {
    const location = await callbackWith(provider, query);
    expect(location.origin).toBe(TEST_APP_URL);
    expect(Object.fromEntries(location.searchParams)).toEqual({ status: 'error', provider, error: code });
  }

  it('refuses missing, unknown, replayed, expired and foreign states', async () => {
    await expectError('google', { code: 'x' }, 'missing_state');
    await expectError('google', { code: 'x', state: 'A'.repeat(43) }, 'invalid_state');
    await expectError('google', { code: 'x', state: '../../etc' }, 'invalid_state');

    const { state } = await startOk('dropbox', ids());
    server.script('/token/dropbox', tokenBody('dropbox', { account_id: 'dbid:1' }).answer);
    expect((await callbackWith('dropbox', { state, code: 'c' })).searchParams.get('status')).toBe('pending');
    await expectError('dropbox', { state, code: 'c' }, 'invalid_state');

    const expired = await startOk('dropbox', ids());
    await putItem('oauth-states', {
      ...(await getItem<StateRecord>('oauth-states', { state: expired.state })),
      expiresAt: Date.now() - 1000,
    });
    await expectError('dropbox', { state: expired.state, code: 'c' }, 'expired_state');

    const foreign = await startOk('box', ids());
    await expectError('dropbox', { state: foreign.state, code: 'c' }, 'provider_mismatch');
    // The foreign state was consumed: it cannot be replayed on its own provider either.
    await expectError('box', { state: foreign.state, code: 'c' }, 'invalid_state');
  });

  it('passes on the provider refusal and checks the issuer (RFC 9207)', async () => {
    const denied = await startOk('google', ids());
    await expectError(
      'google',
      { state: denied.state, error: 'access_denied', iss: 'https://accounts.google.com' },
      'access_denied',
    );
    const mixUp = await startOk('google', ids());
    await expectError(
      'google',
      { state: mixUp.state, code: 'c', iss: 'https://attacker.example' },
      'issuer_mismatch',
    );
    const missing = await startOk('google', ids());
    await expectError('google', { state: missing.state, code: 'c' }, 'issuer_mismatch');
    expect(
      server.requests.filter((r) => r.path === '/token/google' && r.body.includes('code=c&')),
    ).toHaveLength(0);
  });

  it('verifies the Shopify callback HMAC and shop before any exchange', async () => {
    const shop = 'store-1.myshopify.com';
    const secret = credentialValues['app/oauth/shopify/client_secret'];
    const sign = (p: Record<string, string>) => {
      const message = Object.keys(p)
        .sort()
        .map((k) => `${k}=${p[k]}`)
        .join('&');
      return { ...p, hmac: createHmac('sha256', secret).update(message).digest('hex') };
    };
    const before = server.requests.length;
    const bad = await startOk('shopify', ids(), { shop });
    await expectError(
      'shopify',
      { ...sign({ code: 'c', shop, state: bad.state, timestamp: '1' }), code: 'other' },
      'invalid_signature',
    );
    const other = await startOk('shopify', ids(), { shop });
    await expectError(
      'shopify',
      sign({ code: 'c', shop: 'other.myshopify.com', state: other.state, timestamp: '1' }),
      'shop_mismatch',
    );
    expect(server.requests.length).toBe(before);

    const good = await startOk('shopify', ids(), { shop });
    expect(good.url.host).toBe(shop);
    expect(good.url.searchParams.get('scope')).toBe(
      'read_products,read_orders,read_customers,read_inventory',
    );
    server.script('/token/shopify', {
      status: 200,
      body: JSON.stringify({
        access_token: 'shpat_x',
        scope: 'read_products',
        expires_in: 3600,
        refresh_token: 'shprt_x',
      }),
    });
    secretValues.add('shpat_x');
    secretValues.add('shprt_x');
    const ok = await callbackWith(
      'shopify',
      sign({ code: 'c', shop, state: good.state, timestamp: '1', host: 'aG9zdA' }),
    );
    expect(ok.searchParams.get('status')).toBe('pending');
    expect(new URLSearchParams(server.requests.at(-1)!.body).get('expiring')).toBe('1');
  });

  it('requires the QuickBooks realmId on the callback', async () => {
    const { state } = await startOk('quickbooks', ids());
    await expectError('quickbooks', { state, code: 'c' }, 'invalid_callback');
  });

  it.each([
    [{ status: 400, body: '{"error":"invalid_grant"}' }, 'invalid_grant'],
    [{ status: 401, body: '{"error":"invalid_client"}' }, 'credentials_rejected'],
    [{ status: 503, body: 'unavailable', contentType: 'text/plain' }, 'provider_unavailable'],
    [{ status: 200, body: '<html>login</html>', contentType: 'text/html' }, 'invalid_token_response'],
    [{ status: 200, body: '{"token_type":"bearer"}' }, 'invalid_token_response'],
  ])('maps a token endpoint answer %j to %s and writes nothing', async (answer, code) => {
    const caller = ids();
    const { state } = await startOk('dropbox', caller);
    server.script('/token/dropbox', answer);
    await expectError('dropbox', { state, code: 'c' }, code);
    expect(await queryPartition('activity', 'accountId', caller.accountId)).toHaveLength(0);
  });

  it('redirects an unknown provider without touching any state', async () => {
    const location = await callbackWith('nope', { state: 'x', code: 'y' });
    expect(Object.fromEntries(location.searchParams)).toEqual({ status: 'error', error: 'unknown_provider' });
  });
});

describe('oauth-complete', () => {
  async function confirm(
    provider: string,
    caller: { userId: string; accountId: string } | null,
    body: unknown,
  ) {
    const result = await complete(httpEvent({ method: 'POST', pathParameters: { provider }, caller, body }));
    return { status: result.statusCode, json: JSON.parse(result.body as string) };
  }

  it('connects a new source: vault secret, source + connection + activity, one event', async () => {
    const caller = ids();
    const { completion, tokens } = await pendingGoogle(caller);
    const { status, json } = await confirm('google', caller, { completion });
    expect(status).toBe(200);
    expect(json).toEqual({
      status: 'connected',
      provider: 'google',
      sourceId: expect.stringMatching(/^src_/),
      accountId: caller.accountId,
    });
    const secretName = `sources/${caller.accountId}/${json.sourceId}/oauth-tokens`;
    const created = sm.commandCalls(CreateSecretCommand);
    expect(created).toHaveLength(1);
    expect(created[0].args[0].input.Name).toBe(secretName);
    const document = JSON.parse(created[0].args[0].input.SecretString!);
    expect(document).toMatchObject({
      provider: 'google',
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      tokenType: 'bearer',
      externalAccount: { googleUserId: 'google-sub-1' },
    });
    expect(Date.parse(document.expiresAt) - Date.parse(document.obtainedAt)).toBeGreaterThan(3590_000);
    const source = await getItem<SourceItem>('sources', {
      accountId: caller.accountId,
      sourceId: json.sourceId,
    });
    expect(source).toMatchObject({
      provider: 'google',
      status: 'active',
      tokenSecretName: secretName,
      createdBy: caller.userId,
    });
    const connection = await getItem<ConnectionItem>('platform-connections', {
      accountId: caller.accountId,
      sourceId: json.sourceId,
    });
    expect(connection).toMatchObject({
      status: 'active',
      provider: 'google',
      refreshPartition: 'refresh',
      externalKey: 'google#googleUserId=google-sub-1',
    });
    const activity = await queryPartition<ActivityItem>('activity', 'accountId', caller.accountId);
    expect(activity.map((a) => a.type)).toEqual(['integration.connected']);
    const events = eb.commandCalls(PutEventsCommand);
    expect(events).toHaveLength(1);
    const entry = events[0].args[0].input.Entries![0];
    expect(entry).toMatchObject({
      Source: 'listbackup.integrations',
      DetailType: 'Source Connected',
      EventBusName: 'listbackup-test-events',
    });
    expect(JSON.parse(entry.Detail!)).toEqual({
      accountId: caller.accountId,
      userId: caller.userId,
      provider: 'google',
      sourceId: json.sourceId,
      connectionId: connection!.connectionId,
      externalAccount: { googleUserId: 'google-sub-1' },
    });
    expect(entry.Detail).not.toContain(tokens.accessToken);
  });

  it('reconnects an existing source with a new secret version', async () => {
    const caller = ids();
    const sourceId = `src_${randomUUID()}`;
    await putItem('sources', {
      accountId: caller.accountId,
      sourceId,
      provider: 'google',
      status: 'needs_reauth',
      createdAt: 'then',
    });
    const { completion } = await pendingGoogle(caller, { sourceId });
    const { status, json } = await confirm('google', caller, { completion });
    expect(status).toBe(200);
    expect(json).toEqual({
      status: 'reconnected',
      provider: 'google',
      sourceId,
      accountId: caller.accountId,
    });
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
    expect(sm.commandCalls(PutSecretValueCommand)[0].args[0].input.SecretId).toBe(
      `sources/${caller.accountId}/${sourceId}/oauth-tokens`,
    );
    expect(await getItem<SourceItem>('sources', { accountId: caller.accountId, sourceId })).toMatchObject({
      status: 'active',
      createdAt: 'then',
    });
    expect(eb.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0].DetailType).toBe(
      'Source Reconnected',
    );
  });

  /** A disconnected google source and a pending reconnect of it by its account's user. */
  async function pendingReconnectOfDisconnected() {
    const caller = ids();
    const sourceId = `src_${randomUUID()}`;
    await putItem('sources', {
      accountId: caller.accountId,
      sourceId,
      provider: 'google',
      status: 'disconnected',
    });
    const { completion } = await pendingGoogle(caller, { sourceId });
    return { caller, sourceId, completion };
  }

  it('reconnects a disconnected source whose secret is scheduled for deletion by restoring it', async () => {
    const { caller, sourceId, completion } = await pendingReconnectOfDisconnected();
    sm.on(PutSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('marked for deletion'), { name: 'InvalidRequestException' }))
      .resolves({});
    sm.on(RestoreSecretCommand).resolves({});
    const { status, json } = await confirm('google', caller, { completion });
    expect(status).toBe(200);
    expect(json.status).toBe('reconnected');
    const name = `sources/${caller.accountId}/${sourceId}/oauth-tokens`;
    expect(sm.commandCalls(RestoreSecretCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: name }]);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(2);
    expect(await getItem<SourceItem>('sources', { accountId: caller.accountId, sourceId })).toMatchObject({
      status: 'active',
    });
  });

  it('recreates the secret of a reconnected source whose secret was removed', async () => {
    const { caller, sourceId, completion } = await pendingReconnectOfDisconnected();
    sm.on(PutSecretValueCommand).rejects(
      Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }),
    );
    const { status } = await confirm('google', caller, { completion });
    expect(status).toBe(200);
    expect(sm.commandCalls(CreateSecretCommand)[0].args[0].input.Name).toBe(
      `sources/${caller.accountId}/${sourceId}/oauth-tokens`,
    );
  });

  it('refuses another user, burns the completion, revokes and records it', async () => {
    const starter = ids();
    // A Google user no other connection has: its grant-wide revocation damages nothing else.
    const { completion } = await pendingGoogle(starter, undefined, `google-sub-${randomUUID()}`);
    const intruder = ids();
    server.script('/revoke/google', { status: 200, body: '{}' });
    const refused = await confirm('google', intruder, { completion });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toBe('forbidden');
    expect(server.requests.at(-1)!.path).toBe('/revoke/google');
    const again = await confirm('google', starter, { completion });
    expect(again.json.error).toBe('invalid_completion');
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    const activity = await queryPartition<ActivityItem>('activity', 'accountId', starter.accountId);
    expect(activity.map((a) => a.type)).toEqual(['integration.refused']);
    expect(await queryPartition('sources', 'accountId', intruder.accountId)).toHaveLength(0);
    expect(capture.text()).toContain('connection confirmation refused');
  });

  it('refuses the starting user signed in to an account without membership of the flow account, and another provider', async () => {
    const starter = ids();
    const first = await pendingGoogle(starter);
    expect(
      (
        await confirm(
          'google',
          { ...starter, accountId: `acct-${randomUUID()}` },
          { completion: first.completion },
        )
      ).status,
    ).toBe(403);
    const second = await pendingGoogle(starter);
    expect((await confirm('dropbox', starter, { completion: second.completion })).status).toBe(403);
    expect(await queryPartition('sources', 'accountId', starter.accountId)).toHaveLength(0);
  });

  it('refuses a malformed, unknown or expired completion', async () => {
    const caller = ids();
    expect((await confirm('google', caller, { completion: 'short' })).json.error).toBe('invalid_body');
    expect((await confirm('google', null, { completion: 'x' })).status).toBe(401);
    expect((await confirm('google', caller, { completion: 'B'.repeat(43) })).json.error).toBe(
      'invalid_completion',
    );
    const { completion } = await pendingGoogle(caller, undefined, `google-sub-${randomUUID()}`);
    const key = completionKey(completion);
    await putItem('oauth-states', {
      ...(await getItem<CompletionRecord>('oauth-states', { state: key })),
      expiresAt: Date.now() - 1,
    });
    server.script('/revoke/google', { status: 200, body: '{}' });
    const revocationsBefore = server.requests.filter((r) => r.path === '/revoke/google').length;
    expect((await confirm('google', caller, { completion })).json.error).toBe('expired_completion');
    // The expired completion's tokens are revoked, not just left to expire.
    expect(server.requests.filter((r) => r.path === '/revoke/google').length).toBe(revocationsBefore + 1);
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
  });

  it('writes nothing when the vault refuses the secret', async () => {
    const caller = ids();
    const { completion } = await pendingGoogle(caller);
    sm.on(CreateSecretCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { status, json } = await confirm('google', caller, { completion });
    expect(status).toBe(500);
    expect(json).toEqual({ error: 'internal_error', message: expect.any(String) });
    expect(await queryPartition('sources', 'accountId', caller.accountId)).toHaveLength(0);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('deletes the new secret when the records transaction fails', async () => {
    const caller = ids();
    const { completion } = await pendingGoogle(caller);
    const { documents } = await import('../../lambda/store/clients');
    const send = documents.send.bind(documents);
    const spy = jest.spyOn(documents, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof TransactWriteCommand) {
        return Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
      }
      return send(command as never);
    }) as typeof documents.send);
    try {
      const { status } = await confirm('google', caller, { completion });
      expect(status).toBe(500);
    } finally {
      spy.mockRestore();
    }
    const name = sm.commandCalls(CreateSecretCommand)[0].args[0].input.Name;
    expect(sm.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input)).toEqual([
      // Never announced, so nothing to recover: deleted without a recovery window.
      { SecretId: name, ForceDeleteWithoutRecovery: true },
    ]);
    expect(await queryPartition('sources', 'accountId', caller.accountId)).toHaveLength(0);
  });

  it('undoes a new connection when the event cannot be published', async () => {
    const caller = ids();
    const { completion } = await pendingGoogle(caller);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const { status } = await confirm('google', caller, { completion });
    expect(status).toBe(500);
    expect(await queryPartition('sources', 'accountId', caller.accountId)).toHaveLength(0);
    expect(await queryPartition('platform-connections', 'accountId', caller.accountId)).toHaveLength(0);
    expect(sm.commandCalls(DeleteSecretCommand)).toHaveLength(1);
  });
});
