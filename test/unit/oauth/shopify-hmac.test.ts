// Shopify's callback HMAC: the documented vector, tampering, and constant-time comparison of malformed input.
import { createHmac } from 'node:crypto';
import { shopifyCallbackHmac, verifyShopifyCallback } from '../../../lambda/oauth/shopify-hmac';

const SECRET = 'shpss_fixture_client_secret';

/** Shopify's documented algorithm, written independently: drop hmac, sort by name, join k=v with &, hex HMAC-SHA256. */
function referenceHmac(params: Record<string, string>, secret: string): string {
  const message = Object.entries(params)
    .filter(([key]) => key !== 'hmac')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}

function signed(params: Record<string, string>, secret = SECRET): Record<string, string> {
  return { ...params, hmac: referenceHmac(params, secret) };
}

const CALLBACK = {
  code: '0907a61c0c8d55e99db179b68161bc00',
  host: 'YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZml4dHVyZS1zdG9yZQ',
  shop: 'fixture-store.myshopify.com',
  state: 'kY3_state-fixture_0123456789abcdefghijklmnopq',
  timestamp: '1795608000',
};

describe('Shopify callback HMAC', () => {
  it("matches the example of Shopify's OAuth documentation", () => {
    const params = {
      code: '0907a61c0c8d55e99db179b68161bc00',
      hmac: '700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf',
      shop: 'some-shop.myshopify.com',
      state: '0.6784241404160823',
      timestamp: '1337178173',
    };
    expect(shopifyCallbackHmac(params, 'hush')).toBe(params.hmac);
    expect(verifyShopifyCallback(params, 'hush')).toBe(true);
  });

  it('equals the reference computation over unsorted input', () => {
    const params = {
      timestamp: CALLBACK.timestamp,
      shop: CALLBACK.shop,
      code: CALLBACK.code,
      state: CALLBACK.state,
    };
    expect(shopifyCallbackHmac(params, SECRET)).toBe(referenceHmac(params, SECRET));
  });

  it('accepts a correctly signed callback, also with the hex in upper case', () => {
    const params = signed(CALLBACK);
    expect(verifyShopifyCallback(params, SECRET)).toBe(true);
    expect(verifyShopifyCallback({ ...params, hmac: params.hmac.toUpperCase() }, SECRET)).toBe(true);
  });

  it.each(Object.keys(CALLBACK) as (keyof typeof CALLBACK)[])(
    'rejects a callback whose %s was changed',
    (key) => {
      const params = signed(CALLBACK);
      expect(verifyShopifyCallback({ ...params, [key]: `${params[key]}x` }, SECRET)).toBe(false);
    },
  );

  it('rejects an added or a removed parameter', () => {
    const params = signed(CALLBACK);
    expect(verifyShopifyCallback({ ...params, returnPath: '/x' }, SECRET)).toBe(false);
    const withoutHost: Record<string, string> = { ...params };
    delete withoutHost.host;
    expect(verifyShopifyCallback(withoutHost, SECRET)).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyShopifyCallback(signed(CALLBACK, 'shpss_other_secret'), SECRET)).toBe(false);
  });

  it('rejects a missing hmac', () => {
    expect(verifyShopifyCallback({ ...CALLBACK }, SECRET)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['too short', 'ab'.repeat(31)],
    ['too long', 'ab'.repeat(33)],
    ['not hex', 'zz'.repeat(32)],
    ['base64 instead of hex', Buffer.alloc(32, 1).toString('base64')],
  ])('returns false without throwing for an hmac that is %s', (_label, hmac) => {
    expect(() => verifyShopifyCallback({ ...CALLBACK, hmac }, SECRET)).not.toThrow();
    expect(verifyShopifyCallback({ ...CALLBACK, hmac }, SECRET)).toBe(false);
  });
});
