// The provider registry's entries: one a provider, each fact checked against the page cited in `docs`.
import { defineProvider } from './define';

const HOUR = 3600;

const google = defineProvider({
  id: 'google',
  displayName: 'Google',
  docs: [
    'https://developers.google.com/identity/protocols/oauth2/web-server',
    'https://developers.google.com/identity/protocols/oauth2/scopes',
    'https://developers.google.com/identity/protocols/oauth2#expiration',
    'https://developers.google.com/identity/openid-connect/reference',
  ],
  authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenEndpoint: 'https://oauth2.googleapis.com/token',
  issuer: 'https://accounts.google.com',
  scopes: [
    'openid',
    'https://www.googleapis.com/auth/drive.readonly',
    'https://www.googleapis.com/auth/spreadsheets.readonly',
    'https://www.googleapis.com/auth/bigquery.readonly',
    'https://www.googleapis.com/auth/cloud-platform.read-only',
  ],
  authorizationParams: { access_type: 'offline', prompt: 'consent' },
  clientAuth: 'client_secret_post',
  pkce: true,
  identity: [{ from: 'id_token', field: 'sub', as: 'googleUserId' }],
  rateLimit: {
    // Drive: quota units per minute per project and per user per project; 403 userRateLimitExceeded or
    // 429, answered with exponential backoff. No rate-limit headers are documented.
    scope: 'per Google Cloud project, and per user per project (quota units per minute)',
    windows: [],
    retryAfter: false,
    note: 'no headers: report retryAfterSeconds from the job’s own exponential backoff',
    docs: ['https://developers.google.com/workspace/drive/api/guides/limits'],
  },
  tokens: {
    rotatesRefreshToken: false,
    refreshTokenIdleDays: 180,
    expiresInWhenMissing: HOUR,
  },
  revocation: {
    endpoint: 'https://oauth2.googleapis.com/revoke',
    method: 'POST',
    body: 'form',
    token: 'refresh_token',
    param: 'token',
    auth: 'none',
    // web-server guide "Revoking a token": the user's whole grant to the client goes, every token of it.
    revokes: 'grant',
  },
  // Older projects' ids have no `-<suffix>` (e.g. 812741506391.apps.googleusercontent.com in Google's own samples).
  clientIdPattern: /^[0-9]+(-[a-z0-9]+)?\.apps\.googleusercontent\.com$/,
  clientIdHint: 'ends with .apps.googleusercontent.com',
  consoleUrl: 'https://console.cloud.google.com/apis/credentials',
  registration:
    'Create an OAuth client ID of type "Web application" and add each redirect URI under "Authorized redirect URIs". ' +
    'Enable the Drive, Sheets and BigQuery APIs in the same project. Publish the consent screen ("In production"): ' +
    'while it is in "Testing", refresh tokens expire after 7 days.',
});

