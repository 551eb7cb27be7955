// Types of the provider registry: what a provider's OAuth quirks look like as data.

/** Ids of the providers this service connects; the registry holds one entry for each. */
export const PROVIDER_IDS = [
  'google',
  'hubspot',
  'gohighlevel',
  'dropbox',
  'box',
  'quickbooks',
  'shopify',
  'keap',
  'stripe',
] as const;

export type ProviderId = (typeof PROVIDER_IDS)[number];

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** Where one external-account identifier is read from after the code exchange. */
export interface IdentitySource {
  /** `token`: a field of the token response; `callback`: a query parameter of the callback; `id_token`: a claim of the OIDC id_token. */
  from: 'token' | 'callback' | 'id_token';
  /** Field, parameter or claim name at the provider. */
  field: string;
  /** Name under which it is stored in `externalAccount` of the token document and connection record. */
  as: string;
  /** Optional pattern whose first group is the identifier (Keap: the app host inside `scope`). */
  pattern?: RegExp;
  /**
   * An id_token claim that must carry the same value: a callback parameter is unsigned (the user can
   * rewrite it), the id_token comes from the token endpoint over TLS (QuickBooks `realmid`).
   */
  confirmedByClaim?: string;
}

/** Named checks a provider requires on the callback before the code is exchanged. */
export type CallbackCheck = 'shopify-hmac';

/** Facts about a provider's tokens that the refresh path needs. */
export interface TokenLifecycle {
  /** The provider issues a new refresh token on each refresh and invalidates the old one. */
  rotatesRefreshToken: boolean;
  /** Refresh tokens die after this many days without use (undefined: not documented). */
  refreshTokenIdleDays?: number;
  /** Refresh tokens die this many days after the user's consent however often they are used (undefined: no such limit documented). */
  refreshTokenMaxDays?: number;
  /** Refresh this many seconds before the access token expires. */
  refreshMarginSeconds: number;
  /**
   * What a token response without `expires_in` means: a number of seconds to assume, or `never`
   * when the provider documents non-expiring access tokens. Never left implicit (shopify-app-js #3400).
   */
  expiresInWhenMissing: number | 'never';
}

/** Revocation endpoint (RFC 7009 or the provider's own) used on disconnect and refused confirmations. */
export interface Revocation {
  /** Endpoint; `{token}` in it is replaced by the token (HubSpot takes it in the path). */
  endpoint: string;
  method: 'POST' | 'DELETE';
  /** Body encoding of the request (Intuit takes JSON). */
  body: 'form' | 'json' | 'none';
  /** Which token to send (`none`: the request names the account instead, as Stripe's deauthorize does). */
  token: 'refresh_token' | 'access_token' | 'none';
  /** Parameter name carrying the token. */
  param: string;
  /**
   * What the provider ends on this request, as its docs say: `token` (this token and its pair only),
   * `grant` (every token of the user's grant to our client), `account` (our app's access to the whole
   * external account). A `grant` or `account` revocation is skipped while another connection shares the
   * external account (lambda/tokens/revocation.ts).
   */
  revokes: 'token' | 'grant' | 'account';
  /**
   * How the client authenticates: like the token endpoint, with the access token as bearer (Dropbox),
   * with the client secret as bearer (Stripe's secret key), or not at all.
   */
  auth: ClientAuthMethod | 'bearer' | 'client_secret_bearer' | 'none';
  /** Also send the client id in the body under this name (Stripe). */
  clientIdParam?: string;
  /** Extra body parameters filled from the external-account identity: body name -> identity name. */
  identityParams?: Record<string, string>;
}

/** One window of a provider's rate limit as response headers express it (header names in lower case). */
export interface RateLimitWindow {
  /** Header with the calls (or points) left in the window. */
  remaining?: string;
  /** Header with the window's allowance. */
  limit?: string;
  /** Header `used/limit` in one value (Shopify REST's bucket, e.g. `32/40`). */
  usedOfLimit?: string;
  /**
   * When the window resets: `epoch-ms` is an absolute time in ms; `window-ms` is the window's length in ms
   * (the reset is at most that far away).
   */
  reset?: { header: string; unit: 'epoch-ms' | 'window-ms' };
}

/** How a provider expresses its rate limit, as data (checked against the pages in `docs`). */
export interface RateLimitFormat {
  /** What the provider counts calls per, in its documentation's terms. */
  scope: string;
  /** Header windows; the one with the fewest calls left makes the hint. Empty: no rate-limit headers. */
  windows: readonly RateLimitWindow[];
  /** The provider documents `Retry-After` (seconds) on throttled answers. Read for every provider anyway. */
  retryAfter: boolean;
  /** Wait to assume on a 429 without a wait header, where the provider documents one. */
  defaultRetryAfterSeconds?: number;
  /** What a job reports in numbers because headers do not carry it (Shopify GraphQL's cost). */
  note?: string;
  /** Pages the facts above were checked against. */
  docs: readonly string[];
}

/** One provider of the registry. A quirk is a field here, never a branch in a handler. */
export interface ProviderEntry {
  id: ProviderId;
  displayName: string;
  /** Provider documentation pages each fact below was checked against. */
  docs: readonly string[];
  /** Authorization endpoint; `{shop}` is replaced by the validated shop domain. */
  authorizationEndpoint: string;
  /** Token endpoint; `{shop}` is replaced by the shop domain stored with the state. */
  tokenEndpoint: string;
  /** RFC 9207 issuer the provider sends as `iss` on the callback, where it sends one. */
  issuer?: string;
  scopes: readonly string[];
  scopeSeparator: ' ' | ',';
  /** Extra authorization request parameters (offline access, consent prompt). */
  authorizationParams: Readonly<Record<string, string>>;
  /** Extra token request parameters. */
  tokenParams: Readonly<Record<string, string>>;
  /** Extra token request headers (HighLevel's API version). */
  tokenHeaders: Readonly<Record<string, string>>;
  clientAuth: ClientAuthMethod;
  /** PKCE S256 is sent when true (RFC 9700 §2.1.1: for every provider that supports it). */
  pkce: boolean;
  /** The start request must name a shop (`*.myshopify.com`), which fills `{shop}` in the endpoints. */
  requiresShop: boolean;
  /** Checks run on the callback before the exchange. */
  callbackChecks: readonly CallbackCheck[];
  /** Callback query parameters kept with the token document (QuickBooks realmId). */
  callbackParams: readonly string[];
  /** How the connected external account is identified. */
  identity: readonly IdentitySource[];
  tokens: TokenLifecycle;
  rateLimit: RateLimitFormat;
  revocation?: Revocation;
  /** Documented shape of a client id, checked by the credentials tool. */
  clientIdPattern: RegExp;
  /** Human hint for the client id shape, shown when the pattern does not match. */
  clientIdHint: string;
  /** Where an operator registers the app. */
  consoleUrl: string;
}

/** Per-stage replacement of a provider's endpoints (sandboxes, the local authorization server). */
export interface EndpointOverride {
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  revocationEndpoint?: string;
  issuer?: string;
}

export type EndpointOverrides = Partial<Record<ProviderId, EndpointOverride>>;
