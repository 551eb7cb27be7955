// Shopify deliveries end to end: handler -> DynamoDB Local records + Secrets Manager/EventBridge stand-ins.
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { shopifyWebhookHmac } from '../../lambda/webhooks/shopify';
import { DETAIL_TYPES } from '../../lambda/store/events';
import { markRefreshed, recordRefreshFailure } from '../../lambda/store/connections';
import {
  activities,
  eventsFor,
  readConnection,
  readSource,
  tokensRemoved,
  seedConnection,
  startWorld,
  table,
  uid,
  webhookEvent,
  type World,
} from '../support/webhooks-fixtures';
import { getItem } from '../support/dynamo';

const getTokenItem = (s: { accountId: string; sourceId: string }) =>
  getItem('oauth-tokens', { accountId: s.accountId, sourceId: s.sourceId });

const SECRET = 'shpss_webhooktest0123456789abcdef';
let world: World;

beforeAll(async () => {
  world = await startWorld({
    'shopify/client_id': '0123456789abcdef0123456789abcdef',
    'shopify/client_secret': SECRET,
  });
});
afterAll(async () => world?.stop());

const shopName = () => `${uid('shop').replace('_', '-').toLowerCase()}.myshopify.com`;

function delivery(
  topic: string,
  body: object,
  options: {
    secret?: string;
    id?: string;
    base64?: boolean;
    hmac?: string | null;
    headers?: Record<string, string>;
  } = {},
) {
  const raw = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = {
    'x-shopify-topic': topic,
    'x-shopify-shop-domain':
      (body as { shop_domain?: string; myshopify_domain?: string }).shop_domain ??
      (body as { myshopify_domain?: string }).myshopify_domain ??
      '',
    'x-shopify-webhook-id': options.id ?? randomUUID(),
    'x-shopify-triggered-at': new Date().toISOString(),
    ...options.headers,
  };
  if (options.hmac !== null)
    headers['x-shopify-hmac-sha256'] = options.hmac ?? shopifyWebhookHmac(raw, options.secret ?? SECRET);
  return webhookEvent('shopify', raw, headers, options.base64);
}

