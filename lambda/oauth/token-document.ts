// The token document kept in the vault: everything a later refresh needs, and nothing else.
import type { ProviderId } from '../providers/types';
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
    externalAccount,
    ...(shop ? { shop } : {}),
  };
}

/**
 * The document after a refresh: a rotated refresh token replaces the stored one, a response without
 * one keeps it (Nango #298), identity and shop carry over.
 */
export function refreshedDocument(previous: TokenDocument, tokens: TokenSet, now: number): TokenDocument {
  return {
    ...previous,
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
  };
}

/** Key under which an external account is found by webhooks: `<provider>#<name>=<value>` of the first identifier. */
export function externalKey(
  provider: ProviderId,
  externalAccount: Record<string, string>,
): string | undefined {
  const first = Object.entries(externalAccount)[0];
  return first ? `${provider}#${first[0]}=${first[1]}` : undefined;
}
