// Property tests: thousands of generated HTTP API events per handler never crash, never 5xx, never leak internals.
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { batchFromLookup } from '../support/secrets';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { PROVIDER_IDS } from '../../lambda/providers/registry';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import { captureOutput } from '../support/capture';
import { TEST_APP_URL } from '../support/constants';
import { closeDb } from '../support/dynamo';
import { startTokenServer, type TokenServer } from '../support/token-server';

const sm = mockClient(SecretsManagerClient);
const eb = mockClient(EventBridgeClient);
let server: TokenServer;
let handlers: Record<'start' | 'callback' | 'complete', (e: HttpEvent) => Promise<HttpResult>>;

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);

const provider = fc.oneof(
  fc.constantFrom(...PROVIDER_IDS),
  fc.string(),
  fc.constantFrom('__proto__', 'constructor', '', 'GOOGLE'),
);
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constant('%00'),
  fc.constant('a'.repeat(70_000)),
);
const dict = fc.dictionary(
  fc.oneof(fc.string(), fc.constantFrom('state', 'code', 'error', 'iss', 'hmac', 'shop', 'realmId')),
  text,
  {
    maxKeys: 6,
  },
);
const caller = fc.oneof(
  fc.constant(undefined),
  fc.record({
    lambda: fc.record({
      userId: fc.oneof(fc.string(), fc.integer()),
      accountId: fc.oneof(fc.string(), fc.constant(null)),
    }),
  }),
  fc.record({ lambda: fc.record({ userId: fc.uuid(), accountId: fc.uuid() }) }),
  fc.anything(),
);
const body = fc.oneof(
  fc.constant(undefined),
  text,
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        accountId: fc.oneof(fc.uuid(), fc.string(), fc.integer()),
        sourceId: fc.oneof(fc.uuid(), fc.string()),
        returnPath: fc.oneof(
          fc.constantFrom('//evil.example', '/\\evil', 'https://evil', '/%2F%2Fevil', '/ok', '/a\nb'),
          fc.string(),
        ),
        shop: fc.oneof(
          fc.constantFrom('a.myshopify.com', 'evil.example', 'a.myshopify.com.evil'),
          fc.string(),
        ),
        completion: fc.oneof(fc.string(), fc.base64String()),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
);
const event = fc.record({
  version: fc.constant('2.0'),
  rawPath: fc.string(),
  rawQueryString: fc.oneof(
    fc.string(),
    dict.map((d) => new URLSearchParams(d).toString()),
    fc.constant('state=a&state=b&code=x'),
  ),
  queryStringParameters: fc.oneof(fc.constant(undefined), dict),
  pathParameters: fc.oneof(fc.constant(undefined), fc.record({ provider })),
  headers: fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
  body,
  isBase64Encoded: fc.boolean(),
  requestContext: fc.record({
    authorizer: caller,
    http: fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE') }),
  }),
}) as unknown as fc.Arbitrary<HttpEvent>;

function assertWellFormed(result: HttpResult, kind: 'json' | 'redirect') {
  expect(result.statusCode).toBeLessThan(500);
  const raw = JSON.stringify(result);
  expect(raw).not.toMatch(/\bat \S+ \(|Error:|node_modules|\.ts:\d+/);
  if (kind === 'redirect') {
    expect(result.statusCode).toBe(302);
    const location = new URL(result.headers.location);
    expect(location.origin).toBe(TEST_APP_URL);
    expect(['error', 'pending']).toContain(location.searchParams.get('status'));
  } else {
    const json = JSON.parse(result.body as string);
    if (result.statusCode === 200) expect(typeof (json.authorizationUrl ?? json.status)).toBe('string');
    else expect(json).toEqual({ error: expect.any(String), message: expect.any(String) });
  }
}

beforeAll(async () => {
  server = await startTokenServer();
  process.env.PROVIDER_ENDPOINT_OVERRIDES = JSON.stringify(
    Object.fromEntries(PROVIDER_IDS.map((id) => [id, { tokenEndpoint: `${server.url}/token` }])),
  );
  server.setDefault('/token', () => ({ status: 400, body: '{"error":"invalid_grant"}' }));
  sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
    SecretString: `value-of-${input.SecretId}`,
  }));
  sm.on(BatchGetSecretValueCommand).callsFake(batchFromLookup((id) => `value-of-${id}`));
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
  handlers = {
    start: (await import('../../lambda/handlers/oauth-start')).handler,
    callback: (await import('../../lambda/handlers/oauth-callback')).handler,
    complete: (await import('../../lambda/handlers/oauth-complete')).handler,
  };
});

