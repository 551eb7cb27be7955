// The provider registry: one entry a provider, each fact checked against the page cited in `docs`.
import type { EndpointOverrides, ProviderEntry, ProviderId } from './types';
import { PROVIDER_IDS } from './types';
import { RATE_LIMITS } from './rate-limits';

const HOUR = 3600;
const FIVE_MINUTES = 300;

const google: ProviderEntry = {
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
  scopeSeparator: ' ',
  authorizationParams: { access_type: 'offline', prompt: 'consent' },
  tokenParams: {},
  tokenHeaders: {},
  clientAuth: 'client_secret_post',
  pkce: true,
  requiresShop: false,
  callbackChecks: [],
  callbackParams: [],
  identity: [{ from: 'id_token', field: 'sub', as: 'googleUserId' }],
  rateLimit: RATE_LIMITS.google,
  tokens: {
    rotatesRefreshToken: false,
    refreshTokenIdleDays: 180,
    refreshMarginSeconds: FIVE_MINUTES,
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
};

const hubspot: ProviderEntry = {
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
  scopeSeparator: ' ',
  authorizationParams: {},
  tokenParams: {},
  tokenHeaders: {},
  clientAuth: 'client_secret_post',
  pkce: false,
  requiresShop: false,
  callbackChecks: [],
  callbackParams: [],
  identity: [{ from: 'token', field: 'hub_id', as: 'hubId' }],
  rateLimit: RATE_LIMITS.hubspot,
  tokens: {
    rotatesRefreshToken: false,
    refreshMarginSeconds: FIVE_MINUTES,
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
};

const gohighlevel: ProviderEntry = {
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
  scopeSeparator: ' ',
  authorizationParams: {},
  tokenParams: { user_type: 'Location' },
  tokenHeaders: { version: '2023-02-21' },
  clientAuth: 'client_secret_post',
  pkce: false,
  requiresShop: false,
  callbackChecks: [],
  callbackParams: [],
  identity: [
    { from: 'token', field: 'locationId', as: 'locationId' },
    { from: 'token', field: 'companyId', as: 'companyId' },
  ],
  rateLimit: RATE_LIMITS.gohighlevel,
  tokens: {
    rotatesRefreshToken: true,
    refreshTokenIdleDays: 365,
    refreshMarginSeconds: FIVE_MINUTES,
    expiresInWhenMissing: 24 * HOUR,
  },
  clientIdPattern: /^[0-9a-f]{24}-[a-z0-9]{6,12}$/,
  clientIdHint: '<appId>-<suffix>, e.g. 0123456789abcdef01234567-abcd1234',
  consoleUrl: 'https://marketplace.gohighlevel.com/',
};

const dropbox: ProviderEntry = {
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
  scopeSeparator: ' ',
  authorizationParams: { token_access_type: 'offline' },
  tokenParams: {},
  tokenHeaders: {},
  clientAuth: 'client_secret_basic',
  pkce: true,
  requiresShop: false,
  callbackChecks: [],
  callbackParams: [],
  identity: [{ from: 'token', field: 'account_id', as: 'accountId' }],
  rateLimit: RATE_LIMITS.dropbox,
  tokens: {
    rotatesRefreshToken: false,
    refreshMarginSeconds: FIVE_MINUTES,
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
};

const box: ProviderEntry = {
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
  scopeSeparator: ' ',
  authorizationParams: {},
  tokenParams: {},
  tokenHeaders: {},
  clientAuth: 'client_secret_post',
  pkce: false,
  requiresShop: false,
  callbackChecks: [],
  callbackParams: [],
  identity: [],
  rateLimit: RATE_LIMITS.box,
  tokens: {
    rotatesRefreshToken: true,
    refreshTokenIdleDays: 60,
    refreshMarginSeconds: FIVE_MINUTES,
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
};

const quickbooks: ProviderEntry = {
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
  scopeSeparator: ' ',
  authorizationParams: {},
  tokenParams: {},
  tokenHeaders: {},
  clientAuth: 'client_secret_basic',
  pkce: false,
  requiresShop: false,
  callbackChecks: [],
  callbackParams: ['realmId'],
  // The callback's realmId is unsigned: it counts only when the ID token's realmid claim says the same.
  identity: [{ from: 'callback', field: 'realmId', as: 'realmId', confirmedByClaim: 'realmid' }],
  rateLimit: RATE_LIMITS.quickbooks,
  tokens: {
    rotatesRefreshToken: true,
    refreshTokenIdleDays: 100,
    refreshTokenMaxDays: 5 * 365,
    refreshMarginSeconds: FIVE_MINUTES,
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
};

const shopify: ProviderEntry = {
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
  authorizationParams: {},
  tokenParams: { expiring: '1' },
  tokenHeaders: {},
  clientAuth: 'client_secret_post',
  pkce: false,
  requiresShop: true,
  callbackChecks: ['shopify-hmac'],
  callbackParams: ['shop'],
  identity: [{ from: 'callback', field: 'shop', as: 'shop' }],
  rateLimit: RATE_LIMITS.shopify,
  tokens: {
    rotatesRefreshToken: true,
    refreshTokenIdleDays: 90,
    refreshMarginSeconds: FIVE_MINUTES,
    expiresInWhenMissing: 'never',
  },
  clientIdPattern: /^[0-9a-f]{32}$/,
  clientIdHint: '32 hexadecimal characters',
  consoleUrl: 'https://partners.shopify.com/',
};

const keap: ProviderEntry = {
  id: 'keap',
  displayName: 'Keap',
  docs: [
    'https://developer.infusionsoft.com/authentication',
    'https://developer.infusionsoft.com/getting-started-oauth-keys',
  ],
  authorizationEndpoint: 'https://accounts.infusionsoft.com/app/oauth/authorize',
  tokenEndpoint: 'https://api.infusionsoft.com/token',
  scopes: ['full'],
  scopeSeparator: ' ',
  authorizationParams: {},
  tokenParams: {},
  tokenHeaders: {},
  clientAuth: 'client_secret_post',
  pkce: false,
  requiresShop: false,
  callbackChecks: [],
  callbackParams: [],
  identity: [{ from: 'token', field: 'scope', as: 'appHost', pattern: /\|([A-Za-z0-9.-]+)/ }],
  rateLimit: RATE_LIMITS.keap,
  tokens: {
    rotatesRefreshToken: true,
    refreshMarginSeconds: FIVE_MINUTES,
    expiresInWhenMissing: 24 * HOUR,
  },
  clientIdPattern: /^[A-Za-z0-9]{20,64}$/,
  clientIdHint: '20-64 letters and digits',
  consoleUrl: 'https://keys.developer.keap.com/',
};

const stripe: ProviderEntry = {
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
  scopeSeparator: ' ',
  authorizationParams: {},
  tokenParams: {},
  tokenHeaders: {},
  clientAuth: 'client_secret_post',
  pkce: false,
  requiresShop: false,
  callbackChecks: [],
  callbackParams: [],
  identity: [{ from: 'token', field: 'stripe_user_id', as: 'stripeAccountId' }],
  rateLimit: RATE_LIMITS.stripe,
  tokens: {
    rotatesRefreshToken: false,
    refreshMarginSeconds: FIVE_MINUTES,
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
};

/** Every provider, keyed by id. Adding a provider means adding one entry here (and its tests). */
export const PROVIDERS: Readonly<Record<ProviderId, ProviderEntry>> = {
  google,
  hubspot,
  gohighlevel,
  dropbox,
  box,
  quickbooks,
  shopify,
  keap,
  stripe,
};

/** Narrows an untrusted string (a path parameter) to a provider id. */
export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && (PROVIDER_IDS as readonly string[]).includes(value);
}

/**
 * The entry of a provider with the stage's endpoint overrides applied.
 * @example resolveProvider('quickbooks', { quickbooks: { tokenEndpoint: 'https://sandbox...' } })
 */
export function resolveProvider(id: ProviderId, overrides: EndpointOverrides = {}): ProviderEntry {
  const base = PROVIDERS[id];
  const o = overrides[id];
  if (!o) return base;
  return {
    ...base,
    authorizationEndpoint: o.authorizationEndpoint ?? base.authorizationEndpoint,
    tokenEndpoint: o.tokenEndpoint ?? base.tokenEndpoint,
    issuer: o.issuer ?? base.issuer,
    revocation:
      base.revocation && o.revocationEndpoint
        ? { ...base.revocation, endpoint: o.revocationEndpoint }
        : base.revocation,
  };
}

export { PROVIDER_IDS };
export type { ProviderEntry, ProviderId };
