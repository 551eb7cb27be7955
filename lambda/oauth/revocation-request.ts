// Revocation requests (RFC 7009 and the providers' own variants) built from the registry entry.
import type { ProviderEntry } from '../providers/types';
import { basicAuthorization, type ClientCredentials, type ProviderRequest } from './http-request';
import type { TokenDocument } from './token-document';

/** The request that revokes a connection's grant, or undefined when the provider has no revocation endpoint. */
export function buildRevocationRequest(
  provider: ProviderEntry,
  document: TokenDocument,
  credentials: ClientCredentials,
): ProviderRequest | undefined {
  const r = provider.revocation;
  if (!r) return undefined;
  const token =
    r.token === 'none'
      ? undefined
      : r.token === 'refresh_token'
        ? (document.refreshToken ?? document.accessToken)
        : document.accessToken;
  const fields: Record<string, string> = {};
  let url = r.endpoint;
  if (token !== undefined) {
    if (url.includes('{token}')) url = url.replace('{token}', encodeURIComponent(token));
    else fields[r.param] = token;
  }
  if (r.clientIdParam) fields[r.clientIdParam] = credentials.clientId;
  for (const [param, identityName] of Object.entries(r.identityParams ?? {})) {
    const value = document.externalAccount[identityName];
    if (value === undefined) return undefined;
    fields[param] = value;
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (r.auth === 'client_secret_basic') headers.authorization = basicAuthorization(credentials);
  if (r.auth === 'client_secret_bearer') headers.authorization = `Bearer ${credentials.clientSecret}`;
  if (r.auth === 'bearer') headers.authorization = `Bearer ${document.accessToken}`;
  if (r.auth === 'client_secret_post') {
    fields.client_id = credentials.clientId;
    fields.client_secret = credentials.clientSecret;
  }
  let body: string | undefined;
  if (r.body === 'form') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(fields).toString();
  } else if (r.body === 'json') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(fields);
  }
  return { url, method: r.method, headers, body };
}
