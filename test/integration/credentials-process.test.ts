// The real CLI as a child process (tsx) against the file-backed Secrets Manager stand-in, values fed on stdin.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { placeholderValue, CLIENT_SECRET_KEYS } from '../../lib/client-secrets';
import { startAwsStandins, type AwsStandins } from '../../scripts/local/aws-standins';
import { clientIdFor, clientSecret, expectNoValues } from '../unit/credentials-fixtures';

const ROOT = join(__dirname, '..', '..');
let dir: string;
let aws: AwsStandins;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], stdin: string): Promise<Run> {
  const child = spawn(
    join(ROOT, 'node_modules', '.bin', 'tsx'),
    [join(ROOT, 'scripts', 'credentials', 'cli.ts'), ...args],
    {
      cwd: ROOT,
      // Only what the tool needs: no AWS_REGION (the stage's region is used), no profile files of this machine.
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
        // The tool asks STS whose credentials these are (moto's STS: account 123456789012, no stage's account).
        AWS_ENDPOINT_URL_STS: process.env.TEST_MOTO_ENDPOINT,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_CONFIG_FILE: join(dir, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-cli-'));
  aws = await startAwsStandins(join(dir, 'aws'));
  // What the deployed stack creates for stage dev: every secret with its placeholder.
  const client = new SecretsManagerClient({ region: 'us-west-2', endpoint: aws.endpoint });
  for (const key of CLIENT_SECRET_KEYS) {
    await client.send(
      new CreateSecretCommand({
        Name: `app/oauth/${key}`,
        SecretString: placeholderValue(key.split('/')[0], 'dev'),
      }),
    );
  }
  client.destroy();
});

afterAll(async () => {
  await aws.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('sets a provider from stdin and reports it present, never printing the secret', async () => {
  const id = clientIdFor('google');
  const secret = clientSecret();

  const before = await cli(['status', '--stage', 'dev'], '');
  expect(before.code).toBe(1);
  expect(before.stdout).toMatch(/google\s+app\/oauth\/google\/client_secret\s+placeholder/);

  const set = await cli(['set', 'google', '--stage', 'dev'], `${id}\n${secret}\n`);
  expect(set.stderr).toMatch(/Google credentials for stage dev are uploaded/);
  expect(set.code).toBe(0);
  expect(aws.secrets()['app/oauth/google/client_id'].versions.at(-1)?.value).toBe(id);
  expect(aws.secrets()['app/oauth/google/client_secret'].versions.at(-1)?.value).toBe(secret);

  const after = await cli(['status', '--stage', 'dev'], '');
  expect(after.code).toBe(1);
  expect(after.stdout).toMatch(/google\s+app\/oauth\/google\/client_id\s+present/);
  expect(after.stdout).toMatch(/google\s+app\/oauth\/google\/client_secret\s+present/);
  expect(after.stdout).toMatch(/hubspot\s+app\/oauth\/hubspot\/client_id\s+placeholder/);

  expectNoValues(
    [before.stdout, before.stderr, set.stdout, set.stderr, after.stdout, after.stderr],
    [secret],
  );
  expect(aws.calls()['secretsmanager.PutSecretValue']).toBe(2);
});

it('refuses a secret passed as an argument, with exit code 2 and nothing written', async () => {
  const secret = clientSecret();
  const calls = aws.calls()['secretsmanager.PutSecretValue'] ?? 0;
  const run = await cli(['set', 'box', '--stage', 'dev', '--client-secret', secret], '');
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/shell history/);
  expectNoValues([run.stdout, run.stderr], [secret]);
  expect(aws.calls()['secretsmanager.PutSecretValue'] ?? 0).toBe(calls);
});

it('reports a secret scheduled for deletion in status against the local stand-in, as against AWS', async () => {
  const client = new SecretsManagerClient({ region: 'us-west-2', endpoint: aws.endpoint });
  await client.send(
    new DeleteSecretCommand({ SecretId: 'app/oauth/keap/client_secret', RecoveryWindowInDays: 7 }),
  );
  client.destroy();
  const run = await cli(['status', '--stage', 'dev'], '');
  expect(run.stderr).not.toMatch(/failed/);
  expect(run.stdout).toMatch(/keap\s+app\/oauth\/keap\/client_secret\s+scheduled for deletion/);
});
