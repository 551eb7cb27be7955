// The webhook registry: one scheme a provider that tells us about uninstalls; the others rely on the refresh path.
import type { ProviderId } from '../providers/types';
import { gohighlevelWebhooks } from './gohighlevel';
import { shopifyWebhooks } from './shopify';
import { stripeWebhooks } from './stripe';
import type { WebhookScheme } from './types';

/**
 * Providers that send signed uninstall/deauthorization deliveries. Google, HubSpot, Dropbox, Box, QuickBooks
 * and Keap send none to OAuth apps for this purpose: a revoked grant shows up as `invalid_grant` on refresh.
 * @example WEBHOOKS.shopify?.verify({ raw, headers }, clientSecret, Date.now())
 */
export const WEBHOOKS: Readonly<Partial<Record<ProviderId, WebhookScheme>>> = {
  shopify: shopifyWebhooks,
  stripe: stripeWebhooks,
  gohighlevel: gohighlevelWebhooks,
};

export function webhookScheme(provider: ProviderId): WebhookScheme | undefined {
  return WEBHOOKS[provider];
}
