// Which external account a token belongs to, read as the registry entry says (token, callback or id_token).
import type { ProviderEntry } from '../providers/types';
import { ServiceError } from '../shared/errors';

/** Claims of an id_token received directly from the token endpoint over TLS (OIDC Core §3.1.3.7). */
export function idTokenClaims(idToken: unknown): Record<string, unknown> {
  if (typeof idToken !== 'string') return {};
  const parts = idToken.split('.');
  if (parts.length !== 3) return {};
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function asIdentifier(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= 256) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The external-account identifiers of a connection, keyed by the registry's `as` names.
 * @throws ServiceError identity_mismatch when an identifier its id_token must confirm is not confirmed
 * @example extractIdentity(PROVIDERS.stripe, { stripe_user_id: 'acct_1' }, {}) // { stripeAccountId: 'acct_1' }
 */
export function extractIdentity(
  provider: ProviderEntry,
  tokenFields: Record<string, unknown>,
  callbackParams: Record<string, string>,
): Record<string, string> {
  const claims = provider.identity.some((i) => i.from === 'id_token' || i.confirmedByClaim)
    ? idTokenClaims(tokenFields.id_token)
    : {};
  const identity: Record<string, string> = {};
  for (const source of provider.identity) {
    const raw =
      source.from === 'token'
        ? tokenFields[source.field]
        : source.from === 'callback'
          ? callbackParams[source.field]
          : claims[source.field];
    let value = asIdentifier(raw);
    if (value !== undefined && source.pattern) value = source.pattern.exec(value)?.[1];
    if (
      source.confirmedByClaim &&
      (value === undefined || asIdentifier(claims[source.confirmedByClaim]) !== value)
    ) {
      throw new ServiceError(
        'identity_mismatch',
        `the ${provider.displayName} account named in the callback is not the one the provider authorized; connect again`,
      );
    }
    if (value !== undefined) identity[source.as] = value;
  }
  return identity;
}
