// Token endpoint requests (RFC 6749 §4.1.3 code exchange, §6 refresh) with the provider's client auth.
import type { ProviderEntry } from '../providers/types';
import { fillEndpoint } from './endpoints';
import { basicAuthorization, type ClientCredentials, type ProviderRequest } from './http-request';

export type TokenGrant =
  | { grantType: 'authorization_code'; code: string; redirectUri: string; codeVerifier?: string }
  | { grantType: 'refresh_token'; refreshToken: string };

/**
 * Builds the token request for a grant.
 * @example buildTokenRequest(PROVIDERS.dropbox, { grantType: 'authorization_code', code, redirectUri, codeVerifier }, creds)
 */
export function buildTokenRequest(
  provider: ProviderEntry,
  grant: TokenGrant,
  credentials: ClientCredentials,
  shop?: string,
): ProviderRequest {
  const body = new URLSearchParams();
  body.set('grant_type', grant.grantType);
  if (grant.grantType === 'authorization_code') {
    body.set('code', grant.code);
    body.set('redirect_uri', grant.redirectUri);
    if (provider.pkce) {
      if (!grant.codeVerifier) throw new Error(`${provider.id} requires the PKCE verifier`);
      body.set('code_verifier', grant.codeVerifier);
    }
  } else {
    body.set('refresh_token', grant.refreshToken);
  }
  for (const [key, value] of Object.entries(provider.tokenParams)) body.set(key, value);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...provider.tokenHeaders,
  };
  if (provider.clientAuth === 'client_secret_basic') {
    headers.authorization = basicAuthorization(credentials);
  } else {
    body.set('client_id', credentials.clientId);
    body.set('client_secret', credentials.clientSecret);
  }
  return { url: fillEndpoint(provider.tokenEndpoint, shop), method: 'POST', headers, body: body.toString() };
}