afterAll(async () => {
  await server.stop();
  closeDb();
});

describe.each([
  ['start', 'json'],
  ['callback', 'redirect'],
  ['complete', 'json'],
] as const)('%s handler under generated events', (name, kind) => {
  it(`answers ${RUNS} generated events without a crash, a 5xx or internals`, async () => {
    const capture = captureOutput();
    try {
      await fc.assert(
        fc.asyncProperty(event, async (e) => {
          assertWellFormed(await handlers[name](e), kind);
        }),
        { numRuns: RUNS },
      );
    } finally {
      capture.restore();
    }
  });
});

describe('generated provider token responses', () => {
  const CODES = [
    'invalid_grant',
    'credentials_rejected',
    'provider_rejected',
    'provider_unavailable',
    'invalid_token_response',
  ];
  const anyBody = fc.oneof(
    fc.jsonValue().map((v) => ({ type: 'application/json', body: JSON.stringify(v) })),
    fc
      .record(
        {
          access_token: fc.oneof(
            fc.string(),
            fc.integer(),
            fc.constant(null),
            fc.string({ minLength: 9000 }),
          ),
          token_type: fc.oneof(fc.constantFrom('bearer', 'Bearer', 'mac', ''), fc.integer()),
          refresh_token: fc.oneof(fc.string(), fc.boolean()),
          expires_in: fc.oneof(fc.integer(), fc.string(), fc.double(), fc.constant(null)),
          scope: fc.oneof(fc.string(), fc.array(fc.string()), fc.integer()),
          error: fc.oneof(fc.constantFrom('invalid_grant', 'invalid_client'), fc.string()),
        },
        { requiredKeys: [] },
      )
      .map((v) => ({ type: 'application/json', body: JSON.stringify(v) })),
    fc.string().map((t) => ({ type: 'text/html', body: `<html>${t}</html>` })),
    fc.constant({ type: 'application/json', body: '{"access_token":"' + 'a'.repeat(300_000) + '"}' }),
  );
  const status = fc.oneof(
    fc.constant(200),
    fc.constantFrom(400, 401, 403, 429, 500, 502, 503),
    fc.integer({ min: 200, max: 599 }),
  );

  it('end every callback cleanly: pending with a stored completion, or an error redirect that writes nothing', async () => {
    const { getItem } = await import('../support/dynamo');
    const { completionKey } = await import('../../lambda/oauth/seal');
    const { documents } = await import('../../lambda/store/clients');
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const send = jest.spyOn(documents, 'send');
    const capture = captureOutput();
    try {
      await fc.assert(
        fc.asyncProperty(status, anyBody, async (code, answer) => {
          const caller = { userId: `u-${Math.random().toString(36).slice(2)}`, accountId: 'acct-fuzz' };
          const started = await handlers.start({
            ...({
              pathParameters: { provider: 'dropbox' },
              body: '{}',
              requestContext: { authorizer: { lambda: caller } },
            } as unknown as HttpEvent),
          });
          const { state } = JSON.parse(started.body as string);
          server.script('/token', { status: code, contentType: answer.type, body: answer.body });
          send.mockClear();
          const result = await handlers.callback({
            pathParameters: { provider: 'dropbox' },
            rawQueryString: `state=${state}&code=c`,
            queryStringParameters: { state, code: 'c' },
            requestContext: {},
          } as unknown as HttpEvent);
          assertWellFormed(result, 'redirect');
          const location = new URL(result.headers.location);
          if (location.searchParams.get('status') === 'pending') {
            const completion = location.searchParams.get('completion') as string;
            expect(await getItem('oauth-states', { state: completionKey(completion) })).toBeDefined();
          } else {
            expect(CODES).toContain(location.searchParams.get('error'));
            // The only write the callback makes is the pending completion: none on an error outcome.
            expect(send.mock.calls.filter(([command]) => command instanceof PutCommand)).toHaveLength(0);
          }
        }),
        { numRuns: Math.min(RUNS, 300) },
      );
    } finally {
      capture.restore();
      send.mockRestore();
    }
    // 300 generated callbacks, each a real code exchange and DynamoDB round trips: ~27 s alone on this machine,
    // so the default 30 s leaves no room on a busy one.
  }, 120_000);
});
