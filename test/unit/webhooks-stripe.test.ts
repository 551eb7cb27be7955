// Stripe webhook scheme: t=/v1= signatures with a 5-minute tolerance, deauthorization mapping.
import {
  STRIPE_TOLERANCE_SECONDS,
  stripeSignature,
  stripeSignatureHeader,
  stripeWebhooks,
} from '../../lambda/webhooks/stripe';
import type { WebhookRequest } from '../../lambda/webhooks/types';

const SECRET = 'whsec_test_0123456789abcdef';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const T = Math.floor(NOW / 1000);

const event = (over: Record<string, unknown> = {}) => ({
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  object: 'event',
  type: 'account.application.deauthorized',
  account: 'acct_1Abc',
  created: T - 10,
  livemode: false,
  data: { object: { id: 'ca_abc', object: 'application', name: 'ListBackup' } },
  ...over,
});

function request(body: object | string, header?: string): WebhookRequest {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { raw, headers: { 'stripe-signature': header ?? stripeSignatureHeader(raw, T, SECRET) } };
}

describe('stripe webhook verification', () => {
  it('accepts a fresh v1 signature of `${t}.${body}`, also next to other signatures', () => {
    expect(stripeWebhooks.verify(request(event()), SECRET, NOW)).toBe(true);
    const raw = Buffer.from(JSON.stringify(event()));
    const header = `t=${T},v1=${'0'.repeat(64)},v1=${stripeSignature(raw, T, SECRET)},v0=abc`;
    expect(stripeWebhooks.verify({ raw, headers: { 'stripe-signature': header } }, SECRET, NOW)).toBe(true);
  });

  it('refuses timestamps outside the tolerance, in either direction', () => {
    const raw = Buffer.from(JSON.stringify(event()));
    const at = (t: number) => ({
      raw,
      headers: { 'stripe-signature': stripeSignatureHeader(raw, t, SECRET) },
    });
    expect(stripeWebhooks.verify(at(T - STRIPE_TOLERANCE_SECONDS), SECRET, NOW)).toBe(true);
    expect(stripeWebhooks.verify(at(T - STRIPE_TOLERANCE_SECONDS - 1), SECRET, NOW)).toBe(false);
    expect(stripeWebhooks.verify(at(T + STRIPE_TOLERANCE_SECONDS + 1), SECRET, NOW)).toBe(false);
  });

  it('refuses a wrong secret, a tampered body, a moved timestamp, missing parts and upper-case hex', () => {
    const valid = request(event());
    expect(stripeWebhooks.verify(valid, 'whsec_other', NOW)).toBe(false);
    expect(
      stripeWebhooks.verify(
        { ...valid, raw: Buffer.from(JSON.stringify(event({ account: 'acct_2' }))) },
        SECRET,
        NOW,
      ),
    ).toBe(false);
    const sig = valid.headers['stripe-signature'].split('v1=')[1];
    expect(
      stripeWebhooks.verify(
        { ...valid, headers: { 'stripe-signature': `t=${T - 1},v1=${sig}` } },
        SECRET,
        NOW,
      ),
    ).toBe(false);
    expect(
      stripeWebhooks.verify({ ...valid, headers: { 'stripe-signature': `v1=${sig}` } }, SECRET, NOW),
    ).toBe(false);
    expect(stripeWebhooks.verify({ ...valid, headers: { 'stripe-signature': `t=${T}` } }, SECRET, NOW)).toBe(
      false,
    );
    expect(
      stripeWebhooks.verify(
        { ...valid, headers: { 'stripe-signature': `t=${T},v1=${sig.toUpperCase()}` } },
        SECRET,
        NOW,
      ),
    ).toBe(false);
    expect(stripeWebhooks.verify({ ...valid, headers: {} }, SECRET, NOW)).toBe(false);
  });
});

describe('stripe webhook events', () => {
  it('maps account.application.deauthorized to a disconnect of event.account at event.created', () => {
    expect(stripeWebhooks.interpret(request(event()), { now: NOW })).toEqual({
      id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      topic: 'account.application.deauthorized',
      action: {
        kind: 'disconnect',
        externalKeys: ['stripe#stripeAccountId=acct_1Abc'],
        occurredAt: (T - 10) * 1000,
        reason: expect.any(String),
      },
    });
  });

  it('ignores other event types and deauthorizations without a valid account', () => {
    expect(
      stripeWebhooks.interpret(request(event({ type: 'charge.succeeded' })), { now: NOW }).action,
    ).toEqual({ kind: 'ignore', reason: 'event type not handled' });
    expect(stripeWebhooks.interpret(request(event({ account: undefined })), { now: NOW }).action.kind).toBe(
      'ignore',
    );
    expect(
      stripeWebhooks.interpret(request(event({ account: 'acct_1;drop' })), { now: NOW }).action.kind,
    ).toBe('ignore');
    expect(stripeWebhooks.interpret(request('not json'), { now: NOW }).action.kind).toBe('ignore');
  });

  it("acts only on events of the stage's Stripe mode (a live Connect endpoint also gets test events)", () => {
    const interpret = (livemode: boolean, stripeMode: 'live' | 'test') =>
      stripeWebhooks.interpret(request(event({ livemode })), { now: NOW, stripeMode }).action;
    expect(interpret(false, 'live')).toEqual({
      kind: 'ignore',
      reason: 'test-mode event on a live-mode stage',
    });
    expect(interpret(true, 'test')).toEqual({
      kind: 'ignore',
      reason: 'live-mode event on a test-mode stage',
    });
    expect(interpret(true, 'live')).toMatchObject({
      kind: 'disconnect',
      externalKeys: ['stripe#stripeAccountId=acct_1Abc'],
    });
    expect(interpret(false, 'test')).toMatchObject({ kind: 'disconnect' });
  });
});
