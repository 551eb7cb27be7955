// Starts the local service for tests: in-process (handler modules + stand-ins + auth server) or as `npm start`'s child.
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../scripts/local/dynamo-local';
import { startAwsStandins, type AwsStandins } from '../../scripts/local/aws-standins';
import { devToken } from '../../scripts/local/authorizer';
import type { ProviderId } from '../../lambda/providers/types';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import { toItem } from '../../scripts/local/items';
import { TEST_API_URL, TEST_SECRET_PREFIX, TEST_TABLE_PREFIX } from './constants';
import { closeDb, db, tableName as table } from './dynamo';
import { httpEvent as buildEvent } from './events';
import {
  consentOverHttp,
  seedClientCredentials,
  startAuthServer,
  type AuthServer,
  type AuthServerOptions,
} from './auth-server';

export type Handler = (event: HttpEvent) => Promise<HttpResult>;

export interface Caller {
  userId: string;
  accountId: string;
}

/** A unique id for this test run (files run in parallel against one DynamoDB Local). */
export function uniqueId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export { db, getItem, itemsOf, tableName as table } from './dynamo';

/** A user with a membership in each given account (the core service's user-accounts table). */
export async function seedMember(userId: string, ...accountIds: string[]): Promise<void> {
  for (const accountId of accountIds) {
    await db().send(
      new PutItemCommand({
        TableName: table('user-accounts'),
        Item: toItem({ userId, accountId, role: 'owner', status: 'active' }),
      }),
    );
  }
}

/** Moves the expiry of a state or completion into the past (the TTL deletion would come later anyway). */
export async function expireStateItem(key: string): Promise<void> {
  await db().send(
    new UpdateItemCommand({
      TableName: table('oauth-states'),
      Key: toItem({ state: key }),
      UpdateExpression: 'SET expiresAt = :past',
      ConditionExpression: 'attribute_exists(#s)',
      ExpressionAttributeNames: { '#s': 'state' },
      ExpressionAttributeValues: toItem({ ':past': Date.now() - 1000 }),
    }),
  );
}

/** An API Gateway HTTP API (payload v2) event as the route and the core authorizer would produce it (JSON). */
export function httpEvent(options: {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  routeKey: string;
  pathParameters?: Record<string, string>;
  query?: URLSearchParams;
  body?: unknown;
  caller?: Caller;
}): HttpEvent {
  return buildEvent({ ...options, headers: { 'content-type': 'application/json' } });
}

export interface FlowHarness {
  auth: AuthServer;
  aws: AwsStandins;
  start: Handler;
  callback: Handler;
  complete: Handler;
  /** POST /integrations/oauth/{provider}/start */
  startFlow(
    provider: ProviderId,
    caller: Caller | undefined,
    body?: Record<string, unknown>,
  ): Promise<HttpResult>;
  /** GET /integrations/oauth/callback/{provider} with the query of `url` (what the provider redirected to). */
  callbackWith(provider: ProviderId, url: URL | URLSearchParams): Promise<HttpResult>;
  /** POST /integrations/oauth/{provider}/complete */
  confirm(
    provider: ProviderId,
    caller: Caller | undefined,
    completion: string,
    accountId?: string,
  ): Promise<HttpResult>;
  /** start -> consent at the authorization server -> callback: the callback's redirect into the app. */
  authorize(
    provider: ProviderId,
    caller: Caller,
    options?: {
      login?: string;
      shop?: string;
      sourceId?: string;
      accountId?: string;
      decision?: 'allow' | 'deny';
    },
  ): Promise<{ callbackUrl: URL; appRedirect: URL }>;
  /** The whole journey, confirmed by the caller: the complete handler's JSON answer. */
  connect(
    provider: ProviderId,
    caller: Caller,
    options?: { login?: string; shop?: string; sourceId?: string; accountId?: string },
  ): Promise<{ status: string; sourceId: string; provider: string }>;
  stop(): Promise<void>;
}

/**
 * Everything an integration test needs around the real handler modules: AWS stand-ins, the local
 * authorization server, client credentials in the stand-in, the handler environment, then the handlers.
 * Call in beforeAll (before any handler import) and `stop()` in afterAll.
 */
