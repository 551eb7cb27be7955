// Test helpers around the local authorization server: start it, and play a user's consent over plain HTTP.
import { buildTokenRequest } from '../../lambda/oauth/token-request';
import { resolveProvider } from '../../lambda/providers/registry';
import type { ProviderId } from '../../lambda/providers/types';
import {
  startAuthServer,
  seedClientCredentials,
  type AuthServer,
  type AuthServerOptions,
} from '../../scripts/local/auth-server-client';

export { startAuthServer, seedClientCredentials };
export type { AuthServer, AuthServerOptions };

export interface ConsentOptions {
  /** User name signed in at the provider (names the external account). */
  login?: string;
  /** Allow (default) or deny at the consent page. */
  decision?: 'allow' | 'deny';
  /** Stop when a redirect goes here (the API's callback); the final URL is returned, not fetched. */
  callbackPrefix: string;
}

/** A minimal cookie jar: the authorization server's session and interaction cookies across redirects. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now(),
      );
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Follows the authorization URL like a browser: redirects, the login form, the consent form; returns the
 * URL the authorization server sends the user back to (the callback, with code/state or error).
 * @example const callback = await consentOverHttp(authorizationUrl, { login: 'alice', callbackPrefix: apiUrl })
 */
export async function consentOverHttp(authorizationUrl: string, options: ConsentOptions): Promise<URL> {
  const jar = new CookieJar();
  let url = authorizationUrl;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  for (let step = 0; step < 20; step += 1) {
    if (url.startsWith(options.callbackPrefix)) return new URL(url);
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    jar.store(response);
    method = 'GET';
    body = undefined;
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location') ?? '', url).toString();
      continue;
    }
    const html = await response.text();
    if (response.status !== 200)
      throw new Error(
        `authorization server answered ${response.status} at ${new URL(url).pathname}: ${html.slice(0, 300)}`,
      );
    const prompt = /data-prompt="(login|consent)"/.exec(html)?.[1];
    const base = url.replace(/[?#].*$/, '');
    if (prompt === 'login') {
      method = 'POST';
      url = `${base}/login`;
      body = new URLSearchParams({ login: options.login ?? 'demo-user' }).toString();
    } else if (prompt === 'consent') {
      method = 'POST';
      url = `${base}/${options.decision === 'deny' ? 'abort' : 'confirm'}`;
      body = '';
    } else {
      throw new Error(`unexpected page from the authorization server: ${html.slice(0, 300)}`);
    }
  }
  throw new Error('too many redirects while authorizing');
}

/**
 * Redeems an authorization code at the local server as the registered client would (a second party using
 * the code first, so the service's own exchange meets `invalid_grant`). Returns the HTTP status.
 */
export async function redeemCode(
  auth: AuthServer,
  provider: ProviderId,
  code: string,
  redirectUri: string,
  codeVerifier?: string,
): Promise<number> {
  const entry = resolveProvider(provider, auth.overrides);
  const request = buildTokenRequest(
    entry,
    { grantType: 'authorization_code', code, redirectUri, codeVerifier },
    auth.credentials[provider],
    'demo-store.myshopify.com',
  );
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  await response.arrayBuffer();
  return response.status;
}
