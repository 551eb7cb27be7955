// HighLevel webhooks: Ed25519 X-GHL-Signature (base64) over the raw body with HighLevel's public key; AppUninstall.
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { externalKeyOf } from '../providers/external-key';
import { deliveryId, jsonObject, text, timeOr } from './common';
import type { Delivery, InterpretContext, WebhookRequest, WebhookScheme } from './types';

/**
 * HighLevel's Ed25519 webhook key as it publishes it in its Webhook Integration Guide
 * (https://marketplace.gohighlevel.com/docs/webhook/WebhookIntegrationGuide): the default of every stage's
 * highLevelWebhookPublicKey setting, which stays to override it if HighLevel rotates the key.
 */
export const HIGHLEVEL_WEBHOOK_PUBLIC_KEY =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=\n-----END PUBLIC KEY-----\n';

const keys = new Map<string, KeyObject | null>();

/** The Ed25519 public key of a PEM (parsed once per container), or null when it is not an Ed25519 key. */
export function ed25519PublicKey(pem: string): KeyObject | null {
  if (!keys.has(pem)) {
    let key: KeyObject | null = null;
    try {
      const parsed = createPublicKey(pem);
      key = parsed.asymmetricKeyType === 'ed25519' ? parsed : null;
    } catch {
      key = null;
    }
    keys.set(pem, key);
  }
  return keys.get(pem) ?? null;
}

const BASE64_ED25519 = /^[A-Za-z0-9+/]{86}==$/;

// Only X-GHL-Signature is accepted: the RSA X-WH-Signature was retired on 2026-07-01.
function signature(request: WebhookRequest): string | undefined {
  const given = request.headers['x-ghl-signature'];
  return typeof given === 'string' && BASE64_ED25519.test(given) ? given : undefined;
}

function verify(request: WebhookRequest, pem: string): boolean {
  const given = signature(request);
  if (!given) return false;
  const key = ed25519PublicKey(pem);
  if (!key) return false;
  try {
    return verifySignature(null, request.raw, key, Buffer.from(given, 'base64'));
  } catch {
    return false;
  }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

function interpret(request: WebhookRequest, context: InterpretContext): Delivery {
  const body = jsonObject(request.raw);
  const id = deliveryId(body?.webhookId, request.raw);
  const topic = text(body?.type, 64) ?? '';
  if (!body) return { id, topic, action: { kind: 'ignore', reason: 'body is not a JSON object' } };
  if (topic !== 'UNINSTALL')
    return { id, topic, action: { kind: 'ignore', reason: 'event type not handled' } };
  // HighLevel signs every app's deliveries with one key: only our app's uninstall concerns our connections.
  if (!context.appId || body.appId !== context.appId)
    return { id, topic, action: { kind: 'ignore', reason: 'delivery for another app' } };
  const locationId =
    typeof body.locationId === 'string' && ID.test(body.locationId) ? body.locationId : undefined;
  const companyId =
    typeof body.companyId === 'string' && ID.test(body.companyId) ? body.companyId : undefined;
  const occurredAt = timeOr(body.timestamp, context.now);
  if (locationId) {
    return {
      id,
      topic,
      action: {
        kind: 'disconnect',
        externalKeys: [externalKeyOf('gohighlevel', 'locationId', locationId)],
        occurredAt,
        reason: 'The app was uninstalled from the HighLevel location',
      },
    };
  }
  if (companyId) {
    // Agency-level uninstall: connections keyed by the company (agency tokens). Location connections of the
    // agency are keyed by location and have no index by company: see docs/webhooks.md (limitation).
    return {
      id,
      topic,
      action: {
        kind: 'disconnect',
        externalKeys: [externalKeyOf('gohighlevel', 'companyId', companyId)],
        occurredAt,
        reason: 'The app was uninstalled from the HighLevel agency',
      },
    };
  }
  return { id, topic, action: { kind: 'ignore', reason: 'uninstall names no location or company' } };
}

export const gohighlevelWebhooks: WebhookScheme = {
  provider: 'gohighlevel',
  docs: [
    'https://marketplace.gohighlevel.com/docs/webhook/WebhookIntegrationGuide',
    'https://marketplace.gohighlevel.com/docs/2021-04-15/webhook/AppUninstall.md',
    'https://marketplace.gohighlevel.com/docs/ghl/marketplace/uninstall-application/index.html',
  ],
  key: { source: 'public-key' },
  // The SDK compares the delivery's appId with CLIENT_ID.split('-')[0] (GoHighLevel/highlevel-api-sdk webhook-manager.ts).
  appIdFromClientId: (clientId) => text(clientId.split('-')[0], 64),
  signed: (request) => signature(request) !== undefined,
  verify: (request, key) => verify(request, key),
  interpret,
};