export async function startFlowHarness(
  options: Partial<AuthServerOptions> & { logLevel?: string } = {},
): Promise<FlowHarness> {
  // Handlers log through Powertools; keep test output to errors unless a test asks for more.
  process.env.POWERTOOLS_LOG_LEVEL = options.logLevel ?? 'ERROR';
  const dir = mkdtempSync(join(tmpdir(), 'lb-flow-'));
  const aws = await startAwsStandins(dir);
  let auth: AuthServer | undefined;
  try {
    auth = await startAuthServer({ apiUrl: TEST_API_URL, ...options });
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws.endpoint;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = aws.endpoint;
    process.env.PROVIDER_ENDPOINT_OVERRIDES = JSON.stringify(auth.overrides);
    await seedClientCredentials(auth.credentials, TEST_SECRET_PREFIX, aws.endpoint);
  } catch (error) {
    await auth?.stop();
    await aws.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const start = (await import('../../lambda/handlers/oauth-start')).handler as Handler;
  const callback = (await import('../../lambda/handlers/oauth-callback')).handler as Handler;
  const complete = (await import('../../lambda/handlers/oauth-complete')).handler as Handler;
  const server = auth;

  const startFlow: FlowHarness['startFlow'] = (provider, caller, body = {}) =>
    start(
      httpEvent({
        method: 'POST',
        path: `/integrations/oauth/${provider}/start`,
        routeKey: 'POST /integrations/oauth/{provider}/start',
        pathParameters: { provider },
        body,
        caller,
      }),
    );
  const callbackWith: FlowHarness['callbackWith'] = (provider, url) =>
    callback(
      httpEvent({
        method: 'GET',
        path: `/integrations/oauth/callback/${provider}`,
        routeKey: 'GET /integrations/oauth/callback/{provider}',
        pathParameters: { provider },
        query: url instanceof URL ? url.searchParams : url,
      }),
    );
  const confirm: FlowHarness['confirm'] = (provider, caller, completion, accountId) =>
    complete(
      httpEvent({
        method: 'POST',
        path: `/integrations/oauth/${provider}/complete`,
        routeKey: 'POST /integrations/oauth/{provider}/complete',
        pathParameters: { provider },
        body: accountId ? { completion, accountId } : { completion },
        caller,
      }),
    );
  const authorize: FlowHarness['authorize'] = async (provider, caller, o = {}) => {
    const body: Record<string, unknown> = {};
    if (o.shop) body.shop = o.shop;
    if (o.sourceId) body.sourceId = o.sourceId;
    if (o.accountId) body.accountId = o.accountId;
    const started = await startFlow(provider, caller, body);
    if (started.statusCode !== 200) throw new Error(`start answered ${started.statusCode}: ${started.body}`);
    const { authorizationUrl } = JSON.parse(started.body as string) as { authorizationUrl: string };
    const callbackUrl = await consentOverHttp(authorizationUrl, {
      login: o.login,
      decision: o.decision,
      callbackPrefix: TEST_API_URL,
    });
    const result = await callbackWith(provider, callbackUrl);
    if (result.statusCode !== 302) throw new Error(`callback answered ${result.statusCode}`);
    return { callbackUrl, appRedirect: new URL(result.headers.location) };
  };
  const connect: FlowHarness['connect'] = async (provider, caller, o = {}) => {
    const { appRedirect } = await authorize(provider, caller, o);
    const completion = appRedirect.searchParams.get('completion');
    if (!completion) throw new Error(`callback redirected with ${appRedirect.searchParams.get('error')}`);
    const confirmed = await confirm(provider, caller, completion, o.accountId);
    if (confirmed.statusCode !== 200)
      throw new Error(`complete answered ${confirmed.statusCode}: ${confirmed.body}`);
    return JSON.parse(confirmed.body as string);
  };

  return {
    auth: server,
    aws,
    start,
    callback,
    complete,
    startFlow,
    callbackWith,
    confirm,
    authorize,
    connect,
    stop: async () => {
      try {
        await server.stop();
      } finally {
        // The handlers' module-scope SDK clients keep sockets open; close them so the worker can exit.
        const clients = await import('../../lambda/store/clients');
        for (const client of [clients.dynamo, clients.secrets, clients.events, clients.kms]) client.destroy();
        closeDb();
        await aws.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// ------------------------------------------------------------------------------------------------
// The whole local service (`npm start`) as a child process, for browser tests.

export interface LocalStack {
  /** The app origin (http://localhost:<port>): the connect page and the return path. */
  appUrl: string;
  /** The API origin (http://localhost:<other port>): start, callback, complete, disconnect. */
  apiUrl: string;
  auth: AuthServer;
  aws: AwsStandins;
  token(caller: Caller): string;
  /** Output lines of the child (for failure messages). */
  output(): string[];
  stop(): Promise<void>;
}

/**
 * Runs scripts/start.ts in a child process against this run's DynamoDB Local (tables under the test
 * prefix), with AWS stand-ins and an authorization server owned by the test (so it can read their state).
 */
export async function startLocalStack(options: Partial<AuthServerOptions> = {}): Promise<LocalStack> {
  const [appPort, apiPort] = [await freePort(), await freePort()];
  const appUrl = `http://localhost:${appPort}`;
  const apiUrl = `http://localhost:${apiPort}`;
  const dir = mkdtempSync(join(tmpdir(), 'lb-stack-'));
  const aws = await startAwsStandins(join(dir, 'aws'));
  let auth: AuthServer | undefined;
  let child: ChildProcess | undefined;
  const lines: string[] = [];
  const stop = async () => {
    try {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        process.kill(-(child.pid as number), 'SIGTERM');
        const timer = setTimeout(() => {
          try {
            process.kill(-(child?.pid as number), 'SIGKILL');
          } catch {
            // already gone
          }
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
    } finally {
      await auth?.stop();
      await aws.stop();
      closeDb();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    auth = await startAuthServer({ apiUrl, ...options });
    await seedClientCredentials(auth.credentials, TEST_SECRET_PREFIX, aws.endpoint);
    child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'scripts', 'start.ts')], {
      cwd: join(__dirname, '..', '..'),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(appPort),
        API_PORT: String(apiPort),
        LOCAL_DATA_DIR: dir,
        LOCAL_READY_JSON: '1',
        AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMO_ENDPOINT,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
        PROVIDER_ENDPOINT_OVERRIDES: JSON.stringify(auth.overrides),
        TABLE_PREFIX: TEST_TABLE_PREFIX,
        CLIENT_SECRET_PREFIX: TEST_SECRET_PREFIX,
        API_URL: apiUrl,
        APP_URL: appUrl,
        STAGE: 'local',
      },
    });
    const running = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`local stack did not start within 90 s:\n${lines.join('\n')}`)),
        90_000,
      );
      running.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`local stack exited (${code}):\n${lines.join('\n')}`));
      });
      for (const stream of [running.stdout, running.stderr]) {
        createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => {
          lines.push(line);
          if (lines.length > 20_000) lines.shift();
          if (line.startsWith('{"ready":true')) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    appUrl,
    apiUrl,
    auth,
    aws,
    token: (c) => devToken(c.userId, c.accountId),
    output: () => [...lines],
    stop,
  };
}
