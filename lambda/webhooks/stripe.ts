// Stripe Connect webhooks: Stripe-Signature t=/v1= (hex HMAC-SHA256 of `${t}.${raw}`, 5-minute tolerance); deauthorization.
import { createHmac } from 'node:crypto';
import { externalKeyOf } from '../providers/external-key';
import { deliveryId, equalBytes, jsonObject, text } from './common';
import type { Delivery, InterpretContext, WebhookRequest, WebhookScheme } from './types';

/** Stripe's default tolerance between the signed timestamp and our clock (its libraries use 300 s). */
export const STRIPE_TOLERANCE_SECONDS = 300;

/** The v1 signature Stripe computes for `raw` at `timestamp` (epoch seconds). */
export function stripeSignature(raw: Buffer, timestamp: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex');
}

/** A Stripe-Signature header value for `raw` (the sample script and tests sign with it). */
export function stripeSignatureHeader(raw: Buffer, timestamp: number, secret: string): string {
  return `t=${timestamp},v1=${stripeSignature(raw, timestamp, secret)}`;
}

/** The Stripe-Signature header's timestamp and v1 signatures, or undefined when it has not that shape. */
function signature(request: WebhookRequest): { timestamp: number; candidates: string[] } | undefined {
  const header = request.headers['stripe-signature'];
  if (typeof header !== 'string' || header.length > 2048) return undefined;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    // Other schemes (v0 test signatures) are ignored, as Stripe's libraries do.
    if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  return timestamp === undefined || candidates.length === 0 ? undefined : { timestamp, candidates };
}

function verify(request: WebhookRequest, secret: string, now: number): boolean {
  const signed = signature(request);
  if (!signed || !secret) return false;
  const { timestamp, candidates } = signed;
  if (Math.abs(now / 1000 - timestamp) > STRIPE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(stripeSignature(request.raw, timestamp, secret), 'hex');
  // Every candidate is compared, so timing does not reveal which one matched.
  return candidates.map((c) => equalBytes(expected, Buffer.from(c, 'hex'))).includes(true);
}

const ACCOUNT = /^acct_[A-Za-z0-9]{1,64}$/;

function interpret(request: WebhookRequest, context: InterpretContext): Delivery {
  const event = jsonObject(request.raw);
  const id = deliveryId(event?.id, request.raw);
  const topic = text(event?.type, 128) ?? '';
  if (!event) return { id, topic, action: { kind: 'ignore', reason: 'body is not a JSON object' } };
  if (topic !== 'account.application.deauthorized')
    return { id, topic, action: { kind: 'ignore', reason: 'event type not handled' } };
  // A live Connect endpoint also receives test-mode events; a test-mode deauthorization says nothing about the
  // live connection of the same account (https://support.stripe.com/questions/connect-account-webhook-configurations).
  if (
    context.stripeMode &&
    typeof event.livemode === 'boolean' &&
    event.livemode !== (context.stripeMode === 'live')
  ) {
    const mode = event.livemode ? 'live' : 'test';
    return {
      id,
      topic,
      action: { kind: 'ignore', reason: `${mode}-mode event on a ${context.stripeMode}-mode stage` },
    };
  }
  const account = event.account;
  if (typeof account !== 'string' || !ACCOUNT.test(account)) {
    return { id, topic, action: { kind: 'ignore', reason: 'deauthorization names no connected account' } };
  }
  const created =
    typeof event.created === 'number' && Number.isFinite(event.created) ? event.created * 1000 : context.now;
  return {
    id,
    topic,
    action: {
      kind: 'disconnect',
      externalKeys: [externalKeyOf('stripe', 'stripeAccountId', account)],
      occurredAt: created,
      reason: 'Access was revoked in the Stripe dashboard',
    },
  };
}

export const stripeWebhooks: WebhookScheme = {
  provider: 'stripe',
  docs: [
    'https://docs.stripe.com/webhooks#verify-manually',
    'https://docs.stripe.com/connect/webhooks',
    'https://docs.stripe.com/api/events/types#event_types-account.application.deauthorized',
    'https://support.stripe.com/questions/connect-account-webhook-configurations',
  ],
  key: {
    source: 'signing-secret',
    label: 'Stripe webhook signing secret',
    pattern: /^whsec_[A-Za-z0-9+/=]{16,128}$/,
    hint: 'starts with whsec_ followed by 16-128 characters',
    registration:
      'Stripe Dashboard > Developers > Webhooks: add an endpoint that listens to events on Connected accounts, with ' +
      'the event `account.application.deauthorized`; its "Signing secret" is the value to upload.',
  },
  signed: (request) => signature(request) !== undefined,
  verify,
  interpret,
};
