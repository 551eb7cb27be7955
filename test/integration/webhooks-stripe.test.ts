// Stripe Connect deliveries end to end: deauthorization disconnects the connected account's sources.
import { stripeSignatureHeader } from '../../lambda/webhooks/stripe';
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

const SECRET = 'whsec_integration_0123456789';
let world: World;

beforeAll(async () => {
  world = await startWorld({ 'stripe/webhook_secret': SECRET });
});
afterAll(async () => world?.stop());

const account = () => `acct_${uid('a').replace('_', '')}`;
const now = () => Math.floor(Date.now() / 1000);

function delivery(
  body: Record<string, unknown>,
  options: { secret?: string; offset?: number; header?: string | null; base64?: boolean; raw?: Buffer } = {},
) {
  const raw = options.raw ?? Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = {};
  if (options.header !== null)
    headers['stripe-signature'] =
      options.header ?? stripeSignatureHeader(raw, now() + (options.offset ?? 0), options.secret ?? SECRET);
  return webhookEvent('stripe', raw, headers, options.base64);
}

const deauthorized = (acct: string, id = `evt_${uid('e').replace('_', '')}`) => ({
  id,
  object: 'event',
  type: 'account.application.deauthorized',
  account: acct,
  created: now() - 5,
  livemode: false,
  data: { object: { id: 'ca_test', object: 'application', name: 'ListBackup' } },
});

it('disconnects the connected account: secret scheduled for deletion, records, activity, event', async () => {
  const acct = account();
  const s = await seedConnection(world, 'stripe', { stripeAccountId: acct });
  const res = await world.handler(delivery(deauthorized(acct)));
  expect(res.statusCode).toBe(200);
  expect(await readConnection(s)).toMatchObject({ status: 'disconnected' });
  expect((await readSource(s))?.status).toBe('disconnected');
  expect(await tokensRemoved(s)).toBe(true);
  expect((await activities(s.accountId)).map((a) => a.message)).toEqual([
    expect.stringContaining('revoked in the Stripe dashboard'),
  ]);
  expect(eventsFor(world, s.accountId).map((e) => e.type)).toEqual([DETAIL_TYPES.connectionDisconnected]);
});

it('verifies a base64-encoded body over its decoded bytes', async () => {
  const acct = account();
  const s = await seedConnection(world, 'stripe', { stripeAccountId: acct });
  expect((await world.handler(delivery(deauthorized(acct), { base64: true }))).statusCode).toBe(200);
  expect((await readConnection(s))?.status).toBe('disconnected');
});

it.each([
  ['a stale timestamp', { offset: -301 }],
  ['a future timestamp', { offset: 301 }],
  ['a wrong secret', { secret: 'whsec_wrong' }],
  ['a missing signature', { header: null }],
  ['a malformed signature', { header: 't=abc,v1=xyz' }],
])('refuses %s with 401 and changes nothing', async (_label, options) => {
  const acct = account();
  const s = await seedConnection(world, 'stripe', { stripeAccountId: acct });
  const res = await world.handler(delivery(deauthorized(acct), options));
  expect(res.statusCode).toBe(401);
  expect((await readConnection(s))?.status).toBe('active');
  expect(await tokensRemoved(s)).toBe(false);
  expect(eventsFor(world, s.accountId)).toHaveLength(0);
});

it('refuses a tampered body with 401', async () => {
  const acct = account();
  const s = await seedConnection(world, 'stripe', { stripeAccountId: acct });
  const header = stripeSignatureHeader(
    Buffer.from(JSON.stringify(deauthorized('acct_other'))),
    now(),
    SECRET,
  );
  expect((await world.handler(delivery(deauthorized(acct), { header }))).statusCode).toBe(401);
  expect((await readConnection(s))?.status).toBe('active');
});

it('applies the same event once, also when copies arrive at the same time', async () => {
  const acct = account();
  const s = await seedConnection(world, 'stripe', { stripeAccountId: acct });
  const event = deauthorized(acct);
  const answers = await Promise.all([world.handler(delivery(event)), world.handler(delivery(event))]);
  const later = await world.handler(delivery(event));
  // One copy processes it; a concurrent copy sees it done (200) or in flight (503: the provider retries).
  expect(answers.map((a) => a.statusCode).sort()).toEqual(expect.arrayContaining([200]));
  expect(answers.every((a) => a.statusCode === 200 || a.statusCode === 503)).toBe(true);
  expect(JSON.parse(later.body as string)).toEqual({ status: 'duplicate' });
  expect(await activities(s.accountId)).toHaveLength(1);
  expect(eventsFor(world, s.accountId)).toHaveLength(1);
});

it('answers 200 without effect for an unknown account and for other event types', async () => {
  const before = world.aws.events().length;
  expect((await world.handler(delivery(deauthorized(account())))).statusCode).toBe(200);
  const acct = account();
  const s = await seedConnection(world, 'stripe', { stripeAccountId: acct });
  const other = await world.handler(delivery({ ...deauthorized(acct), type: 'account.updated' }));
  expect(JSON.parse(other.body as string)).toEqual({ status: 'ignored' });
  expect((await readConnection(s))?.status).toBe('active');
  expect(world.aws.events().length).toBe(before);
});

it('does not disconnect a connection made after the deauthorization (late delivery)', async () => {
  const acct = account();
  const s = await seedConnection(
    world,
    'stripe',
    { stripeAccountId: acct },
    { updatedAt: new Date(Date.now() + 1000).toISOString() },
  );
  const res = await world.handler(delivery({ ...deauthorized(acct), created: now() - 3600 }));
  expect(JSON.parse(res.body as string)).toMatchObject({ changed: 0, skipped: 1 });
  expect((await readConnection(s))?.status).toBe('active');
});

it("ignores a deauthorization of the other Stripe mode: the stage's connection stays connected", async () => {
  // The test stage runs in Stripe test mode (STRIPE_MODE=test, test/support/env.ts); a live-mode event for the
  // same account id must not touch it, as a test-mode event must not touch a live stage's connection.
  const acct = account();
  const s = await seedConnection(world, 'stripe', { stripeAccountId: acct });
  const res = await world.handler(delivery({ ...deauthorized(acct), livemode: true }));
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body as string)).toEqual({ status: 'ignored' });
  expect((await readConnection(s))?.status).toBe('active');
  expect(await tokensRemoved(s)).toBe(false);
  expect(eventsFor(world, s.accountId)).toHaveLength(0);
  expect(await activities(s.accountId)).toHaveLength(0);
});
