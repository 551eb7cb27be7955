// `npm start`: the whole service on this machine — bundles, DynamoDB Local, moto's KMS, AWS stand-ins, the local
// authorization server, and the HTTP front with the connect page. Ctrl-C stops everything it started.
//
// Two origins, as in production: the connect page (playing appUrl) on PORT (default 3000) and the API (playing
// apiUrl) on API_PORT (default PORT + 1), so every call of the page goes through a real CORS preflight.
// LOCAL_PREFLIGHT (own-routes | core-api, default own-routes) plays the stage setting cors.preflight.
//
// Environment: LOCAL_DATA_DIR (default .local); LOCAL_BUILD_DIR (default .local/build). A dependency is started only when
// its endpoint is not given: AWS_ENDPOINT_URL_DYNAMODB (else DynamoDB Local), AWS_ENDPOINT_URL_SECRETS_MANAGER
// (else the file-backed stand-ins), AWS_ENDPOINT_URL_KMS (else moto_server; TOKEN_KEY_ID else the stage's key there),
// PROVIDER_ENDPOINT_OVERRIDES (else the local authorization server).
// `.credentials.local.json` (git-ignored) points providers at their real endpoints: see docs/local-run.md.
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROVIDER_IDS, type ProviderId } from '../lambda/providers/registry';
import { toItem, fromItem } from './local/items';
import { physicalTableName } from '../lambda/store/tables';
import {
  seedClientCredentials,
  seedSecrets,
  startAuthServer,
  type AuthServer,
  type ClientCredentials,
} from './local/auth-server-client';
import { startAwsStandins, type AwsStandins } from './local/aws-standins';
import { WEBHOOKS } from '../lambda/webhooks/registry';
import { signingSecretKeys } from '../lambda/webhooks/secrets';
import { localHighLevelKey, localSigningSecret } from './local/webhook-keys';
import { devToken } from './local/authorizer';
import { bundleHandlers } from './local/bundle';
import { createTables, localClient, startDynamoLocal, type DynamoLocal } from './local/dynamo-local';
import { ensureTokenKey, startKmsLocal, type KmsLocal } from './local/kms-local';
import { startLocalServer, type LambdaHandler, type LocalServer } from './local/server';
import { showMetricsReadably } from './local/metrics-console';

const ROOT = resolve(__dirname, '..');

/** The two development users of the connect page (the second plays the attacker in the account-linking demo). */
export const DEV_USERS = [
  { userId: 'dev-alice', accountId: 'acct-alice', name: 'Alice' },
  { userId: 'dev-mallory', accountId: 'acct-mallory', name: 'Mallory' },
] as const;

