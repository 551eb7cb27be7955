// Shopify callback and webhook signatures, compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

function equalHex(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(givenHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(givenHex.toLowerCase(), 'hex'));
}

/**
 * The hex HMAC-SHA256 Shopify puts in `hmac` on the OAuth callback: over the other query parameters
 * sorted by name and joined as `k=v&k=v`, keyed with the client secret.
 */
export function shopifyCallbackHmac(params: Record<string, string>, clientSecret: string): string {
  const message = Object.keys(params)
    .filter((k) => k !== 'hmac' && k !== 'signature')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHmac('sha256', clientSecret).update(message).digest('hex');
}

/** True when the callback's `hmac` matches (timing-safe). */
export function verifyShopifyCallback(params: Record<string, string>, clientSecret: string): boolean {
  const given = params.hmac;
  if (typeof given !== 'string') return false;
  return equalHex(shopifyCallbackHmac(params, clientSecret), given);
}
