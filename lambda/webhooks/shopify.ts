// Shopify webhooks: base64 HMAC-SHA256 of the raw body with the app's client secret; app/uninstalled and the compliance topics.
import { createHmac } from 'node:crypto';
import { isShopDomain } from '../oauth/shop';
import { externalKeyOf } from '../providers/external-key';
import { deliveryId, equalBytes, identifier, jsonObject, timeOr } from './common';
import type { Delivery, InterpretContext, WebhookAction, WebhookRequest, WebhookScheme } from './types';

/** The base64 value Shopify sends in X-Shopify-Hmac-Sha256 for `raw` (also used by the sample script and tests). */
export function shopifyWebhookHmac(raw: Buffer, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(raw).digest('base64');
}

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

function signature(request: WebhookRequest): string | undefined {
  const given = request.headers['x-shopify-hmac-sha256'];
  return typeof given === 'string' && BASE64_SHA256.test(given) ? given : undefined;
}

function verify(request: WebhookRequest, clientSecret: string): boolean {
  const given = signature(request);
  if (!given || !clientSecret) return false;
  const expected = createHmac('sha256', clientSecret).update(request.raw).digest();
  return equalBytes(expected, Buffer.from(given, 'base64'));
}

const list = (value: unknown): string[] =>
  Array.isArray(value)
    ? value
        .map(identifier)
        .filter((v): v is string => v !== undefined)
        .slice(0, 1000)
    : [];

function action(
  topic: string,
  body: Record<string, unknown>,
  headers: WebhookRequest['headers'],
  now: number,
): WebhookAction {
  // The body is signed, the headers are not: the shop comes from the body where the payload carries it.
  const shopFromBody = topic === 'app/uninstalled' ? body.myshopify_domain : body.shop_domain;
  const shop = typeof shopFromBody === 'string' ? shopFromBody : headers['x-shopify-shop-domain'];
  if (!isShopDomain(shop)) return { kind: 'ignore', reason: 'no valid shop domain in the delivery' };
  const externalKeys = [externalKeyOf('shopify', 'shop', shop)];
  const occurredAt = timeOr(headers['x-shopify-triggered-at'], now);
  const customer =
    body.customer && typeof body.customer === 'object' ? (body.customer as Record<string, unknown>) : {};
  switch (topic) {
    case 'app/uninstalled':
      return {
        kind: 'disconnect',
        externalKeys,
        occurredAt,
        reason: 'The app was uninstalled from the Shopify store',
      };
    case 'shop/redact':
      return { kind: 'redact', externalKeys, occurredAt, shop };
    case 'customers/data_request': {
      const dataRequest =
        body.data_request && typeof body.data_request === 'object'
          ? (body.data_request as Record<string, unknown>)
          : {};
      return {
        kind: 'notify',
        externalKeys,
        detailType: 'customerDataRequested',
        message:
          'Shopify forwarded a customer data request (customers/data_request) for the services holding backups',
        detail: {
          shop,
          customerId: identifier(customer.id),
          ordersRequested: list(body.orders_requested),
          dataRequestId: identifier(dataRequest.id),
        },
      };
    }
    case 'customers/redact':
      return {
        kind: 'notify',
        externalKeys,
        detailType: 'customerRedactRequested',
        message:
          'Shopify forwarded a customer erasure request (customers/redact) for the services holding backups',
        detail: { shop, customerId: identifier(customer.id), ordersToRedact: list(body.orders_to_redact) },
      };
    default:
      return { kind: 'ignore', reason: 'topic not handled' };
  }
}

function interpret(request: WebhookRequest, context: InterpretContext): Delivery {
  const topic = request.headers['x-shopify-topic'] ?? '';
  const id = deliveryId(request.headers['x-shopify-webhook-id'], request.raw);
  const body = jsonObject(request.raw);
  if (!body) return { id, topic, action: { kind: 'ignore', reason: 'body is not a JSON object' } };
  return { id, topic, action: action(topic, body, request.headers, context.now) };
}

export const shopifyWebhooks: WebhookScheme = {
  provider: 'shopify',
  docs: [
    'https://shopify.dev/docs/apps/build/webhooks/verify-deliveries',
    'https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance',
    'https://shopify.dev/docs/apps/build/security/app-security-checks/missing-compliance-webhooks',
    'https://shopify.dev/changelog/apps-now-need-to-use-gdpr-webhooks',
  ],
  key: { source: 'client-secret' },
  signed: (request) => signature(request) !== undefined,
  verify: (request, key) => verify(request, key),
  interpret,
};
