// The authorization request URL (RFC 6749 §4.1.1) with the provider's scopes, extras and PKCE.
import type { ProviderEntry } from '../providers/types';
import { fillEndpoint } from './endpoints';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  /** S256 challenge, sent only when the provider supports PKCE. */
  codeChallenge?: string;
  /** Validated shop domain for providers whose endpoints are per shop. */
  shop?: string;
}

/**
 * Builds the URL the browser is sent to.
 * @example buildAuthorizationUrl(PROVIDERS.google, { clientId, redirectUri, state, codeChallenge })
 */
export function buildAuthorizationUrl(provider: ProviderEntry, request: AuthorizationRequest): string {
  const url = new URL(fillEndpoint(provider.authorizationEndpoint, request.shop));
  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set('client_id', request.clientId);
  params.set('redirect_uri', request.redirectUri);
  params.set('scope', provider.scopes.join(provider.scopeSeparator));
  params.set('state', request.state);
  if (provider.pkce) {
    if (!request.codeChallenge) throw new Error(`${provider.id} requires a PKCE challenge`);
    params.set('code_challenge', request.codeChallenge);
    params.set('code_challenge_method', 'S256');
  }
  for (const [key, value] of Object.entries(provider.authorizationParams)) params.set(key, value);
  // URLSearchParams writes a space as `+`; RFC 3986 `%20` is what every provider decodes (HubSpot documents it).
  // A literal `+` is already `%2B` here, so every `+` left is a space.
  url.search = url.search.replace(/\+/g, '%20');
  return url.toString();
}
