// The shared AWS SDK clients give up on a hanging endpoint within their bound, so no call outlives a refresh lease.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

let server: Server;
let endpoint: string;
const seen: string[] = [];

beforeAll(async () => {
  // Accepts every request and never answers: a stalled AWS endpoint.
  server = createServer((req) => {
    seen.push(String(req.headers['x-amz-target'] ?? req.url));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  jest.resetModules();
});

async function clientsAgainstStall() {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  // The production bound, not the test setup's longer one for emulators.
  delete process.env.LISTBACKUP_AWS_REQUEST_TIMEOUT_MS;
  return import('../../lambda/store/clients');
}

it.each(['dynamo', 'secrets', 'events'] as const)(
  'the %s client gives up on a stalled endpoint after its attempts, within AWS_CALL_MAX_MS',
  async (name) => {
    const clients = await clientsAgainstStall();
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const before = seen.length;
    const startedAt = Date.now();
    const call =
      name === 'dynamo'
        ? clients.dynamo.send(new GetItemCommand({ TableName: 't', Key: { k: { S: 'v' } } }))
        : name === 'secrets'
          ? clients.secrets.send(new GetSecretValueCommand({ SecretId: 's' }))
          : clients.events.send(
              new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }),
            );
    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    const took = Date.now() - startedAt;
    // A second of slack for a loaded test machine's timers; the bound itself is what the lease is sized by.
    expect(took).toBeLessThanOrEqual(clients.AWS_CALL_MAX_MS + 1_000);
    expect(took).toBeGreaterThanOrEqual(clients.AWS_REQUEST_TIMEOUT_MS * clients.AWS_MAX_ATTEMPTS - 50);
    expect(seen.length - before).toBe(clients.AWS_MAX_ATTEMPTS);
  },
  15_000,
);
