// Fuzzing the webhook endpoint: never a 5xx for bad input, never an effect without a valid signature.
import fc from 'fast-check';
import { generateKeyPairSync, sign } from 'node:crypto';
import { shopifyWebhookHmac } from '../../lambda/webhooks/shopify';
import { stripeSignatureHeader } from '../../lambda/webhooks/stripe';
import {
  activities,
  eventsFor,
  readConnection,
  tokensRemoved,
  seedConnection,
  startWorld,
  webhookEvent,
  type Seeded,
  type World,
} from '../support/webhooks-fixtures';

const SHOPIFY_SECRET = 'shpss_fuzz0123456789abcdef01234567';
const STRIPE_SECRET = 'whsec_fuzz_0123456789';
const APP = 'abcdefabcdefabcdefabcdef';
const keys = generateKeyPairSync('ed25519');
const SHOP = 'fuzz-shop-7.myshopify.com';
const ACCT = 'acct_Fuzz7';
const LOCATION = 'fuzzLocation7';

let world: World;
let seeded: Seeded[];

beforeAll(async () => {
  world = await startWorld(
    {
      'shopify/client_id': '0123456789abcdef0123456789abcdef',
      'shopify/client_secret': SHOPIFY_SECRET,
      'stripe/webhook_secret': STRIPE_SECRET,
      'gohighlevel/client_id': `${APP}-fuzz1234`,
      'gohighlevel/client_secret': 'x',
    },
    {
      WEBHOOK_PUBLIC_KEYS: JSON.stringify({
        gohighlevel: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      }),
    },
  );
  seeded = [
    await seedConnection(world, 'shopify', { shop: SHOP }),
    await seedConnection(world, 'stripe', { stripeAccountId: ACCT }),
    await seedConnection(world, 'gohighlevel', { locationId: LOCATION }),
  ];
});
afterAll(async () => world?.stop());

/** Bodies that would have an effect if they were signed, plus arbitrary text and bytes. */
const effectBody = fc.constantFrom(
  { myshopify_domain: SHOP, id: 1 },
  { shop_domain: SHOP, shop_id: 1 },
  {
    id: 'evt_fuzz',
    type: 'account.application.deauthorized',
    account: ACCT,
    created: Math.floor(Date.now() / 1000),
  },
  { type: 'UNINSTALL', appId: APP, locationId: LOCATION },
);
const body = fc.oneof(
  effectBody.map((b) => Buffer.from(JSON.stringify(b))),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)),
);
const signatureHeader = fc.constantFrom(
  'x-shopify-hmac-sha256',
  'stripe-signature',
  'x-ghl-signature',
  'x-wh-signature',
  'X-Shopify-Hmac-SHA256',
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.base64String({ maxLength: 120 }),
  fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((a) => Buffer.from(a).toString('hex'))
    .map((h) => `t=${Math.floor(Date.now() / 1000)},v1=${h}`),
  fc.uint8Array({ minLength: 32, maxLength: 64 }).map((a) => Buffer.from(a).toString('base64')),
);
const headers = fc.dictionary(
  fc.oneof(
    signatureHeader,
    fc.constantFrom('x-shopify-topic', 'x-shopify-shop-domain', 'x-shopify-webhook-id', 'content-type'),
    fc.string({ minLength: 1, maxLength: 20 }),
  ),
  headerValue,
  { maxKeys: 6 },
);
const provider = fc.constantFrom('shopify', 'stripe', 'gohighlevel', 'google', 'nope', '');

async function noEffect(): Promise<void> {
  for (const s of seeded) {
    expect((await readConnection(s))?.status).toBe('active');
    expect(await tokensRemoved(s)).toBe(false);
    expect(await activities(s.accountId)).toHaveLength(0);
    expect(eventsFor(world, s.accountId)).toHaveLength(0);
  }
}

it('answers unsigned or wrongly signed deliveries with 4xx, never 5xx, and changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(provider, body, headers, fc.boolean(), async (p, raw, h, base64) => {
      const res = await world.handler(webhookEvent(p, raw, h, base64));
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }),
    { numRuns: 300 },
  );
  await noEffect();
});

it('refuses a correctly signed delivery once any byte of its body changes', async () => {
  const signers: Record<string, (raw: Buffer) => Record<string, string>> = {
    shopify: (raw) => ({
      'x-shopify-hmac-sha256': shopifyWebhookHmac(raw, SHOPIFY_SECRET),
      'x-shopify-topic': 'app/uninstalled',
    }),
    stripe: (raw) => ({
      'stripe-signature': stripeSignatureHeader(raw, Math.floor(Date.now() / 1000), STRIPE_SECRET),
    }),
    gohighlevel: (raw) => ({ 'x-ghl-signature': sign(null, raw, keys.privateKey).toString('base64') }),
  };
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('shopify', 'stripe', 'gohighlevel'),
      effectBody,
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      async (p, b, at, flip) => {
        const raw = Buffer.from(JSON.stringify(b));
        const signed = signers[p](raw);
        const tampered = Buffer.from(raw);
        tampered[at % tampered.length] ^= flip;
        const res = await world.handler(webhookEvent(p, tampered, signed, at % 2 === 0));
        expect(res.statusCode).toBe(401);
      },
    ),
    { numRuns: 150 },
  );
  await noEffect();
});