describe('app/uninstalled', () => {
  it('disconnects every connection of the shop: secret scheduled for deletion, records, activity, event', async () => {
    const shop = shopName();
    const a = await seedConnection(world, 'shopify', { shop });
    const b = await seedConnection(world, 'shopify', { shop });
    const bystander = await seedConnection(world, 'shopify', { shop: shopName() });

    const res = await world.handler(delivery('app/uninstalled', { id: 1, myshopify_domain: shop }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body as string)).toEqual({ status: 'processed', changed: 2, skipped: 0 });

    for (const s of [a, b]) {
      const connection = await readConnection(s);
      expect(connection).toMatchObject({ status: 'disconnected', lastErrorCode: 'uninstalled' });
      expect(connection?.refreshPartition).toBeUndefined();
      expect((await readSource(s))?.status).toBe('disconnected');
      expect(await tokensRemoved(s)).toBe(true);
      expect((await activities(s.accountId)).map((x) => x.type)).toEqual(['integration.disconnected']);
      expect(eventsFor(world, s.accountId)).toEqual([
        {
          type: DETAIL_TYPES.connectionDisconnected,
          detail: expect.objectContaining({
            sourceId: s.sourceId,
            provider: 'shopify',
            reason: 'uninstalled_at_provider',
          }),
        },
      ]);
    }
    expect((await readConnection(bystander))?.status).toBe('active');
    expect(await tokensRemoved(bystander)).toBe(false);
  });

  it('verifies a base64-encoded body over its decoded bytes', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const res = await world.handler(
      delivery('app/uninstalled', { myshopify_domain: shop }, { base64: true }),
    );
    expect(res.statusCode).toBe(200);
    expect((await readConnection(s))?.status).toBe('disconnected');
  });

  it('answers a repeated delivery 200 without a second effect', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const id = randomUUID();
    const first = await world.handler(delivery('app/uninstalled', { myshopify_domain: shop }, { id }));
    const again = await world.handler(delivery('app/uninstalled', { myshopify_domain: shop }, { id }));
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body as string)).toEqual({ status: 'duplicate' });
    expect(await activities(s.accountId)).toHaveLength(1);
    expect(eventsFor(world, s.accountId)).toHaveLength(1);
  });

  it('leaves a connection made after the uninstall alone (late delivery)', async () => {
    const shop = shopName();
    const s = await seedConnection(
      world,
      'shopify',
      { shop },
      { updatedAt: new Date(Date.now() + 60_000).toISOString() },
    );
    const res = await world.handler(
      delivery(
        'app/uninstalled',
        { myshopify_domain: shop },
        { headers: { 'x-shopify-triggered-at': new Date(Date.now() - 3_600_000).toISOString() } },
      ),
    );
    expect(JSON.parse(res.body as string)).toEqual({ status: 'processed', changed: 0, skipped: 1 });
    expect((await readConnection(s))?.status).toBe('active');
    expect(await tokensRemoved(s)).toBe(false);
  });

  it('disconnects a connection whose refresh failed after the uninstall (a failed refresh is not newer)', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const uninstalledAt = Date.now() - 30_000;
    await recordRefreshFailure(
      table('platform-connections'),
      s.connection,
      {
        lastErrorCode: 'temporarily_unavailable',
        failureDays: [new Date().toISOString().slice(0, 10)],
        refreshFailureCount: 1,
        refreshBackoffUntil: new Date(Date.now() + 30_000).toISOString(),
      },
      Date.now(),
    );
    const res = await world.handler(
      delivery(
        'app/uninstalled',
        { myshopify_domain: shop },
        { headers: { 'x-shopify-triggered-at': new Date(uninstalledAt).toISOString() } },
      ),
    );
    expect(JSON.parse(res.body as string)).toEqual({ status: 'processed', changed: 1, skipped: 0 });
    expect((await readConnection(s))?.status).toBe('disconnected');
    expect(await tokensRemoved(s)).toBe(true);
  });

  it('leaves a connection refreshed successfully after the uninstall alone (the shop reinstalled)', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const uninstalledAt = Date.now() - 30_000;
    await markRefreshed(
      table('platform-connections'),
      s.connection,
      { accessTokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(), scopes: s.connection.scopes },
      Date.now(),
    );
    const res = await world.handler(
      delivery(
        'app/uninstalled',
        { myshopify_domain: shop },
        { headers: { 'x-shopify-triggered-at': new Date(uninstalledAt).toISOString() } },
      ),
    );
    expect(JSON.parse(res.body as string)).toEqual({ status: 'processed', changed: 0, skipped: 1 });
    expect((await readConnection(s))?.status).toBe('active');
  });

  it('answers 200 with no effect for an unknown shop', async () => {
    const before = world.aws.events().length;
    const res = await world.handler(delivery('app/uninstalled', { myshopify_domain: shopName() }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body as string)).toEqual({ status: 'processed', changed: 0, skipped: 0 });
    expect(world.aws.events().length).toBe(before);
  });

  it.each([
    ['a wrong secret', { secret: 'shpss_wrong' }],
    ['a missing signature', { hmac: null }],
    ['a garbage signature', { hmac: 'AAAA' }],
  ])('refuses %s with 401 and changes nothing', async (_label, options) => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const res = await world.handler(delivery('app/uninstalled', { myshopify_domain: shop }, options));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body as string)).toEqual({ error: 'unauthorized' });
    expect((await readConnection(s))?.status).toBe('active');
    expect(await tokensRemoved(s)).toBe(false);
    expect(await activities(s.accountId)).toHaveLength(0);
  });

  it('refuses a tampered body (signature of another body) with 401', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const hmac = shopifyWebhookHmac(
      Buffer.from(JSON.stringify({ myshopify_domain: 'other.myshopify.com' })),
      SECRET,
    );
    const res = await world.handler(delivery('app/uninstalled', { myshopify_domain: shop }, { hmac }));
    expect(res.statusCode).toBe(401);
    expect((await readConnection(s))?.status).toBe('active');
  });

  it('answers 5xx when an effect fails, and the retry completes the work exactly once', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const id = randomUUID();
    world.aws.failNext('AWSEvents.PutEvents', 'InternalException', 5);
    const failed = await world.handler(delivery('app/uninstalled', { myshopify_domain: shop }, { id }));
    expect(failed.statusCode).toBe(500);
    // Records were written with the delivery's progress; the event is still owed.
    expect((await readConnection(s))?.status).toBe('disconnected');
    expect(eventsFor(world, s.accountId)).toHaveLength(0);
    world.aws.failNext('AWSEvents.PutEvents', 'InternalException', 0);
    const retried = await world.handler(delivery('app/uninstalled', { myshopify_domain: shop }, { id }));
    expect(retried.statusCode).toBe(200);
    expect(eventsFor(world, s.accountId)).toHaveLength(1);
    expect(await activities(s.accountId)).toHaveLength(1);
    expect(await tokensRemoved(s)).toBe(true);
  });
});