function readLocalCredentials(): Partial<Record<ProviderId, ClientCredentials>> {
  const file = join(ROOT, '.credentials.local.json');
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, ClientCredentials>;
  const out: Partial<Record<ProviderId, ClientCredentials>> = {};
  for (const [id, creds] of Object.entries(parsed)) {
    if (!(PROVIDER_IDS as readonly string[]).includes(id))
      throw new Error(`.credentials.local.json: unknown provider ${id}`);
    if (typeof creds?.clientId !== 'string' || typeof creds?.clientSecret !== 'string') {
      throw new Error(`.credentials.local.json: ${id} needs "clientId" and "clientSecret"`);
    }
    out[id as ProviderId] = { clientId: creds.clientId, clientSecret: creds.clientSecret };
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const appPort = Number(process.env.PORT ?? 3000);
  const apiPort = Number(process.env.API_PORT ?? appPort + 1);
  const dataDir = resolve(process.env.LOCAL_DATA_DIR ?? join(ROOT, '.local'));
  const appUrl = `http://localhost:${appPort}`;
  const apiUrl = `http://localhost:${apiPort}`;
  const preflight = process.env.LOCAL_PREFLIGHT ?? 'own-routes';
  if (preflight !== 'own-routes' && preflight !== 'core-api')
    throw new Error(`LOCAL_PREFLIGHT must be own-routes or core-api, not ${preflight}`);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  let dynamoLocal: DynamoLocal | undefined;
  let kmsLocal: KmsLocal | undefined;
  let aws: AwsStandins | undefined;
  let auth: AuthServer | undefined;
  let front: LocalServer | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const step of [
      () => front?.close(),
      () => auth?.stop(),
      () => aws?.stop(),
      () => dynamoLocal?.stop(),
      () => kmsLocal?.stop(),
    ]) {
      await Promise.resolve(step()).catch((error) =>
        process.stderr.write(`stop: ${(error as Error).message}\n`),
      );
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // A failure nothing caught still stops what was started (children also stop on their own if this process is killed).
  const crash = (error: unknown) => {
    process.stderr.write(`npm start: unexpected failure: ${(error as Error)?.stack ?? error}\n`);
    void stop(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  try {
    const buildDir = resolve(process.env.LOCAL_BUILD_DIR ?? join(ROOT, '.local', 'build'));
    const bundles = await bundleHandlers(buildDir);
    say(`bundles: ${bundles.map((b) => `${b.name}${b.built ? '' : ' (reused)'}`).join(', ')}`);

    const env = process.env;
    env.STAGE ??= 'local';
    env.TABLE_PREFIX ??= 'local';
    env.EVENT_BUS_NAME ??= 'listbackup-local';
    env.API_URL ??= apiUrl;
    env.APP_URL ??= appUrl;
    env.CORS_ALLOWED_ORIGINS ??= JSON.stringify([new URL(env.APP_URL).origin]);
    env.CLIENT_SECRET_PREFIX ??= 'app/oauth';
    env.CLIENT_CREDENTIALS_MAX_AGE_SECONDS ??= '5';
    // The local Stripe samples (npm run webhook:sample) are test-mode events, as on the dev stage.
    env.STRIPE_MODE ??= 'test';
    env.AWS_REGION ??= 'us-west-2';
    env.AWS_ACCESS_KEY_ID ??= 'local';
    env.AWS_SECRET_ACCESS_KEY ??= 'local';
    env.AWS_EC2_METADATA_DISABLED = 'true';
    // Each bundle carries its own SDK copy and would print the SDK's Node 20 reminder once per handler;
    // the deployed functions run Node 24, so the reminder says nothing about them.
    env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

    if (!env.AWS_ENDPOINT_URL_DYNAMODB) {
      dynamoLocal = await startDynamoLocal();
      env.AWS_ENDPOINT_URL_DYNAMODB = dynamoLocal.endpoint;
    }
    await createTables(env.AWS_ENDPOINT_URL_DYNAMODB, env.TABLE_PREFIX);
    // Tokens are sealed with KMS data keys, as on a deployed stage (dynamodb-kms unless TOKEN_VAULT says otherwise).
    if (!env.AWS_ENDPOINT_URL_KMS) {
      kmsLocal = await startKmsLocal();
      env.AWS_ENDPOINT_URL_KMS = kmsLocal.endpoint;
    }
    env.TOKEN_KEY_ID ??= await ensureTokenKey(env.AWS_ENDPOINT_URL_KMS, env.STAGE);
    const db = localClient(env.AWS_ENDPOINT_URL_DYNAMODB);
    for (const user of DEV_USERS) {
      await db.send(
        new PutItemCommand({
          TableName: physicalTableName(env.TABLE_PREFIX, 'users'),
          Item: toItem({ userId: user.userId, name: user.name }),
        }),
      );
      await db.send(
        new PutItemCommand({
          TableName: physicalTableName(env.TABLE_PREFIX, 'accounts'),
          Item: toItem({ accountId: user.accountId, name: `${user.name}'s account` }),
        }),
      );
      await db.send(
        new PutItemCommand({
          TableName: physicalTableName(env.TABLE_PREFIX, 'user-accounts'),
          Item: toItem({ userId: user.userId, accountId: user.accountId, role: 'owner', status: 'active' }),
        }),
      );
    }

    if (!env.AWS_ENDPOINT_URL_SECRETS_MANAGER) {
      aws = await startAwsStandins(join(dataDir, 'aws'), {
        onEvent: (e) => say(`event published: ${e.DetailType} ${e.Detail}`),
      });
      env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws.endpoint;
      env.AWS_ENDPOINT_URL_EVENTBRIDGE ??= aws.endpoint;
    }

    const real = readLocalCredentials();
    if (!env.PROVIDER_ENDPOINT_OVERRIDES) {
      const local = PROVIDER_IDS.filter((id) => !real[id]);
      auth = await startAuthServer({ apiUrl: env.API_URL, providers: local });
      env.PROVIDER_ENDPOINT_OVERRIDES = JSON.stringify(auth.overrides);
      await seedClientCredentials(auth.credentials, env.CLIENT_SECRET_PREFIX);
    }
    if (Object.keys(real).length) await seedClientCredentials(real, env.CLIENT_SECRET_PREFIX);
    // Webhooks: the schemes' endpoint signing secrets (Stripe's) in the stand-in, and a local HighLevel key the
    // front trusts.
    if (aws) {
      const held = aws.secrets();
      const missing = signingSecretKeys(Object.values(WEBHOOKS))
        .map((key) => `${env.CLIENT_SECRET_PREFIX}/${key}`)
        .filter((name) => !held[name]);
      if (missing.length)
        await seedSecrets(Object.fromEntries(missing.map((n) => [n, localSigningSecret()])));
    }
    env.WEBHOOK_PUBLIC_KEYS ??= JSON.stringify({ gohighlevel: localHighLevelKey(dataDir).publicKeyPem });

    // Each request's metrics appear under its log lines as `metric <name> <value> <dimensions>`.
    showMetricsReadably();
    const handlers: Record<string, LambdaHandler> = {};
    for (const bundle of bundles)
      handlers[bundle.name] = (
        (await import(pathToFileURL(bundle.file).href)) as { handler: LambdaHandler }
      ).handler;

    front = await startLocalServer({
      port: apiPort,
      appPort,
      preflight,
      allowedOrigins: JSON.parse(env.CORS_ALLOWED_ORIGINS) as string[],
      handlers,
      pageDir: join(__dirname, 'local', 'connect-page'),
      log: (line) => say(`http: ${line}`),
      localRoutes: {
        sources: async (caller) => {
          const out = await db.send(
            new QueryCommand({
              TableName: physicalTableName(env.TABLE_PREFIX as string, 'sources'),
              KeyConditionExpression: 'accountId = :a',
              ExpressionAttributeValues: toItem({ ':a': caller.accountId }),
            }),
          );
          return (out.Items ?? []).map((item) => {
            const s = fromItem<Record<string, unknown>>(item) as Record<string, unknown>;
            return {
              sourceId: s.sourceId,
              provider: s.provider,
              name: s.name,
              status: s.status,
              updatedAt: s.updatedAt,
            };
          });
        },
      },
    });

    const rel = (p: string) => relative(process.cwd(), p) || '.';
    say('');
    say(`ListBackup integrations running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    say(`  connect page:   ${front.appUrl}/ (the app's origin)`);
    say(`  API base URL:   ${front.apiUrl}/integrations (another origin; preflights: ${preflight})`);
    say(
      `  authorization:  ${auth ? `${auth.issuer} (oidc-provider; sign in with any user name)` : 'given by PROVIDER_ENDPOINT_OVERRIDES'}`,
    );
    if (Object.keys(real).length)
      say(`  real providers: ${Object.keys(real).join(', ')} (from .credentials.local.json)`);
    say(
      `  DynamoDB:       ${env.AWS_ENDPOINT_URL_DYNAMODB}${dynamoLocal ? ' (DynamoDB Local, in memory)' : ''}, tables ${env.TABLE_PREFIX}-*`,
    );
    say(
      `  token vault:    ${env.TOKEN_VAULT ?? 'dynamodb-kms'}, table ${env.TABLE_PREFIX}-oauth-tokens, KMS ${env.AWS_ENDPOINT_URL_KMS}${kmsLocal ? ' (moto_server)' : ''}`,
    );
    say(
      `  data folders:   ${rel(join(dataDir, 'aws'))} (secrets.json, events.jsonl), ${rel(buildDir)} (bundles)`,
    );
    for (const user of DEV_USERS)
      say(`  dev token (${user.name}, ${user.accountId}): ${devToken(user.userId, user.accountId)}`);
    say(
      `  try: curl -s -X POST -H "authorization: Bearer ${devToken(DEV_USERS[0].userId, DEV_USERS[0].accountId)}" ${front.apiUrl}/integrations/oauth/google/start`,
    );
    say(
      '  metrics:        printed per request as `metric <name> <value> <dimensions>` (JSON EMF lines when deployed)',
    );
    say('Press Ctrl-C to stop.');
    if (env.LOCAL_READY_JSON)
      say(JSON.stringify({ ready: true, url: front.appUrl, appUrl: front.appUrl, apiUrl: front.apiUrl }));
  } catch (error) {
    process.stderr.write(`npm start failed: ${(error as Error).stack ?? error}\n`);
    await stop(1);
  }
}

void main();
