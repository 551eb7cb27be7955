// The token document kept in the vault: everything a later refresh needs, and nothing else.
import type { ProviderId, TokenLifecycle } from '../providers/types';
import { externalKeyOf } from '../providers/external-key';
import type { IdentityName } from '../providers/registry';
import { ServiceError } from '../shared/errors';
import type { TokenSet } from './token-response';

export interface TokenDocument {
  version: 1;
  provider: ProviderId;
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
  scopes: string[];
  /** Absolute expiry of the access token, ISO 8601; null when the provider's tokens do not expire. */
  expiresAt: string | null;
  /** When this access token was obtained, ISO 8601. */
  obtainedAt: string;
  /** When the refresh token dies whatever its use, ISO 8601, where the provider reports it. */
  refreshTokenExpiresAt?: string;
  /** Provider account identifiers (realmId, shop, stripeAccountId, ...). */
  externalAccount: Record<string, string>;
  /** Shop domain for per-shop endpoints (Shopify). */
  shop?: string;
}

/** The document for a fresh token set. */
export function tokenDocument(
  provider: ProviderId,
  tokens: TokenSet,
  externalAccount: Record<string, string>,
  now: number,
  shop?: string,
): TokenDocument {
  return {
    version: 1,
    provider,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    scopes: tokens.scopes,
    expiresAt: tokens.expiresAt === null ? null : new Date(tokens.expiresAt).toISOString(),
    obtainedAt: new Date(now).toISOString(),
    ...refreshTokenExpiry(tokens),
    externalAccount,
    ...(shop ? { shop } : {}),
  };
}

function refreshTokenExpiry(tokens: TokenSet): { refreshTokenExpiresAt?: string } {
  return tokens.refreshTokenExpiresAt === undefined
    ? {}
    : { refreshTokenExpiresAt: new Date(tokens.refreshTokenExpiresAt).toISOString() };
}

/**
 * The document after a refresh: a rotated refresh token replaces the stored one, identity and shop carry
 * over. An answer without one keeps the stored refresh token only where the provider does not rotate
 * (Nango #298); a rotating provider has spent it, so such an answer is refused rather than kept.
 * @throws ServiceError invalid_token_response (rotating provider, no refresh_token)
 */
export function refreshedDocument(
  previous: TokenDocument,
  tokens: TokenSet,
  now: number,
  lifecycle: Pick<TokenLifecycle, 'rotatesRefreshToken'>,
): TokenDocument {
  if (lifecycle.rotatesRefreshToken && !tokens.refreshToken) {
    throw new ServiceError(
      'invalid_token_response',
      'the refresh answer carries no refresh_token, and this provider rotates it on every refresh',
    );
  }
  const rotated = tokens.refreshToken !== undefined && tokens.refreshToken !== previous.refreshToken;
  const { refreshTokenExpiresAt: previousExpiry, ...rest } = previous;
  return {
    ...rest,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? previous.refreshToken,
    tokenType: tokens.tokenType,
    // A refresh answer that does not echo scopes keeps the granted ones (not the requested defaults).
    scopes:
      tokens.fields.scope !== undefined || tokens.fields.scopes !== undefined
        ? tokens.scopes
        : previous.scopes,
    expiresAt: tokens.expiresAt === null ? null : new Date(tokens.expiresAt).toISOString(),
    obtainedAt: new Date(now).toISOString(),
    // A new refresh token has its own expiry: the old one's is kept only for the same token.
    ...(tokens.refreshTokenExpiresAt !== undefined
      ? refreshTokenExpiry(tokens)
      : !rotated && previousExpiry
        ? { refreshTokenExpiresAt: previousExpiry }
        : {}),
  };
}

/** Key under which an external account is found by webhooks: `<provider>#<name>=<value>` of the first identifier. */
export function externalKey(
  provider: ProviderId,
  externalAccount: Record<string, string>,
): string | undefined {
  const first = Object.entries(externalAccount)[0];
  // The names come from the entry's `identity` (lambda/oauth/identity.ts), which the type cannot see here.
  return first ? externalKeyOf(provider, first[0] as IdentityName<typeof provider>, first[1]) : undefined;
}
