// Shared setup of the token-lifecycle integration tests: DynamoDB Local, the AWS stand-ins, the local
// authorization server, and a real connect flow (start -> consent over HTTP -> callback -> complete).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startAwsStandins, type AwsStandins, type PublishedEvent } from '../../scripts/local/aws-standins';
import type { ProviderId } from '../../lambda/providers/types';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import type { TokenConfig } from '../../lambda/tokens/config';
import { startAuthServer, seedClientCredentials, consentOverHttp, type AuthServer } from './auth-server';
import { captureOutput, type Capture } from './capture';
import { TEST_API_URL, TEST_SECRET_PREFIX } from './constants';
import { httpEvent } from './events';
import { stored } from './vault';

type Http = (event: HttpEvent) => Promise<HttpResult>;

export interface Caller {
  userId: string;
  accountId: string;
}

export interface TokenWorld {
  aws: AwsStandins;
  auth: AuthServer;
  config: TokenConfig;
  handlers: { start: Http; callback: Http; complete: Http; disconnect: Http };
  output: Capture;
  stop(): Promise<void>;
}

export function newCaller(): Caller {
  return { userId: `user-${randomUUID()}`, accountId: `acct-${randomUUID()}` };
}

/**
 * Starts the stand-ins and the authorization server, points the handler environment at them, then
 * imports the handlers (they read the environment at import).
 */
export async function startWorld(
  options: { rotateRefreshTokens?: boolean | 'registry' } = {},
): Promise<TokenWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-aws-'));
  const aws = await startAwsStandins(dir);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws.endpoint;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = aws.endpoint;
  const auth = await startAuthServer({
    apiUrl: TEST_API_URL,
    providers: ['box', 'quickbooks', 'dropbox', 'gohighlevel', 'google'],
    rotateRefreshTokens: options.rotateRefreshTokens ?? 'registry',
  });
  await seedClientCredentials(auth.credentials, TEST_SECRET_PREFIX, aws.endpoint);
  process.env.PROVIDER_ENDPOINT_OVERRIDES = JSON.stringify(auth.overrides);
  const [start, callback, complete, disconnect, config] = await Promise.all([
    import('../../lambda/handlers/oauth-start'),
    import('../../lambda/handlers/oauth-callback'),
    import('../../lambda/handlers/oauth-complete'),
    import('../../lambda/handlers/connection-disconnect'),
    import('../../lambda/tokens/config'),
  ]);
  const output = captureOutput();
  return {
    aws,
    auth,
    config: config.tokenConfig(),
    handlers: {
      start: start.handler,
      callback: callback.handler,
      complete: complete.handler,
      disconnect: disconnect.handler,
    },
    output,
    async stop() {
      output.restore();
      await auth.stop();
      await aws.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Connects (or, with `sourceId`, reconnects) a source through the real flow and returns its source id.
 * @example const sourceId = await connect(world, 'box', caller, { login: 'alice' })
 */
export async function connect(
  world: TokenWorld,
  provider: ProviderId,
  caller: Caller,
  options: { login: string; sourceId?: string },
): Promise<{ sourceId: string; status: string }> {
  const started = await world.handlers.start(
    httpEvent({
      method: 'POST',
      pathParameters: { provider },
      caller,
      body: options.sourceId ? { sourceId: options.sourceId } : {},
    }),
  );
  if (started.statusCode !== 200) throw new Error(`start answered ${started.statusCode}: ${started.body}`);
  const { authorizationUrl } = JSON.parse(started.body as string) as { authorizationUrl: string };
  const back = await consentOverHttp(authorizationUrl, {
    login: options.login,
    callbackPrefix: TEST_API_URL,
  });
  const redirected = await world.handlers.callback(
    httpEvent({ pathParameters: { provider }, query: Object.fromEntries(back.searchParams) }),
  );
  const app = new URL(redirected.headers.location);
  const completion = app.searchParams.get('completion');
  if (!completion)
    throw new Error(`callback did not hand out a completion: ${app.searchParams.get('error')}`);
  const done = await world.handlers.complete(
    httpEvent({ method: 'POST', pathParameters: { provider }, caller, body: { completion } }),
  );
  if (done.statusCode !== 200) throw new Error(`complete answered ${done.statusCode}: ${done.body}`);
  const body = JSON.parse(done.body as string) as { sourceId: string; status: string };
  return { sourceId: body.sourceId, status: body.status };
}

export function secretName(ref: { accountId: string; sourceId: string }): string {
  return `sources/${ref.accountId}/${ref.sourceId}/oauth-tokens`;
}

/** The current token document in the vault, the item's version, and whether the tokens were removed. */
export async function vault(_world: TokenWorld, ref: { accountId: string; sourceId: string }) {
  const s = await stored(ref);
  return { document: s.document, versions: s.version, removed: s.removed };
}

/** Events of one type for one source on the stand-in bus. */
export function eventsFor(world: TokenWorld, detailType: string, sourceId: string): PublishedEvent[] {
  return world.aws
    .events()
    .filter(
      (e) =>
        e.DetailType === detailType &&
        (JSON.parse(e.Detail ?? '{}') as { sourceId?: string }).sourceId === sourceId,
    );
}

/** Token-endpoint refresh requests the authorization server saw for a provider. */
export async function refreshRequests(world: TokenWorld, provider: ProviderId): Promise<number> {
  return (await world.auth.stats()).tokenRequests[provider]?.refresh_token ?? 0;
}

/** Sends a refresh grant straight to the authorization server (proves which refresh tokens it still accepts). */
export async function refreshDirectly(
  world: TokenWorld,
  provider: ProviderId,
  refreshToken: string,
): Promise<{ status: number; error?: string }> {
  const creds = world.auth.credentials[provider];
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: creds.clientId,
    client_secret: creds.clientSecret,
  });
  const endpoint = world.auth.overrides[provider]?.tokenEndpoint as string;
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json = (await response.json()) as { error?: string };
  return { status: response.status, error: json.error };
}
