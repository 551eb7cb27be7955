// The handlers' credential provider (swapped for the SDK default chain in the bundles): environment, container
// endpoint on loopback, caching until near expiry, and the error when there are none.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REFRESH_WINDOW_MS, defaultProvider } from '../../lambda/store/aws-credentials';

const NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
];
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
const clear = () => NAMES.forEach((n) => delete process.env[n]);
afterEach(() => {
  clear();
  for (const [n, value] of Object.entries(saved)) if (value !== undefined) process.env[n] = value;
});

let server: Server;
let endpoint: string;
const requests: { url?: string; authorization?: string }[] = [];
let expiresInMs = 60 * 60 * 1000;
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url, authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        AccessKeyId: `ASIA${requests.length}`,
        SecretAccessKey: 'container-secret',
        Token: 'container-token',
        Expiration: new Date(Date.now() + expiresInMs).toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/role-credentials`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests.length = 0;
  expiresInMs = 60 * 60 * 1000;
  clear();
});

it('answers the execution role credentials Lambda puts in the environment, session token included', async () => {
  process.env.AWS_ACCESS_KEY_ID = 'ASIAENV';
  process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
  process.env.AWS_SESSION_TOKEN = 'env-token';
  const provider = defaultProvider();
  await expect(provider()).resolves.toMatchObject({
    accessKeyId: 'ASIAENV',
    secretAccessKey: 'env-secret',
    sessionToken: 'env-token',
  });
  // Kept for the container's life: they carry no expiry.
  process.env.AWS_ACCESS_KEY_ID = 'ASIACHANGED';
  await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIAENV' });
  expect(requests).toEqual([]);
});

it('falls back to the container endpoint, sends its token, and shares one lookup between concurrent calls', async () => {
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'container-auth';
  const provider = defaultProvider();
  const answers = await Promise.all([provider(), provider(), provider()]);
  expect(requests).toEqual([{ url: '/role-credentials', authorization: 'container-auth' }]);
  for (const answer of answers)
    expect(answer).toMatchObject({
      accessKeyId: 'ASIA1',
      secretAccessKey: 'container-secret',
      sessionToken: 'container-token',
      expiration: expect.any(Date),
    });
  await provider();
  expect(requests).toHaveLength(1);
});

it('fetches again when the credentials it holds are within five minutes of expiring', async () => {
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint;
  expiresInMs = REFRESH_WINDOW_MS - 1000;
  const provider = defaultProvider();
  await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIA1' });
  expiresInMs = 60 * 60 * 1000;
  await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIA2' });
  await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIA2' });
  expect(requests).toHaveLength(2);
});

it('says where it looked when there are no credentials, and looks again on the next call', async () => {
  const provider = defaultProvider();
  await expect(provider()).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
  process.env.AWS_ACCESS_KEY_ID = 'ASIALATE';
  process.env.AWS_SECRET_ACCESS_KEY = 'late-secret';
  await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIALATE' });
});
