// The sample-delivery script as a child process: it reads the secrets of the data dir it is given.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shopifyWebhookHmac } from '../../lambda/webhooks/shopify';

const ROOT = join(__dirname, '..', '..');
let elsewhere: string;
let dataDir: string;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    join(ROOT, 'node_modules', '.bin', 'tsx'),
    [join(ROOT, 'scripts', 'sign-webhook.ts'), ...args],
    // Run from a folder without a .local, so only --data-dir can lead the script to the secrets.
    { cwd: elsewhere, env: { PATH: process.env.PATH, HOME: elsewhere }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(() => {
  elsewhere = mkdtempSync(join(tmpdir(), 'sign-webhook-cwd-'));
  dataDir = mkdtempSync(join(tmpdir(), 'sign-webhook-data-'));
  mkdirSync(join(dataDir, 'aws'));
  writeFileSync(
    join(dataDir, 'aws', 'secrets.json'),
    JSON.stringify({
      'app/oauth/shopify/client_secret': {
        name: 'app/oauth/shopify/client_secret',
        versions: [{ id: 'v1', value: 'shpss_datadirsecret', createdAt: 0, stages: ['AWSCURRENT'] }],
      },
    }),
  );
});
afterAll(() => {
  rmSync(elsewhere, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

it('signs with the secret of the --data-dir it is given', async () => {
  const out = await run([
    'shopify',
    'app/uninstalled',
    '--shop',
    'x.myshopify.com',
    '--data-dir',
    dataDir,
    '--print',
  ]);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  const request = JSON.parse(out.stdout) as { headers: Record<string, string>; body: unknown };
  expect(request.headers['x-shopify-hmac-sha256']).toBe(
    shopifyWebhookHmac(Buffer.from(JSON.stringify(request.body)), 'shpss_datadirsecret'),
  );
});

it('names the data dir it looked in when its secrets are missing', async () => {
  const out = await run([
    'shopify',
    'app/uninstalled',
    '--shop',
    'x.myshopify.com',
    '--data-dir',
    elsewhere,
    '--print',
  ]);
  expect(out.code).toBe(1);
  expect(out.stderr).toContain(join(elsewhere, 'aws', 'secrets.json'));
});
