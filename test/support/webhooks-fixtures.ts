// Shared setup of the webhook integration tests: AWS stand-ins, seeded connections on DynamoDB Local, HTTP events.
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { unmarshall, marshall } from '@aws-sdk/util-dynamodb';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { localClient } from '../../scripts/local/dynamo-local';
import { startAwsStandins, type AwsStandins } from '../../scripts/local/aws-standins';
import { PROVIDERS } from '../../lambda/providers/registry';
import type { ProviderId } from '../../lambda/providers/types';
import { tokenDocument } from '../../lambda/oauth/token-document';
import {
  connectionItem,
  sourceItem,
  type ActivityItem,
  type ConnectionItem,
  type SourceItem,
} from '../../lambda/records/shapes';
import { TEST_SECRET_PREFIX } from './constants';
import { seedTokens, stored } from './vault';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import { httpEvent } from './events';

import { tableName as table } from './dynamo';

export { table };
export const uid = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

export interface World {
  aws: AwsStandins;
  sm: SecretsManagerClient;
  handler: (event: HttpEvent) => Promise<HttpResult>;
  stop(): Promise<void>;
}

/**
 * Starts the stand-ins, stores the given secrets under the test prefix, sets the handler environment and
 * imports the webhooks handler (it reads env and creates clients at import).
 */
export async function startWorld(
  secrets: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-webhooks-'));
  const aws = await startAwsStandins(dir);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws.endpoint;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = aws.endpoint;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  Object.assign(process.env, extraEnv);
  const sm = new SecretsManagerClient({
    endpoint: aws.endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  for (const [key, value] of Object.entries(secrets)) {
    await sm.send(new CreateSecretCommand({ Name: `${TEST_SECRET_PREFIX}/${key}`, SecretString: value }));
  }
  const { handler } = await import('../../lambda/handlers/webhooks');
  return {
    aws,
    sm,
    handler,
    stop: async () => {
      // The SDK keeps connections alive: close them so the server (and jest's worker) can stop.
      aws.server.closeAllConnections();
      await aws.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ddb = () => localClient(process.env.TEST_DYNAMO_ENDPOINT as string);

export interface Seeded {
  accountId: string;
  sourceId: string;
  secretName: string;
  connection: ConnectionItem;
}

/** A connected source: source + connection items (records/shapes builders) and its tokens in the vault. */
export async function seedConnection(
  _world: World,
  provider: ProviderId,
  externalAccount: Record<string, string>,
  options: { status?: ConnectionItem['status']; updatedAt?: string; accountId?: string } = {},
): Promise<Seeded> {
  const entry = PROVIDERS[provider];
  const accountId = options.accountId ?? uid('acc');
  const sourceId = uid('src');
  const userId = uid('usr');
  const secretName = `sources/${accountId}/${sourceId}/oauth-tokens`;
  const now = Date.now() - 60_000;
  const document = tokenDocument(
    provider,
    {
      accessToken: `at-${uid('x')}`,
      refreshToken: `rt-${uid('x')}`,
      tokenType: 'bearer',
      scopes: [...entry.scopes],
      expiresAt: now + 3_600_000,
      fields: {},
    },
    externalAccount,
    now,
    provider === 'shopify' ? externalAccount.shop : undefined,
  );
  const source = sourceItem(entry, accountId, sourceId, userId, document, secretName, now);
  const connection = {
    ...connectionItem(
      entry,
      { accountId, sourceId, connectedBy: userId, createdAt: new Date(now).toISOString() },
      document,
      secretName,
      now,
    ),
    ...(options.status ? { status: options.status } : {}),
    ...(options.updatedAt ? { updatedAt: options.updatedAt } : {}),
  };
  const client = ddb();
  await client.send(
    new PutItemCommand({
      TableName: table('sources'),
      Item: marshall(source, { removeUndefinedValues: true }),
    }),
  );
  await client.send(
    new PutItemCommand({
      TableName: table('platform-connections'),
      Item: marshall(connection, { removeUndefinedValues: true }),
    }),
  );
  await seedTokens({ accountId, sourceId }, document);
  return { accountId, sourceId, secretName, connection };
}

export async function readConnection(s: {
  accountId: string;
  sourceId: string;
}): Promise<ConnectionItem | undefined> {
  const out = await ddb().send(
    new GetItemCommand({
      TableName: table('platform-connections'),
      Key: marshall({ accountId: s.accountId, sourceId: s.sourceId }),
      ConsistentRead: true,
    }),
  );
  return out.Item ? (unmarshall(out.Item) as ConnectionItem) : undefined;
}

export async function readSource(s: {
  accountId: string;
  sourceId: string;
}): Promise<SourceItem | undefined> {
  const out = await ddb().send(
    new GetItemCommand({
      TableName: table('sources'),
      Key: marshall({ accountId: s.accountId, sourceId: s.sourceId }),
      ConsistentRead: true,
    }),
  );
  return out.Item ? (unmarshall(out.Item) as SourceItem) : undefined;
}

export async function activities(accountId: string): Promise<ActivityItem[]> {
  const out = await ddb().send(
    new QueryCommand({
      TableName: table('activity'),
      KeyConditionExpression: 'accountId = :a',
      ExpressionAttributeValues: marshall({ ':a': accountId }),
    }),
  );
  return (out.Items ?? []).map((i) => unmarshall(i) as ActivityItem);
}

/** True when the source's tokens are gone from the vault (removed or erased: unreadable). */
export async function tokensRemoved(s: { accountId: string; sourceId: string }): Promise<boolean> {
  return (await stored(s)).removed;
}

/** Events published for an account (parsed details). */
export function eventsFor(
  world: World,
  accountId: string,
): { type: string; detail: Record<string, unknown> }[] {
  return world.aws
    .events()
    .map((e) => ({
      type: e.DetailType ?? '',
      detail: JSON.parse(e.Detail ?? '{}') as Record<string, unknown>,
    }))
    .filter((e) => e.detail.accountId === accountId);
}

/** An HTTP API (payload v2) request to the webhook route, its body as the provider sent it. */
export function webhookEvent(
  provider: string,
  raw: Buffer,
  headers: Record<string, string>,
  base64 = false,
): HttpEvent {
  return httpEvent({
    method: 'POST',
    path: `/integrations/webhooks/${provider}`,
    routeKey: 'POST /integrations/webhooks/{provider}',
    headers: { 'content-type': 'application/json', ...headers },
    pathParameters: { provider },
    isBase64Encoded: base64,
    body: base64 ? raw.toString('base64') : raw.toString('utf8'),
  });
}
