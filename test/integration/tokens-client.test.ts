// The jobs service's client against the real token-access bundle, served by a Lambda Invoke stand-in in its own
// process and reached through @aws-sdk/client-lambda: tokens, rejected tokens, reports, and every error code.
import { LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  TOKEN_ACCESS_ERRORS,
  TokenAccessError,
  createTokenAccessClient,
  retryDelayMs,
  type TokenAccessErrorCode,
} from '../../clients/token-access';
import type { TokenDocument } from '../../lambda/oauth/token-document';
import type { ConnectionRecord } from '../../lambda/store/connections';
import { seedTokens } from '../support/vault';
import { esbuildOptions, handlerEntry } from '../../lib/bundling';
import { closeDb, getItem, putItem } from '../support/dynamo';
import { httpEvent } from '../support/events';
import { startLambdaStandin, type LambdaStandin } from '../support/lambda-standin';
import { startTokenServer, type TokenServer } from '../support/token-server';
import {
  connect,
  newCaller,
  refreshRequests,
  startWorld,
  vault,
  type TokenWorld,
} from '../support/tokens-world';

let world: TokenWorld;
let lambda: LambdaStandin;
let scripted: TokenServer;
let sdk: LambdaClient;
let dir: string;
const seen = new Set<TokenAccessErrorCode>();

