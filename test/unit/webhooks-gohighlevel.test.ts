// HighLevel webhook scheme: Ed25519 X-GHL-Signature over the raw body, only our app's AppUninstall.
import { generateKeyPairSync, sign } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { HIGHLEVEL_WEBHOOK_PUBLIC_KEY, gohighlevelWebhooks } from '../../lambda/webhooks/gohighlevel';
import type { WebhookRequest } from '../../lambda/webhooks/types';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const pair = generateKeyPairSync('ed25519');
const PUBLIC = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const other = generateKeyPairSync('ed25519');
const APP = '0123456789abcdef01234567';

function request(
  body: object | string,
  key = pair.privateKey,
  extra: Record<string, string> = {},
): WebhookRequest {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { raw, headers: { 'x-ghl-signature': sign(null, raw, key).toString('base64'), ...extra } };
}

describe("HighLevel's published key", () => {
  it('is the Ed25519 SPKI key of the Webhook Integration Guide', () => {
    const key = createPublicKey(HIGHLEVEL_WEBHOOK_PUBLIC_KEY);
    expect(key.asymmetricKeyType).toBe('ed25519');
    expect(key.export({ type: 'spki', format: 'der' }).toString('base64')).toBe(
      'MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=',
    );
    expect(gohighlevelWebhooks.docs).toContain(
      'https://marketplace.gohighlevel.com/docs/webhook/WebhookIntegrationGuide',
    );
  });

  it('refuses a delivery signed by any other key', () => {
    expect(
      gohighlevelWebhooks.verify(request({ type: 'UNINSTALL' }), HIGHLEVEL_WEBHOOK_PUBLIC_KEY, NOW),
    ).toBe(false);
  });
});

describe('highlevel webhook verification', () => {
  it('accepts an Ed25519 signature of the exact body', () => {
    expect(gohighlevelWebhooks.verify(request({ type: 'UNINSTALL' }), PUBLIC, NOW)).toBe(true);
  });

  it('refuses another key, a tampered body, a missing header and the retired X-WH-Signature', () => {
    expect(gohighlevelWebhooks.verify(request({ type: 'UNINSTALL' }, other.privateKey), PUBLIC, NOW)).toBe(
      false,
    );
    const valid = request({ type: 'UNINSTALL', locationId: 'a' });
    expect(
      gohighlevelWebhooks.verify(
        { ...valid, raw: Buffer.from(JSON.stringify({ type: 'UNINSTALL', locationId: 'b' })) },
        PUBLIC,
        NOW,
      ),
    ).toBe(false);
    expect(
      gohighlevelWebhooks.verify(
        { ...valid, headers: { 'x-wh-signature': valid.headers['x-ghl-signature'] } },
        PUBLIC,
        NOW,
      ),
    ).toBe(false);
  });

  it('refuses when the configured key is not an Ed25519 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(gohighlevelWebhooks.verify(request({ type: 'UNINSTALL' }), rsa, NOW)).toBe(false);
    expect(gohighlevelWebhooks.verify(request({ type: 'UNINSTALL' }), 'not a pem', NOW)).toBe(false);
  });

  it('derives our app id from the client id as the official SDK does', () => {
    expect(gohighlevelWebhooks.appIdFromClientId?.(`${APP}-abcd1234`)).toBe(APP);
  });
});

describe('highlevel AppUninstall', () => {
  const ctx = { now: NOW, appId: APP };

  it('disconnects the location of a location-level uninstall, with webhookId as the delivery id', () => {
    expect(
      gohighlevelWebhooks.interpret(
        request({ type: 'UNINSTALL', appId: APP, locationId: 'loc123', webhookId: 'wh-1' }),
        ctx,
      ),
    ).toEqual({
      id: 'wh-1',
      topic: 'UNINSTALL',
      action: {
        kind: 'disconnect',
        externalKeys: ['gohighlevel#locationId=loc123'],
        occurredAt: NOW,
        reason: expect.any(String),
      },
    });
  });

  it('disconnects company-keyed connections of an agency-level uninstall', () => {
    const delivery = gohighlevelWebhooks.interpret(
      request({ type: 'UNINSTALL', appId: APP, companyId: 'comp9', timestamp: '2026-11-25T11:00:00Z' }),
      ctx,
    );
    expect(delivery.action).toMatchObject({
      kind: 'disconnect',
      externalKeys: ['gohighlevel#companyId=comp9'],
      occurredAt: Date.parse('2026-11-25T11:00:00Z'),
    });
    expect(delivery.id).toMatch(/^sha256-/);
  });

  it("ignores another app's uninstall, other types, and uninstalls naming nothing", () => {
    expect(
      gohighlevelWebhooks.interpret(
        request({ type: 'UNINSTALL', appId: 'someoneelse', locationId: 'loc123' }),
        ctx,
      ).action.kind,
    ).toBe('ignore');
    expect(
      gohighlevelWebhooks.interpret(request({ type: 'UNINSTALL', appId: APP, locationId: 'loc123' }), {
        now: NOW,
      }).action.kind,
    ).toBe('ignore');
    expect(
      gohighlevelWebhooks.interpret(request({ type: 'INSTALL', appId: APP, locationId: 'loc123' }), ctx)
        .action.kind,
    ).toBe('ignore');
    expect(gohighlevelWebhooks.interpret(request({ type: 'UNINSTALL', appId: APP }), ctx).action.kind).toBe(
      'ignore',
    );
    expect(
      gohighlevelWebhooks.interpret(request({ type: 'UNINSTALL', appId: APP, locationId: 'a/b' }), ctx).action
        .kind,
    ).toBe('ignore');
  });
});