const hubspot = defineProvider({
  id: 'hubspot',
  displayName: 'HubSpot',
  docs: [
    'https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide',
    'https://developers.hubspot.com/docs/api-reference/2026-03/authentication/oauth-tokens/refresh-oauth-token',
    'https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens',
    'https://developers.hubspot.com/docs/api-reference/latest/authentication/oauth-tokens/revoke-token',
    'https://developers.hubspot.com/docs/api/crm/exports',
  ],
  authorizationEndpoint: 'https://app.hubspot.com/oauth/authorize',
  // v1 token endpoints shut down on 2027-02-16; the date-versioned endpoint answers like v1.
  tokenEndpoint: 'https://api.hubapi.com/oauth/2026-03/token',
  scopes: ['oauth', 'crm.export'],
  clientAuth: 'client_secret_post',
  pkce: false,
  identity: [{ from: 'token', field: 'hub_id', as: 'hubId' }],
  rateLimit: {
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
  tokens: {
    rotatesRefreshToken: false,
    expiresInWhenMissing: 30 * 60,
  },
  revocation: {
    endpoint: 'https://api.hubapi.com/oauth/2026-03/token/revoke',
    method: 'POST',
    body: 'form',
    token: 'refresh_token',
    param: 'token',
    auth: 'client_secret_post',
    // revoke-token reference: the refresh token (and its access tokens); the app stays installed.
    revokes: 'token',
  },
  clientIdPattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  clientIdHint: 'a UUID such as 5a1b2c3d-....',
  consoleUrl: 'https://developers.hubspot.com/',
  registration:
    'Create a public app; its Auth settings show the client id and client secret and take the redirect URLs and ' +
    'scopes. `crm.export` can only be granted by a Super Admin of the connecting portal.',
});

const gohighlevel = defineProvider({
  id: 'gohighlevel',
  displayName: 'GoHighLevel',
  docs: [
    'https://marketplace.gohighlevel.com/docs/oauth/Authorization',
    'https://marketplace.gohighlevel.com/docs/2023-02-21/ghl/oauth/get-access-token.md',
    'https://marketplace.gohighlevel.com/docs/Authorization/Scopes',
    'https://github.com/GoHighLevel/highlevel-api-docs/blob/main/oauth/oauth.json',
  ],
  authorizationEndpoint: 'https://marketplace.gohighlevel.com/oauth/chooselocation',
  tokenEndpoint: 'https://services.leadconnectorhq.com/oauth/token',
  scopes: ['contacts.readonly', 'campaigns.readonly', 'conversations.readonly', 'opportunities.readonly'],
  tokenParams: { user_type: 'Location' },
  tokenHeaders: { version: '2023-02-21' },
  clientAuth: 'client_secret_post',
  pkce: false,
  identity: [
    { from: 'token', field: 'locationId', as: 'locationId' },
    { from: 'token', field: 'companyId', as: 'companyId' },
  ],
  rateLimit: {
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
  tokens: {
    rotatesRefreshToken: true,
    refreshTokenIdleDays: 365,
    expiresInWhenMissing: 24 * HOUR,
  },
  clientIdPattern: /^[0-9a-f]{24}-[a-z0-9]{6,12}$/,
  clientIdHint: '<appId>-<suffix>, e.g. 0123456789abcdef01234567-abcd1234',
  consoleUrl: 'https://marketplace.gohighlevel.com/',
  registration:
    'In the Marketplace developer portal create an app (distribution: Sub-Account); under Auth add the redirect URL ' +
    'and scopes and generate a client key pair (the secret is shown once).',
});

const dropbox = defineProvider({
  id: 'dropbox',
  displayName: 'Dropbox',
  docs: [
    'https://developers.dropbox.com/oauth-guide',
    'https://dropbox.tech/developers/using-oauth-2-0-with-offline-access',
    'https://www.dropbox.com/developers/documentation/http/documentation#auth-token-revoke',
  ],
  authorizationEndpoint: 'https://www.dropbox.com/oauth2/authorize',
  tokenEndpoint: 'https://api.dropboxapi.com/oauth2/token',
  scopes: [
    'account_info.read',
    'files.metadata.read',
    'files.metadata.write',
    'files.content.read',
    'files.content.write',
    'sharing.read',
    'sharing.write',
  ],
  authorizationParams: { token_access_type: 'offline' },
  clientAuth: 'client_secret_basic',
  pkce: true,
  identity: [{ from: 'token', field: 'account_id', as: 'accountId' }],
  rateLimit: {
    scope: 'per linked user (per team for team-linked apps); limits are not published',
    windows: [],
    retryAfter: true,
    docs: [
      'https://developers.dropbox.com/dbx-performance-guide',
      'https://www.dropbox.com/developers/reference/data-ingress-guide',
    ],
  },
  tokens: {
    rotatesRefreshToken: false,
    expiresInWhenMissing: 4 * HOUR,
  },
  revocation: {
    endpoint: 'https://api.dropboxapi.com/2/auth/token/revoke',
    method: 'POST',
    body: 'none',
    token: 'access_token',
    param: 'token',
    auth: 'bearer',
    // auth/token/revoke: this access token, its refresh token and that refresh token's access tokens.
    revokes: 'token',
  },
  clientIdPattern: /^[a-z0-9]{10,20}$/,
  clientIdHint: 'the app key: 10-20 lowercase letters and digits',
  consoleUrl: 'https://www.dropbox.com/developers/apps',
  registration:
    'Create an app with Scoped access; the Settings tab shows the App key (client id) and App secret (client secret) ' +
    'and takes the redirect URIs; tick the scopes on the Permissions tab.',
});

const box = defineProvider({
  id: 'box',
  displayName: 'Box',
  docs: [
    'https://developer.box.com/reference/get-authorize/',
    'https://developer.box.com/guides/authentication/oauth2/without-sdk/',
    'https://developer.box.com/guides/authentication/tokens/refresh',
    'https://developer.box.com/guides/authentication/tokens/revoke/',
  ],
  authorizationEndpoint: 'https://account.box.com/api/oauth2/authorize',
  tokenEndpoint: 'https://api.box.com/oauth2/token',
  scopes: ['root_readwrite'],
  clientAuth: 'client_secret_post',
  pkce: false,
  identity: [],
  rateLimit: {
    scope: 'per user: about 1,000 API calls a minute (uploads 240, searches 60)',
    windows: [],
    retryAfter: true,
    docs: ['https://developer.box.com/guides/api-calls/permissions-and-errors/rate-limits/'],
  },
  tokens: {
    rotatesRefreshToken: true,
    refreshTokenIdleDays: 60,
    expiresInWhenMissing: HOUR,
  },
  revocation: {
    endpoint: 'https://api.box.com/oauth2/revoke',
    method: 'POST',
    body: 'form',
    token: 'refresh_token',
    param: 'token',
    auth: 'client_secret_post',
    // tokens/revoke guide: the token pair it names.
    revokes: 'token',
  },
  clientIdPattern: /^[a-z0-9]{32}$/,
  clientIdHint: '32 lowercase letters and digits',
  consoleUrl: 'https://app.box.com/developers/console',
  registration:
    'Create a Custom App with "User Authentication (OAuth 2.0)"; the Configuration tab shows the Client ID and ' +
    'Client Secret and takes the redirect URIs and application scopes.',
});

const quickbooks = defineProvider({
  id: 'quickbooks',
  displayName: 'QuickBooks',
  docs: [
    'https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0',
    'https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq',
    'https://github.com/IntuitDeveloper/OAuth2-Dotnet_UsingSDK/blob/master/docs/help/Tokens.md',
    // Refresh tokens now have a maximum validity of five years however often they are used.
    'https://github.com/intuit/QuickBooks-V3-Java-SDK/releases/tag/v6.5.4',
    // `openid` adds an ID token whose `realmid` claim names the company the grant is for.
    'https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/openid-connect',
  ],
  authorizationEndpoint: 'https://appcenter.intuit.com/connect/oauth2',
  tokenEndpoint: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  scopes: ['com.intuit.quickbooks.accounting', 'openid'],
  clientAuth: 'client_secret_basic',
  pkce: false,
  callbackParams: ['realmId'],
  // The callback's realmId is unsigned: it counts only when the ID token's realmid claim says the same.
  identity: [{ from: 'callback', field: 'realmId', as: 'realmId', confirmedByClaim: 'realmid' }],
  rateLimit: {
    // No rate-limit headers; on 429 Intuit asks to wait 60 seconds before retrying.
    scope: 'per realm ID: 500 requests a minute, 10 a second per realm and app',
    windows: [],
    retryAfter: false,
    defaultRetryAfterSeconds: 60,
    docs: ['https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles'],
  },
  tokens: {
    rotatesRefreshToken: true,
    refreshTokenIdleDays: 100,
    refreshTokenMaxDays: 5 * 365,
    expiresInWhenMissing: HOUR,
  },
  revocation: {
    endpoint: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
    method: 'POST',
    body: 'json',
    token: 'refresh_token',
    param: 'token',
    auth: 'client_secret_basic',
    // OAuth 2.0 guide "Revoke tokens": disconnects the app from the QuickBooks company (the realm).
    revokes: 'account',
  },
  clientIdPattern: /^AB[A-Za-z0-9]{40,60}$/,
  clientIdHint: 'starts with AB followed by about 48 letters and digits',
  consoleUrl: 'https://developer.intuit.com/app/developer/dashboard',
  registration:
    'Open your app; Keys & credentials shows Development and Production keys (use Production keys for prod) and takes ' +
    'the redirect URIs of each environment.',
});

const shopify = defineProvider({
  id: 'shopify',
  displayName: 'Shopify',
  docs: [
    'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant',
    'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens',
    'https://shopify.dev/docs/api/usage/access-scopes',
    'https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh',
    'https://shopify.dev/docs/apps/build/security/credentials-and-data/use-expiring-offline-access-tokens',
  ],
  authorizationEndpoint: 'https://{shop}/admin/oauth/authorize',
  tokenEndpoint: 'https://{shop}/admin/oauth/access_token',
  scopes: ['read_products', 'read_orders', 'read_customers', 'read_inventory'],
  scopeSeparator: ',',
  tokenParams: { expiring: '1' },
  clientAuth: 'client_secret_post',
  pkce: false,
  requiresShop: true,
  callbackChecks: ['shopify-hmac'],
  callbackParams: ['shop'],
  identity: [{ from: 'callback', field: 'shop', as: 'shop' }],
  rateLimit: {
    scope: 'per app per shop (leaky bucket; REST requests, GraphQL calculated query cost)',
    windows: [{ usedOfLimit: 'x-shopify-shop-api-call-limit' }],
    retryAfter: true,
    note: 'GraphQL: report extensions.cost.throttleStatus as numbers (currentlyAvailable as remaining, maximumAvailable as limit)',
    docs: [
      'https://shopify.dev/docs/api/admin-rest/usage/rate-limits',
      'https://shopify.dev/docs/api/usage/limits',
    ],
  },
  tokens: {
    rotatesRefreshToken: true,
    refreshTokenIdleDays: 90,
    expiresInWhenMissing: 'never',
  },
  clientIdPattern: /^[0-9a-f]{32}$/,
  clientIdHint: '32 hexadecimal characters',
  consoleUrl: 'https://partners.shopify.com/',
  registration:
    'In the app\'s configuration add the redirect URLs under "Allowed redirection URL(s)"; the Client credentials show ' +
    'the Client ID and Client secret (the same secret signs Shopify webhooks).',
});

const keap = defineProvider({
  id: 'keap',
  displayName: 'Keap',
  docs: [
    'https://developer.infusionsoft.com/authentication',
    'https://developer.infusionsoft.com/getting-started-oauth-keys',
  ],
  authorizationEndpoint: 'https://accounts.infusionsoft.com/app/oauth/authorize',
  tokenEndpoint: 'https://api.infusionsoft.com/token',
  scopes: ['full'],
  clientAuth: 'client_secret_post',
  pkce: false,
  identity: [{ from: 'token', field: 'scope', as: 'appHost', pattern: /\|([A-Za-z0-9.-]+)/ }],
  rateLimit: {
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
  tokens: {
    rotatesRefreshToken: true,
    expiresInWhenMissing: 24 * HOUR,
  },
  clientIdPattern: /^[A-Za-z0-9]{20,64}$/,
  clientIdHint: '20-64 letters and digits',
  consoleUrl: 'https://keys.developer.keap.com/',
  registration:
    'Create an app in the Keap developer portal; its key pair is the client id and client secret; register the ' +
    'redirect URI with the app.',
});

const stripe = defineProvider({
  id: 'stripe',
  displayName: 'Stripe Connect',
  docs: [
    'https://docs.stripe.com/connect/oauth-reference',
    'https://docs.stripe.com/connect/oauth-standard-accounts',
    'https://docs.stripe.com/api/events/types#event_types-account.application.deauthorized',
  ],
  authorizationEndpoint: 'https://connect.stripe.com/oauth/authorize',
  tokenEndpoint: 'https://connect.stripe.com/oauth/token',
  scopes: ['read_only'],
  clientAuth: 'client_secret_post',
  pkce: false,
  identity: [{ from: 'token', field: 'stripe_user_id', as: 'stripeAccountId' }],
  rateLimit: {
    scope: 'per Stripe account: 100 operations a second in live mode, 25 in a sandbox',
    windows: [],
    retryAfter: false,
    note: 'no headers: report retryAfterSeconds from the job’s own backoff',
    docs: ['https://docs.stripe.com/rate-limits'],
  },
  tokens: {
    rotatesRefreshToken: false,
    expiresInWhenMissing: 'never',
  },
  revocation: {
    endpoint: 'https://connect.stripe.com/oauth/deauthorize',
    method: 'POST',
    body: 'form',
    token: 'none',
    param: 'token',
    auth: 'client_secret_bearer',
    clientIdParam: 'client_id',
    identityParams: { stripe_user_id: 'stripeAccountId' },
    // oauth-reference "Revoked and revoking access": the connected account loses the platform entirely.
    revokes: 'account',
  },
  clientIdPattern: /^ca_[A-Za-z0-9]{16,64}$/,
  clientIdHint: 'starts with ca_',
  consoleUrl: 'https://dashboard.stripe.com/settings/connect',
  registration:
    'Connect settings > OAuth: enable OAuth for Standard accounts and add the redirect URIs; the page shows the ' +
    "client id (ca_..., live and test differ). The client secret is the platform's secret API key (sk_live_... / " +
    "sk_test_...), of the stage's Stripe mode (stripeMode: dev and staging test, prod live); the tool refuses a key " +
    'of the other mode.',
});

/**
 * Every provider, in the order lists and docs show them. Adding a provider means adding one entry here (and its
 * tests): ids, secrets, grants, the credentials guide and the local connect page follow from this list.
 */
export const ENTRIES = [
  google,
  hubspot,
  gohighlevel,
  dropbox,
  box,
  quickbooks,
  shopify,
  keap,
  stripe,
] as const;