beforeAll(async () => {
  world = await startWorld();
  scripted = await startTokenServer();
  dir = mkdtempSync(join(tmpdir(), 'token-access-bundle-'));
  const bundle = join(dir, 'token-access.mjs');
  await build({
    ...esbuildOptions(handlerEntry('token-access'), bundle),
    absWorkingDir: resolve(__dirname, '../..'),
  });
  const crashing = join(dir, 'crashing.mjs');
  writeFileSync(crashing, "export const handler = async () => { throw new Error('boom'); };\n");
  // The function's environment: the test stage's, with HighLevel's token endpoint scripted.
  const overrides = JSON.parse(process.env.PROVIDER_ENDPOINT_OVERRIDES as string);
  lambda = await startLambdaStandin(
    { 'token-access': bundle, crashing },
    {
      ...process.env,
      PROVIDER_ENDPOINT_OVERRIDES: JSON.stringify({
        ...overrides,
        gohighlevel: { ...overrides.gohighlevel, tokenEndpoint: `${scripted.url}/token` },
      }),
    },
  );
  sdk = new LambdaClient({
    endpoint: lambda.endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}, 90_000);

afterAll(async () => {
  sdk?.destroy();
  await lambda?.stop();
  await scripted?.stop();
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  closeDb();
});

const client = (options: { attempts?: number; maxDelayMs?: number; functionName?: string } = {}) =>
  createTokenAccessClient({
    functionName: options.functionName ?? 'arn:aws:lambda:us-west-2:123456789012:function:token-access',
    lambda: sdk,
    attempts: options.attempts ?? 1,
    maxDelayMs: options.maxDelayMs,
    baseDelayMs: 50,
  });

async function connected(provider: 'box' | 'quickbooks' | 'dropbox' | 'gohighlevel') {
  const caller = newCaller();
  const login = `u${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const { sourceId } = await connect(world, provider, caller, { login });
  return { ref: { accountId: caller.accountId, sourceId }, caller, login };
}

/** The stored token inside its refresh margin, so the next request refreshes. */
async function expireSoon(ref: { accountId: string; sourceId: string }) {
  const document = (await vault(world, ref)).document as TokenDocument;
  await seedTokens(ref, {
    ...document,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
}

async function refused(promise: Promise<unknown>, code: TokenAccessErrorCode): Promise<TokenAccessError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenAccessError);
  const failure = error as TokenAccessError;
  expect({ code: failure.code, action: failure.action }).toEqual({ code, action: TOKEN_ACCESS_ERRORS[code] });
  seen.add(code);
  return failure;
}

describe('the token-access client', () => {
  it('gets a token, a refreshed one after a 401, and reports a rate limit from fetch Headers', async () => {
    const { ref } = await connected('box');
    const tokens = client();
    const first = await tokens.getAccessToken(ref);
    expect(first).toMatchObject({ provider: 'box', rateLimit: null });
    expect(await world.auth.isActive(first.accessToken)).toBe(true);

    await world.auth.kill(first.accessToken);
    const before = await refreshRequests(world, 'box');
    const second = await tokens.getAccessToken(ref, { rejectedAccessToken: first.accessToken });
    expect(await refreshRequests(world, 'box')).toBe(before + 1);
    expect(await world.auth.isActive(second.accessToken)).toBe(true);

    const hint = await tokens.reportRateLimit(ref, {
      headers: new Headers({ 'Retry-After': '20', 'Content-Type': 'application/json' }),
      status: 429,
    });
    expect(Date.parse(hint.notBefore as string) - Date.parse(hint.reportedAt)).toBe(20_000);
    expect((await tokens.getAccessToken(ref)).rateLimit).toEqual(hint);
    expect(await tokens.reportRateLimit(ref, { remaining: 900, limit: 1000 })).toMatchObject({
      remaining: 900,
      notBefore: hint.notBefore,
    });
    // Nothing of either token in the function's logs.
    expect(lambda.logs()).not.toContain(first.accessToken);
    expect(lambda.logs()).not.toContain(second.accessToken);
  });

  it('source_not_found, invalid_request and invalid_report: fix the caller', async () => {
    await refused(
      client().getAccessToken({ accountId: 'acct-none', sourceId: 'src-none' }),
      'source_not_found',
    );
    await refused(client().getAccessToken({ accountId: 'not an id!', sourceId: 'src-1' }), 'invalid_request');
    const { ref } = await connected('quickbooks');
    await refused(client().reportRateLimit(ref, { remaining: -1 }), 'invalid_report');
    await refused(
      client().reportRateLimit(ref, { headers: { intuit_tid: '1-2' }, status: 200 }),
      'invalid_report',
    );
  });

  it('retryable: retried with jitter, a long wait handed to the job; other codes are not retried', async () => {
    const { ref } = await connected('dropbox');
    await expireSoon(ref);
    await world.auth.failNext('dropbox', 503, 3);
    const before = await lambda.invocations();
    // First answer: the provider is down (3 attempts made); the retry finds the 30 s cooldown: too long to wait.
    const error = await refused(client({ attempts: 3, maxDelayMs: 2_000 }).getAccessToken(ref), 'retryable');
    expect(error.retryAfterSeconds).toBeGreaterThan(20);
    expect(await lambda.invocations()).toBe(before + 2);

    const notRetried = await lambda.invocations();
    await refused(
      client({ attempts: 3 }).getAccessToken({ accountId: 'acct-none', sourceId: 'src-none' }),
      'source_not_found',
    );
    expect(await lambda.invocations()).toBe(notRetried + 1);
  });

  it('needs_reauth and disconnected: skip the source', async () => {
    const { ref, login } = await connected('quickbooks');
    await world.auth.revokeAll('quickbooks', login);
    await expireSoon(ref);
    await refused(client().getAccessToken(ref), 'needs_reauth');

    const other = await connected('box');
    const done = await world.handlers.disconnect(
      httpEvent({ method: 'DELETE', pathParameters: { sourceId: other.ref.sourceId }, caller: other.caller }),
    );
    expect(done.statusCode).toBe(200);
    await refused(client().getAccessToken(other.ref), 'disconnected');
  });

  it('provider_rejected and invalid_token_response: retry later; credentials_not_configured and credentials_rejected: operator', async () => {
    const { ref } = await connected('gohighlevel');
    await expireSoon(ref);
    scripted.script('/token', {
      status: 400,
      body: '{"error":"invalid_scope"}',
      contentType: 'application/json',
    });
    await refused(client().getAccessToken(ref), 'provider_rejected');

    // Our client secret refused (rotated or mistyped): the operator's to fix, nothing counted on the source.
    const ours = await connected('gohighlevel');
    await expireSoon(ours.ref);
    scripted.script('/token', {
      status: 401,
      body: '{"error":"invalid_client"}',
      contentType: 'application/json',
    });
    await refused(client().getAccessToken(ours.ref), 'credentials_rejected');

    const next = await connected('gohighlevel');
    await expireSoon(next.ref);
    scripted.script('/token', { status: 200, body: '<html>maintenance</html>', contentType: 'text/html' });
    await refused(client().getAccessToken(next.ref), 'invalid_token_response');

    // A connection of a provider whose client id and secret the stage has not uploaded (Keap here).
    const keap = await connected('box');
    const record = await getItem<ConnectionRecord>('platform-connections', keap.ref);
    await putItem('platform-connections', { ...record, provider: 'keap' });
    const document = (await vault(world, keap.ref)).document as TokenDocument;
    await seedTokens(keap.ref, {
      ...document,
      provider: 'keap',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await refused(client().getAccessToken(keap.ref), 'credentials_not_configured');
  });

  it('internal_error: a broken record, a crashed function; an unknown function is the SDK’s error', async () => {
    const { ref } = await connected('box');
    const record = await getItem<ConnectionRecord>('platform-connections', ref);
    await putItem('platform-connections', { ...record, provider: 'myspace' });
    await refused(client().getAccessToken(ref), 'internal_error');
    const crash = await refused(client({ functionName: 'crashing' }).getAccessToken(ref), 'internal_error');
    expect(crash.message).toMatch(/Unhandled/);
    await expect(client({ functionName: 'missing' }).getAccessToken(ref)).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('saw every error code of the contract', () => {
    expect([...seen].sort()).toEqual(Object.keys(TOKEN_ACCESS_ERRORS).sort());
  });
});

describe('the client module', () => {
  it('depends on nothing of the handler code: its bundle reads only clients/ (the SDK left external)', async () => {
    const root = resolve(__dirname, '../..');
    const result = await build({
      entryPoints: [join(root, 'clients/token-access/index.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      external: ['@aws-sdk/*'],
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: root,
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => relative(root, resolve(root, p)));
    expect(inputs.sort()).toEqual(['clients/token-access/contract.ts', 'clients/token-access/index.ts']);
  });

  it('waits the answer’s retryAfterSeconds plus at most 10 %, else equal jitter doubling from the base', () => {
    expect(retryDelayMs(1, 2, 500, () => 0)).toBe(2_000);
    expect(retryDelayMs(1, 2, 500, () => 1)).toBe(2_200);
    expect(retryDelayMs(1, undefined, 500, () => 0)).toBe(250);
    expect(retryDelayMs(3, undefined, 500, () => 1)).toBe(2_000);
  });
});
