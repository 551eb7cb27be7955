// The file-backed Secrets Manager stand-in answers deleted secrets as AWS documents it (DescribeSecret, DeleteSecret).
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsStandins, type AwsStandins } from '../../scripts/local/aws-standins';

let dir: string;
let aws: AwsStandins;
let sm: SecretsManagerClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aws-standins-'));
  aws = await startAwsStandins(dir);
  sm = new SecretsManagerClient({
    region: 'us-west-2',
    endpoint: aws.endpoint,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
});
afterAll(async () => {
  sm.destroy();
  aws.server.closeAllConnections();
  await aws.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('describes a secret scheduled for deletion with its deletion date; its value stays unreadable', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'app/oauth/x/client_secret', SecretString: 'v' }));
  const before = Date.now();
  await sm.send(new DeleteSecretCommand({ SecretId: 'app/oauth/x/client_secret', RecoveryWindowInDays: 7 }));
  const out = await sm.send(new DescribeSecretCommand({ SecretId: 'app/oauth/x/client_secret' }));
  expect(out.Name).toBe('app/oauth/x/client_secret');
  expect(out.DeletedDate).toBeInstanceOf(Date);
  const days = (out.DeletedDate!.getTime() - before) / 86_400_000;
  expect(days).toBeGreaterThan(6.99);
  expect(days).toBeLessThan(7.01);
  await expect(
    sm.send(new GetSecretValueCommand({ SecretId: 'app/oauth/x/client_secret' })),
  ).rejects.toMatchObject({ name: 'InvalidRequestException' });
});

it('deletes at once without recovery, also a scheduled or missing secret (no ResourceNotFoundException)', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'sources/a/b/oauth-tokens', SecretString: 'v' }));
  await sm.send(new DeleteSecretCommand({ SecretId: 'sources/a/b/oauth-tokens', RecoveryWindowInDays: 7 }));
  await sm.send(
    new DeleteSecretCommand({ SecretId: 'sources/a/b/oauth-tokens', ForceDeleteWithoutRecovery: true }),
  );
  expect(aws.secrets()['sources/a/b/oauth-tokens']).toBeUndefined();
  await expect(
    sm.send(new DescribeSecretCommand({ SecretId: 'sources/a/b/oauth-tokens' })),
  ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  await expect(
    sm.send(
      new DeleteSecretCommand({ SecretId: 'sources/none/oauth-tokens', ForceDeleteWithoutRecovery: true }),
    ),
  ).resolves.toMatchObject({ Name: 'sources/none/oauth-tokens' });
});
