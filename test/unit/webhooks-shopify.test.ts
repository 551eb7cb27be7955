// Shopify webhook scheme: HMAC over the exact bytes, topic mapping, shop from the signed body.
import { shopifyWebhookHmac, shopifyWebhooks } from '../../lambda/webhooks/shopify';
import type { WebhookRequest } from '../../lambda/webhooks/types';

const SECRET = 'shpss_0123456789abcdef0123456789abcdef';
const NOW = Date.parse('2026-11-25T12:00:00Z');

function request(
  body: object | string,
  topic: string,
  extra: Record<string, string> = {},
  secret = SECRET,
): WebhookRequest {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return {
    raw,
    headers: {
      'x-shopify-hmac-sha256': shopifyWebhookHmac(raw, secret),
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': 'header-shop.myshopify.com',
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      ...extra,
    },
  };
}

describe('shopify webhook verification', () => {
  it('accepts the HMAC of the exact body with the client secret', () => {
    expect(shopifyWebhooks.verify(request({ id: 1 }, 'app/uninstalled'), SECRET, NOW)).toBe(true);
  });

  it('refuses another secret, a changed byte, a missing or malformed header, an empty secret', () => {
    const valid = request({ id: 1, myshopify_domain: 'a.myshopify.com' }, 'app/uninstalled');
    expect(shopifyWebhooks.verify(valid, 'shpss_other', NOW)).toBe(false);
    const tampered = { ...valid, raw: Buffer.from(valid.raw.toString().replace('a.my', 'b.my')) };
    expect(shopifyWebhooks.verify(tampered, SECRET, NOW)).toBe(false);
    const without = Object.fromEntries(
      Object.entries(valid.headers).filter(([name]) => name !== 'x-shopify-hmac-sha256'),
    );
    expect(shopifyWebhooks.verify({ ...valid, headers: without }, SECRET, NOW)).toBe(false);
    expect(
      shopifyWebhooks.verify(
        { ...valid, headers: { ...valid.headers, 'x-shopify-hmac-sha256': 'not base64!' } },
        SECRET,
        NOW,
      ),
    ).toBe(false);
    // The hex form of the right digest is not what Shopify sends.
    const hex = Buffer.from(valid.headers['x-shopify-hmac-sha256'], 'base64').toString('hex');
    expect(
      shopifyWebhooks.verify(
        { ...valid, headers: { ...valid.headers, 'x-shopify-hmac-sha256': hex } },
        SECRET,
        NOW,
      ),
    ).toBe(false);
    expect(shopifyWebhooks.verify(valid, '', NOW)).toBe(false);
  });

  it('verifies bytes, not parsed JSON: whitespace changes break the signature', () => {
    const valid = request('{"id":1}', 'app/uninstalled');
    expect(shopifyWebhooks.verify({ ...valid, raw: Buffer.from('{"id": 1}') }, SECRET, NOW)).toBe(false);
  });
});

describe('shopify webhook topics', () => {
  it('maps app/uninstalled to a disconnect of the shop named in the signed body', () => {
    const delivery = shopifyWebhooks.interpret(
      request({ id: 1, myshopify_domain: 'body-shop.myshopify.com' }, 'app/uninstalled', {
        'x-shopify-triggered-at': '2026-11-25T11:59:00Z',
      }),
      { now: NOW },
    );
    expect(delivery).toEqual({
      id: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      topic: 'app/uninstalled',
      action: {
        kind: 'disconnect',
        externalKeys: ['shopify#shop=body-shop.myshopify.com'],
        occurredAt: Date.parse('2026-11-25T11:59:00Z'),
        reason: expect.stringContaining('uninstalled'),
      },
    });
  });

  it('falls back to the header shop and to now when the body and trigger time say nothing', () => {
    const delivery = shopifyWebhooks.interpret(request({ id: 1 }, 'app/uninstalled'), { now: NOW });
    expect(delivery.action).toMatchObject({
      kind: 'disconnect',
      externalKeys: ['shopify#shop=header-shop.myshopify.com'],
      occurredAt: NOW,
    });
  });

  it('maps shop/redact to a redact and the customer topics to events with ids only', () => {
    expect(
      shopifyWebhooks.interpret(request({ shop_id: 9, shop_domain: 's.myshopify.com' }, 'shop/redact'), {
        now: NOW,
      }).action,
    ).toEqual({
      kind: 'redact',
      externalKeys: ['shopify#shop=s.myshopify.com'],
      occurredAt: NOW,
      shop: 's.myshopify.com',
    });
    const dataRequest = shopifyWebhooks.interpret(
      request(
        {
          shop_domain: 's.myshopify.com',
          customer: { id: 191167, email: 'john@example.com', phone: '555-625-1199' },
          orders_requested: [299938, 280263],
          data_request: { id: 9999 },
        },
        'customers/data_request',
      ),
      { now: NOW },
    ).action;
    expect(dataRequest).toMatchObject({
      kind: 'notify',
      detailType: 'customerDataRequested',
      detail: {
        shop: 's.myshopify.com',
        customerId: '191167',
        ordersRequested: ['299938', '280263'],
        dataRequestId: '9999',
      },
    });
    expect(JSON.stringify(dataRequest)).not.toContain('john@example.com');
    const redact = shopifyWebhooks.interpret(
      request(
        { shop_domain: 's.myshopify.com', customer: { id: 191167 }, orders_to_redact: [299938] },
        'customers/redact',
      ),
      { now: NOW },
    ).action;
    expect(redact).toMatchObject({
      kind: 'notify',
      detailType: 'customerRedactRequested',
      detail: { customerId: '191167', ordersToRedact: ['299938'] },
    });
  });

  it('ignores other topics, bodies that are not objects, and shops that are not *.myshopify.com', () => {
    expect(shopifyWebhooks.interpret(request({ id: 1 }, 'orders/create'), { now: NOW }).action.kind).toBe(
      'ignore',
    );
    expect(shopifyWebhooks.interpret(request('[1,2]', 'app/uninstalled'), { now: NOW }).action.kind).toBe(
      'ignore',
    );
    expect(
      shopifyWebhooks.interpret(
        request({ myshopify_domain: 'evil.example.com' }, 'app/uninstalled', {
          'x-shopify-shop-domain': 'x',
        }),
        { now: NOW },
      ).action.kind,
    ).toBe('ignore');
  });

  it('uses a hash of the body as the delivery id when the header is missing or odd', () => {
    const headers = Object.fromEntries(
      Object.entries(request({ id: 1 }, 'app/uninstalled').headers).filter(
        ([name]) => name !== 'x-shopify-webhook-id',
      ),
    );
    const a = shopifyWebhooks.interpret({ raw: Buffer.from('{"id":1}'), headers }, { now: NOW });
    const b = shopifyWebhooks.interpret({ raw: Buffer.from('{"id":1}'), headers }, { now: NOW });
    expect(a.id).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(a.id).toBe(b.id);
    const odd = shopifyWebhooks.interpret(
      { raw: Buffer.from('{}'), headers: { ...headers, 'x-shopify-webhook-id': 'a/b#c' } },
      { now: NOW },
    );
    expect(odd.id).toMatch(/^sha256-/);
  });
});
