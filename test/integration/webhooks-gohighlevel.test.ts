// HighLevel deliveries end to end: Ed25519-signed AppUninstall disconnects the location's sources.
import { generateKeyPairSync, sign } from 'node:crypto';
import { DETAIL_TYPES } from '../../lambda/store/events';
import {
  activities,
  eventsFor,
  readConnection,
  readSource,
  tokensRemoved,
  seedConnection,
  startWorld,
  uid,
  webhookEvent,
  type World,
} from '../support/webhooks-fixtures';

const APP = '0123456789abcdef01234567';
const keys = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
let world: World;

beforeAll(async () => {
  world = await startWorld(
    { 'gohighlevel/client_id': `${APP}-abcd1234`, 'gohighlevel/client_secret': 'ghl-secret' },
    {
      WEBHOOK_PUBLIC_KEYS: JSON.stringify({
        gohighlevel: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      }),
    },
  );
});
afterAll(async () => world?.stop());

function delivery(
  body: Record<string, unknown>,
  options: { key?: typeof keys.privateKey; header?: string | null; name?: string; base64?: boolean } = {},
) {
  const raw = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = {};
  if (options.header !== null)
    headers[options.name ?? 'x-ghl-signature'] =
      options.header ?? sign(null, raw, options.key ?? keys.privateKey).toString('base64');
  return webhookEvent('gohighlevel', raw, headers, options.base64);
}

const uninstall = (where: Record<string, string>) => ({
  type: 'UNINSTALL',
  appId: APP,
  webhookId: uid('wh'),
  ...where,
});

it('disconnects the location: secret scheduled for deletion, records, activity, event', async () => {
  const locationId = uid('loc');
  const s = await seedConnection(world, 'gohighlevel', { locationId, companyId: 'comp1' });
  const res = await world.handler(delivery(uninstall({ locationId })));
  expect(res.statusCode).toBe(200);
  expect((await readConnection(s))?.status).toBe('disconnected');
  expect((await readSource(s))?.status).toBe('disconnected');
  expect(await tokensRemoved(s)).toBe(true);
  expect(await activities(s.accountId)).toHaveLength(1);
  expect(eventsFor(world, s.accountId).map((e) => e.type)).toEqual([DETAIL_TYPES.connectionDisconnected]);
});

it('disconnects company-keyed connections on an agency-level uninstall', async () => {
  const companyId = uid('comp');
  const s = await seedConnection(world, 'gohighlevel', { companyId });
  expect((await world.handler(delivery(uninstall({ companyId })))).statusCode).toBe(200);
  expect((await readConnection(s))?.status).toBe('disconnected');
});

it('verifies a base64-encoded body over its decoded bytes', async () => {
  const locationId = uid('loc');
  const s = await seedConnection(world, 'gohighlevel', { locationId });
  expect((await world.handler(delivery(uninstall({ locationId }), { base64: true }))).statusCode).toBe(200);
  expect((await readConnection(s))?.status).toBe('disconnected');
});

it.each([
  ['a signature by another key', { key: stranger.privateKey }],
  ['a missing signature', { header: null }],
  ['the retired X-WH-Signature header', { name: 'x-wh-signature' }],
  ['a signature that is not base64 of 64 bytes', { header: 'c2lnbmF0dXJl' }],
])('refuses %s with 401 and changes nothing', async (_label, options) => {
  const locationId = uid('loc');
  const s = await seedConnection(world, 'gohighlevel', { locationId });
  expect((await world.handler(delivery(uninstall({ locationId }), options))).statusCode).toBe(401);
  expect((await readConnection(s))?.status).toBe('active');
  expect(await tokensRemoved(s)).toBe(false);
});

it('refuses a tampered body with 401', async () => {
  const locationId = uid('loc');
  const s = await seedConnection(world, 'gohighlevel', { locationId });
  const header = sign(
    null,
    Buffer.from(JSON.stringify(uninstall({ locationId: 'elsewhere' }))),
    keys.privateKey,
  ).toString('base64');
  expect((await world.handler(delivery(uninstall({ locationId }), { header }))).statusCode).toBe(401);
  expect((await readConnection(s))?.status).toBe('active');
});

it('applies the same webhookId once', async () => {
  const locationId = uid('loc');
  const s = await seedConnection(world, 'gohighlevel', { locationId });
  const body = uninstall({ locationId });
  expect((await world.handler(delivery(body))).statusCode).toBe(200);
  expect(JSON.parse((await world.handler(delivery(body))).body as string)).toEqual({ status: 'duplicate' });
  expect(await activities(s.accountId)).toHaveLength(1);
});

it("ignores another app's uninstall (HighLevel signs every app's deliveries with one key) and unknown locations", async () => {
  const locationId = uid('loc');
  const s = await seedConnection(world, 'gohighlevel', { locationId });
  const res = await world.handler(
    delivery({ ...uninstall({ locationId }), appId: 'ffffffffffffffffffffffff' }),
  );
  expect(JSON.parse(res.body as string)).toEqual({ status: 'ignored' });
  expect((await readConnection(s))?.status).toBe('active');
  const unknown = await world.handler(delivery(uninstall({ locationId: uid('loc') })));
  expect(JSON.parse(unknown.body as string)).toEqual({ status: 'processed', changed: 0, skipped: 0 });
});

describe('without a HighLevel key in the environment', () => {
  let unkeyed: World['handler'];
  beforeAll(async () => {
    const saved = process.env.WEBHOOK_PUBLIC_KEYS;
    process.env.WEBHOOK_PUBLIC_KEYS = '{}';
    await jest.isolateModulesAsync(async () => {
      unkeyed = (await import('../../lambda/handlers/webhooks')).handler;
    });
    process.env.WEBHOOK_PUBLIC_KEYS = saved;
  });

  it.each([
    ['a missing signature', { header: null }],
    ['the retired X-WH-Signature header', { name: 'x-wh-signature' }],
    ['a signature that is not base64 of 64 bytes', { header: 'c2lnbmF0dXJl' }],
  ])('answers %s with 401, as with a key', async (_label, options) => {
    const res = await unkeyed(delivery(uninstall({ locationId: uid('loc') }), options));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body as string)).toEqual({ error: 'unauthorized' });
  });

  it('answers a well-formed signature it cannot check 503, so HighLevel retries once a key is set', async () => {
    const res = await unkeyed(delivery(uninstall({ locationId: uid('loc') })));
    expect(res.statusCode).toBe(503);
  });
});
