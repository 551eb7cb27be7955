// Each provider's documented quirks as data for the local authorization server (applied around oidc-provider).
import type { ProviderId } from '../../lambda/providers/types';

/**
 * Quirks of one provider as the local server emulates them. Templates may use `{account}` (the signed-in
 * user name), `{hex}` / `{digits}` (stable ids derived from client, user and field), `{tenant}` (the
 * `{shop}` path segment), `{tenantName}`, `{timestamp}`; prefixes `number:` and `base64:` convert.
 */
export interface ProviderQuirks {
  /** Parameters added to the redirect back to the callback (QuickBooks realmId, Shopify shop/host/timestamp). */
  callbackParams?: Record<string, string>;
  /** Signature added to the callback redirect over its other parameters. */
  callbackSignature?: 'shopify-hmac';
  /** Extra fields of the token response (account identifiers). */
  tokenFields?: Record<string, string>;
  /** Fields removed from oidc-provider's token response (Shopify sends no token_type). */
  omitTokenFields?: string[];
  /** Headers the token endpoint insists on (HighLevel's API version). */
  requiredTokenHeaders?: Record<string, string>;
  /** ID token claims carrying the value of a callback parameter: claim -> parameter (QuickBooks realmid). */
  idTokenClaims?: Record<string, string>;
}

/** The quirks of each provider that has some, matching its registry entry and documentation (none: plain OAuth). */
export const PROVIDER_QUIRKS: Partial<Record<ProviderId, ProviderQuirks>> = {
  // Google: OIDC id_token with `sub` (oidc-provider issues it for the openid scope) and RFC 9207 `iss`.
  google: {},
  hubspot: { tokenFields: { hub_id: 'number:{digits}' } },
  gohighlevel: {
    tokenFields: { locationId: '{hex}', companyId: '{hex}', userType: 'Location', userId: '{hex}' },
    requiredTokenHeaders: { version: '2023-02-21' },
  },
  dropbox: { tokenFields: { account_id: 'dbid:AA{hex}', uid: '{digits}' } },
  box: {},
  quickbooks: {
    callbackParams: { realmId: '{digits}' },
    idTokenClaims: { realmid: 'realmId' },
    tokenFields: { x_refresh_token_expires_in: 'number:8726400' },
  },
  shopify: {
    callbackParams: {
      shop: '{tenant}',
      host: 'base64:admin.shopify.com/store/{tenantName}',
      timestamp: '{timestamp}',
    },
    callbackSignature: 'shopify-hmac',
    omitTokenFields: ['token_type'],
  },
  keap: { tokenFields: { scope: 'full|{account}.infusionsoft.com' } },
  stripe: { tokenFields: { stripe_user_id: 'acct_{hex}', stripe_publishable_key: 'pk_test_{hex}' } },
};