describe('mandatory compliance topics (app review)', () => {
  it.each([
    [
      'customers/data_request',
      DETAIL_TYPES.customerDataRequested,
      {
        customer: { id: 191167, email: 'john@example.com' },
        orders_requested: [299938],
        data_request: { id: 9999 },
      },
    ],
    [
      'customers/redact',
      DETAIL_TYPES.customerRedactRequested,
      { customer: { id: 191167, email: 'john@example.com' }, orders_to_redact: [299938] },
    ],
  ])('%s: 200 with a valid HMAC, activity and an event with ids only', async (topic, detailType, extra) => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const res = await world.handler(delivery(topic, { shop_id: 954889, shop_domain: shop, ...extra }));
    expect(res.statusCode).toBe(200);
    expect((await activities(s.accountId)).map((a) => a.type)).toEqual(['integration.webhook']);
    const events = eventsFor(world, s.accountId);
    expect(events).toEqual([
      {
        type: detailType,
        detail: expect.objectContaining({ shop, customerId: '191167', sourceId: s.sourceId }),
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('john@example.com');
    expect((await readConnection(s))?.status).toBe('active');
  });

  it('publishes one event for the same customers/redact delivered twice under different delivery ids', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const body = {
      shop_id: 954889,
      shop_domain: shop,
      customer: { id: 191167, email: 'john@example.com' },
      orders_to_redact: [299938, 299937],
    };
    const first = await world.handler(delivery('customers/redact', body, { id: randomUUID() }));
    expect(JSON.parse(first.body as string)).toMatchObject({ status: 'processed', changed: 1 });
    // The same request again: another delivery id, the orders listed in another order.
    const again = await world.handler(
      delivery('customers/redact', { ...body, orders_to_redact: [299937, 299938] }, { id: randomUUID() }),
    );
    expect(JSON.parse(again.body as string)).toEqual({ status: 'duplicate' });
    expect(eventsFor(world, s.accountId)).toHaveLength(1);
    expect(await activities(s.accountId)).toHaveLength(1);
    // Another customer of the same shop is another request.
    const other = await world.handler(delivery('customers/redact', { ...body, customer: { id: 5 } }));
    expect(JSON.parse(other.body as string)).toMatchObject({ status: 'processed', changed: 1 });
    expect(eventsFor(world, s.accountId)).toHaveLength(2);
  });

  it.each(['customers/data_request', 'customers/redact', 'shop/redact'])(
    '%s: 401 with an invalid HMAC',
    async (topic) => {
      const res = await world.handler(
        delivery(topic, { shop_id: 1, shop_domain: shopName() }, { secret: 'shpss_not_ours' }),
      );
      expect(res.statusCode).toBe(401);
    },
  );

  it('compliance topics for a shop we do not know answer 200', async () => {
    for (const topic of ['customers/data_request', 'customers/redact', 'shop/redact']) {
      const res = await world.handler(
        delivery(topic, { shop_id: 1, shop_domain: shopName(), customer: { id: 1 } }),
      );
      expect(res.statusCode).toBe(200);
    }
  });
});

describe('shop/redact', () => {
  it('deletes the token secret and the connection record, strips the source, records activity and the event', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    await world.handler(delivery('app/uninstalled', { myshopify_domain: shop }));
    const res = await world.handler(delivery('shop/redact', { shop_id: 954889, shop_domain: shop }));
    expect(res.statusCode).toBe(200);
    expect(await readConnection(s)).toBeUndefined();
    const source = await readSource(s);
    expect(source).toMatchObject({ status: 'disconnected', name: 'Shopify (redacted)', externalAccount: {} });
    expect(JSON.stringify(source)).not.toContain(shop);
    expect(await tokensRemoved(s)).toBe(true);
    expect((await activities(s.accountId)).map((a) => a.type).sort()).toEqual([
      'integration.disconnected',
      'integration.webhook',
    ]);
    expect(eventsFor(world, s.accountId).map((e) => e.type)).toEqual([
      DETAIL_TYPES.connectionDisconnected,
      DETAIL_TYPES.shopRedactRequested,
    ]);
  });

  it('erases an active connection (the uninstall never arrived): disconnects first, then redacts and publishes', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const id = randomUUID();
    const res = await world.handler(delivery('shop/redact', { shop_id: 1, shop_domain: shop }, { id }));
    expect(JSON.parse(res.body as string)).toEqual({ status: 'processed', changed: 1, skipped: 0 });
    expect(await readConnection(s)).toBeUndefined();
    const source = await readSource(s);
    expect(source).toMatchObject({ status: 'disconnected', name: 'Shopify (redacted)', externalAccount: {} });
    expect(JSON.stringify(source)).not.toContain(shop);
    expect(world.aws.secrets()[s.secretName]).toBeUndefined();
    expect((await activities(s.accountId)).map((a) => a.type).sort()).toEqual([
      'integration.disconnected',
      'integration.webhook',
    ]);
    const events = eventsFor(world, s.accountId);
    expect(events.map((e) => e.type)).toEqual([
      DETAIL_TYPES.connectionDisconnected,
      DETAIL_TYPES.shopRedactRequested,
    ]);
    expect(events[0].detail).toMatchObject({ sourceId: s.sourceId, reason: 'shop_redacted' });
    // Marked done only now: a repeat changes nothing.
    const again = await world.handler(delivery('shop/redact', { shop_id: 1, shop_domain: shop }, { id }));
    expect(JSON.parse(again.body as string)).toEqual({ status: 'duplicate' });
  });

  it('erases a connection whose failed refresh came after the redact was sent', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    await recordRefreshFailure(
      table('platform-connections'),
      s.connection,
      {
        lastErrorCode: 'temporarily_unavailable',
        failureDays: [],
        refreshFailureCount: 1,
        refreshBackoffUntil: new Date().toISOString(),
      },
      Date.now(),
    );
    const res = await world.handler(
      delivery(
        'shop/redact',
        { shop_id: 1, shop_domain: shop },
        { headers: { 'x-shopify-triggered-at': new Date(Date.now() - 30_000).toISOString() } },
      ),
    );
    expect(JSON.parse(res.body as string)).toEqual({ status: 'processed', changed: 1, skipped: 0 });
    expect(await readConnection(s)).toBeUndefined();
    expect(eventsFor(world, s.accountId).map((e) => e.type)).toEqual([
      DETAIL_TYPES.connectionDisconnected,
      DETAIL_TYPES.shopRedactRequested,
    ]);
  });

  it('resumes an active-connection redact whose token deletion failed, publishing each event once', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop });
    const id = randomUUID();
    // The disconnect step and the redact's records are done; the immediate token deletion (the item) fails.
    const { documents } = await import('../../lambda/store/clients');
    const realSend = documents.send.bind(documents) as (c: unknown) => Promise<unknown>;
    const spy = jest.spyOn(documents, 'send').mockImplementation((async (cmd: {
      input: { TableName?: string };
    }) => {
      if (cmd instanceof DeleteCommand && String(cmd.input.TableName).endsWith('-oauth-tokens'))
        throw Object.assign(new Error('internal'), { name: 'InternalServerError' });
      return realSend(cmd);
    }) as never);
    let first;
    try {
      first = await world.handler(delivery('shop/redact', { shop_id: 1, shop_domain: shop }, { id }));
    } finally {
      spy.mockRestore();
    }
    expect(first.statusCode).toBe(500);
    expect(await readConnection(s)).toBeUndefined();
    expect(eventsFor(world, s.accountId).map((e) => e.type)).toEqual([DETAIL_TYPES.connectionDisconnected]);
    const retried = await world.handler(delivery('shop/redact', { shop_id: 1, shop_domain: shop }, { id }));
    expect(retried.statusCode).toBe(200);
    expect(eventsFor(world, s.accountId).map((e) => e.type)).toEqual([
      DETAIL_TYPES.connectionDisconnected,
      DETAIL_TYPES.shopRedactRequested,
    ]);
    expect(await activities(s.accountId)).toHaveLength(2);
    expect(await getTokenItem(s)).toBeUndefined();
  });

  it('finishes a redact whose event failed on the retry, although the connection record is already gone', async () => {
    const shop = shopName();
    const s = await seedConnection(world, 'shopify', { shop }, { status: 'disconnected' });
    const id = randomUUID();
    world.aws.failNext('AWSEvents.PutEvents', 'InternalException', 5);
    expect(
      (await world.handler(delivery('shop/redact', { shop_id: 1, shop_domain: shop }, { id }))).statusCode,
    ).toBe(500);
    expect(await readConnection(s)).toBeUndefined();
    world.aws.failNext('AWSEvents.PutEvents', 'InternalException', 0);
    expect(
      (await world.handler(delivery('shop/redact', { shop_id: 1, shop_domain: shop }, { id }))).statusCode,
    ).toBe(200);
    expect(eventsFor(world, s.accountId).map((e) => e.type)).toEqual([DETAIL_TYPES.shopRedactRequested]);
    expect(await activities(s.accountId)).toHaveLength(1);
  });
});

describe('routing', () => {
  it('answers 404 for an unknown provider and for a provider without webhooks', async () => {
    const raw = Buffer.from('{}');
    expect((await world.handler(webhookEvent('myspace', raw, {}))).statusCode).toBe(404);
    expect((await world.handler(webhookEvent('google', raw, {}))).statusCode).toBe(404);
  });
});
