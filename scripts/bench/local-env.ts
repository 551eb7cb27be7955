// The benchmark's loopback world: DynamoDB Local (+ a counting proxy), the AWS stand-ins, a token endpoint,
// client credentials for the benchmark provider, and the environment the handlers read.
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { ENV } from '../../lambda/shared/env-names';
import { startAwsStandins, type AwsStandins } from '../local/aws-standins';
import { createTables, startDynamoLocal, type DynamoLocal } from '../local/dynamo-local';
import { ensureTokenKey, startKmsLocal, type KmsLocal } from '../local/kms-local';
import { startCountingProxy, type CountingProxy } from './counting-proxy';
import { BENCH_PROVIDER } from './flow-events';
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint';

export const BENCH_TABLE_PREFIX = 'lbbench';
export const BENCH_SECRET_PREFIX = 'app/oauth';
const CLIENT_ID = '123456789012-benchbenchbenchbenchbenchbench01.apps.googleusercontent.com';
const DUMMY_AWS = { AWS_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };

export interface LocalEnv {
  dynamo: DynamoLocal;
  proxy: CountingProxy;
  /** moto_server's KMS and a counting proxy in front of it (the handlers seal tokens with the bench stage's key). */
  kms: KmsLocal;
  kmsProxy: CountingProxy;
  tokenKeyId: string;
  aws: AwsStandins;
  token: TokenEndpoint;
  /**
   * The handler environment (the variables lib/handler-environment.ts and lib/handler-function.ts set).
   * `countDynamo` routes DynamoDB through the counting proxy.
   */
  handlerEnv(countDynamo: boolean): Record<string, string>;
  /** AWS requests by X-Amz-Target so far: DynamoDB and KMS at their proxies, Secrets Manager and EventBridge at the stand-ins. */
  awsCalls(): Record<string, number>;
  stop(): Promise<void>;
}

export async function startLocalEnv(dir: string): Promise<LocalEnv> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const dynamo = await startDynamoLocal();
    stops.push(() => dynamo.stop());
    await createTables(dynamo.endpoint, BENCH_TABLE_PREFIX);
    const proxy = await startCountingProxy(dynamo.endpoint);
    stops.push(() => proxy.stop());
    const aws = await startAwsStandins(dir);
    stops.push(() => aws.stop());
    const kms = await startKmsLocal();
    stops.push(() => kms.stop());
    const kmsProxy = await startCountingProxy(kms.endpoint);
    stops.push(() => kmsProxy.stop());
    const tokenKeyId = await ensureTokenKey(kms.endpoint, 'bench');
    const token = await startTokenEndpoint(CLIENT_ID);
    stops.push(() => token.stop());

    const secrets = new SecretsManagerClient({
      endpoint: aws.endpoint,
      region: DUMMY_AWS.AWS_REGION,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    // Names as lambda/store/client-credentials.ts reads them (importing it here would build SDK clients early).
    const names = {
      clientId: `${BENCH_SECRET_PREFIX}/${BENCH_PROVIDER}/client_id`,
      clientSecret: `${BENCH_SECRET_PREFIX}/${BENCH_PROVIDER}/client_secret`,
    };
    await secrets.send(new CreateSecretCommand({ Name: names.clientId, SecretString: CLIENT_ID }));
    await secrets.send(
      new CreateSecretCommand({
        Name: names.clientSecret,
        SecretString: `GOCSPX-${randomBytes(21).toString('base64url')}`,
      }),
    );
    secrets.destroy();

    const handlerEnv = (countDynamo: boolean): Record<string, string> => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      [ENV.stage]: 'bench',
      [ENV.tablePrefix]: BENCH_TABLE_PREFIX,
      [ENV.eventBusName]: 'listbackup-bench-events',
      [ENV.apiUrl]: 'https://api.bench.listbackup.invalid',
      [ENV.appUrl]: 'https://app.bench.listbackup.invalid',
      [ENV.secretPrefix]: BENCH_SECRET_PREFIX,
      [ENV.credentialsMaxAge]: '300',
      [ENV.endpointOverrides]: JSON.stringify({
        [BENCH_PROVIDER]: { tokenEndpoint: `${token.url}/token`, revocationEndpoint: `${token.url}/revoke` },
      }),
      // As lib/handler-function.ts sets them on every function.
      POWERTOOLS_SERVICE_NAME: 'listbackup-integrations',
      LOG_LEVEL: 'INFO',
      AWS_ENDPOINT_URL_DYNAMODB: countDynamo ? proxy.endpoint : dynamo.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
      AWS_ENDPOINT_URL_KMS: kmsProxy.endpoint,
      [ENV.tokenVault]: 'dynamodb-kms',
      [ENV.tokenKeyId]: tokenKeyId,
      AWS_EC2_METADATA_DISABLED: 'true',
      // The SDK warns once per process on Node < 22 (this machine runs 20); the Lambda runtime (Node 24) never does.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...DUMMY_AWS,
    });
    return {
      dynamo,
      proxy,
      kms,
      kmsProxy,
      tokenKeyId,
      aws,
      token,
      handlerEnv,
      awsCalls: () => ({ ...proxy.counts(), ...kmsProxy.counts(), ...aws.calls() }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
