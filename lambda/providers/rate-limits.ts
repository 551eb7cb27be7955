// How each provider expresses its rate limit (headers, units, scope), each fact checked against the pages in `docs`.
import type { ProviderId, RateLimitFormat } from './types';

export const RATE_LIMITS: Readonly<Record<ProviderId, RateLimitFormat>> = {
  google: {
    // Drive: quota units per minute per project and per user per project; 403 userRateLimitExceeded or
    // 429, answered with exponential backoff. No rate-limit headers are documented.
    scope: 'per Google Cloud project, and per user per project (quota units per minute)',
    windows: [],
    retryAfter: false,
    note: 'no headers: report retryAfterSeconds from the job’s own exponential backoff',
    docs: ['https://developers.google.com/workspace/drive/api/guides/limits'],
  },
  hubspot: {
    // OAuth calls carry the interval headers; the daily ones are left out because OAuth has no daily limit.
    scope: 'per app per HubSpot account (portal), requests per interval (10 s)',
    windows: [
      {
        remaining: 'x-hubspot-ratelimit-remaining',
        limit: 'x-hubspot-ratelimit-max',
        reset: { header: 'x-hubspot-ratelimit-interval-milliseconds', unit: 'window-ms' },
      },
    ],
    retryAfter: false,
    docs: [
      'https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines',
      'https://developers.hubspot.com/changelog/rate-limit-headers-will-now-appear-for-oauth-authenticated-calls',
    ],
  },
  gohighlevel: {
    scope: 'per Marketplace app per location (sub-account) or company: 100 per 10 s burst, 200,000 a day',
    windows: [
      {
        remaining: 'x-ratelimit-remaining',
        limit: 'x-ratelimit-max',
        reset: { header: 'x-ratelimit-interval-milliseconds', unit: 'window-ms' },
      },
      { remaining: 'x-ratelimit-daily-remaining', limit: 'x-ratelimit-limit-daily' },
    ],
    retryAfter: false,
    docs: ['https://marketplace.gohighlevel.com/docs/other/rate-limits'],
  },
  dropbox: {
    scope: 'per linked user (per team for team-linked apps); limits are not published',
    windows: [],
    retryAfter: true,
    docs: [
      'https://developers.dropbox.com/dbx-performance-guide',
      'https://www.dropbox.com/developers/reference/data-ingress-guide',
    ],
  },
  box: {
    scope: 'per user: about 1,000 API calls a minute (uploads 240, searches 60)',
    windows: [],
    retryAfter: true,
    docs: ['https://developer.box.com/guides/api-calls/permissions-and-errors/rate-limits/'],
  },
  quickbooks: {
    // No rate-limit headers; on 429 Intuit asks to wait 60 seconds before retrying.
    scope: 'per realm ID: 500 requests a minute, 10 a second per realm and app',
    windows: [],
    retryAfter: false,
    defaultRetryAfterSeconds: 60,
    docs: ['https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles'],
  },
  shopify: {
    scope: 'per app per shop (leaky bucket; REST requests, GraphQL calculated query cost)',
    windows: [{ usedOfLimit: 'x-shopify-shop-api-call-limit' }],
    retryAfter: true,
    note: 'GraphQL: report extensions.cost.throttleStatus as numbers (currentlyAvailable as remaining, maximumAvailable as limit)',
    docs: [
      'https://shopify.dev/docs/api/admin-rest/usage/rate-limits',
      'https://shopify.dev/docs/api/usage/limits',
    ],
  },
  keap: {
    // OAuth client: 1,500 a minute and 150,000 a day; the daily quota's expiry is epoch ms.
    scope: 'per OAuth client (key/secret pair) across all Keap apps, and per Keap app (tenant)',
    windows: [
      { remaining: 'x-keap-product-throttle-available', limit: 'x-keap-product-throttle-limit' },
      {
        remaining: 'x-keap-product-quota-available',
        limit: 'x-keap-product-quota-limit',
        reset: { header: 'x-keap-product-quota-expiry-time', unit: 'epoch-ms' },
      },
      { remaining: 'x-keap-tenant-throttle-available', limit: 'x-keap-tenant-throttle-limit' },
    ],
    retryAfter: false,
    docs: ['https://developer.infusionsoft.com/api-token-quota-and-usage-measurements/'],
  },
  stripe: {
    scope: 'per Stripe account: 100 operations a second in live mode, 25 in a sandbox',
    windows: [],
    retryAfter: false,
    note: 'no headers: report retryAfterSeconds from the job’s own backoff',
    docs: ['https://docs.stripe.com/rate-limits'],
  },
};
