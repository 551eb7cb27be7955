// The secrets and external keys of the webhook schemes, derived from the schemes and the registry's identity fields.
import { PROVIDERS, type ProviderId } from '../../lambda/providers/registry';
import { externalKey } from '../../lambda/oauth/token-document';
import { WEBHOOKS } from '../../lambda/webhooks/registry';
import { signingSecretKeys, webhookSecretKeys } from '../../lambda/webhooks/secrets';
import type { WebhookScheme } from '../../lambda/webhooks/types';
import { CLIENT_SECRET_KEYS, SIGNING_SECRET_KEYS, WEBHOOK_SECRET_KEYS } from '../../lib/client-secrets';
import { HANDLERS } from '../../lib/handler-specs';

const SCHEMES = Object.values(WEBHOOKS) as WebhookScheme[];

describe('webhook secrets', () => {
  it('are what each scheme verifies with: the client pair, the signing secret, the client id of an app id', () => {
    expect(Object.fromEntries(SCHEMES.map((s) => [s.provider, webhookSecretKeys(s)]))).toEqual({
      shopify: ['shopify/client_id', 'shopify/client_secret'],
      stripe: ['stripe/webhook_secret'],
      gohighlevel: ['gohighlevel/client_id'],
    });
  });

  it('are the webhooks function grant, and the stack holds every one of them', () => {
    expect(HANDLERS.webhooks.access.secrets).toEqual(WEBHOOK_SECRET_KEYS);
    for (const key of WEBHOOK_SECRET_KEYS) expect(CLIENT_SECRET_KEYS).toContain(key);
  });

  it('add only the signing secrets to the client pairs the stack creates', () => {
    expect(signingSecretKeys(SCHEMES)).toEqual(['stripe/webhook_secret']);
    expect(SIGNING_SECRET_KEYS).toEqual(['stripe/webhook_secret']);
    expect(CLIENT_SECRET_KEYS.filter((k) => !/\/client_(id|secret)$/.test(k))).toEqual(SIGNING_SECRET_KEYS);
  });
});

describe('external keys', () => {
  /** A sample identifier for every identity a provider with webhooks declares. */
  const account = (provider: ProviderId) =>
    Object.fromEntries(PROVIDERS[provider].identity.map((i) => [i.as, `${i.as}-value`]));

  it("of a stored connection use the first identifier of the provider's entry", () => {
    expect(externalKey('stripe', account('stripe'))).toBe('stripe#stripeAccountId=stripeAccountId-value');
    expect(externalKey('gohighlevel', account('gohighlevel'))).toBe(
      'gohighlevel#locationId=locationId-value',
    );
    expect(externalKey('box', {})).toBeUndefined();
  });
});
