// The schema of a provider entry: its shape and rules as data. Entry types are inferred from it; tests validate every entry.
import * as v from 'valibot';

/**
 * An https URL without credentials; `{shop}` (per-shop hosts) or `{token}` (token in the path) only where a
 * template is allowed; a fragment only on documentation links.
 */
function isHttpsUrl(value: string, templates: readonly string[], fragment: boolean): boolean {
  let filled = value;
  for (const name of templates)
    filled = filled.replaceAll(`{${name}}`, name === 'shop' ? 'fixture.myshopify.com' : 'token');
  if (/[{}]/.test(filled)) return false;
  try {
    const url = new URL(filled);
    return (
      url.protocol === 'https:' && url.username === '' && url.password === '' && (fragment || url.hash === '')
    );
  } catch {
    return false;
  }
}

const text = v.pipe(v.string(), v.trim(), v.nonEmpty());
const httpsUrl = (templates: readonly string[] = [], fragment = false) =>
  v.pipe(
    v.string(),
    v.check((value) => isHttpsUrl(value, templates, fragment), 'must be an https URL'),
  );
const docLinks = v.pipe(v.array(httpsUrl([], true)), v.minLength(1), v.readonly());

/** Parameters the OAuth core sets itself: a registry entry must not override them. */
const CORE_AUTHORIZATION_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
];
const CORE_TOKEN_PARAMS = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'client_id',
  'client_secret',
];
const CORE_TOKEN_HEADERS = ['content-type', 'accept', 'authorization'];

const extras = (name: v.GenericSchema<string>, reserved: readonly string[], message: string) =>
  v.pipe(
    v.record(name, text),
    v.check((record) => Object.keys(record).every((key) => !reserved.includes(key)), message),
    v.readonly(),
  );
const paramName = v.pipe(v.string(), v.regex(/^[a-z_]+$/));
/** Header names as the registry stores them: lower-case HTTP tokens. */
const headerName = v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/, 'must be a lower-case header name'));

const anchoredRegExp = v.pipe(
  v.instance(RegExp),
  v.check(
    (re) => re.source.startsWith('^') && re.source.endsWith('$') && re.flags === '',
    'must be anchored, no flags',
  ),
);

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export const ClientAuthSchema = v.picklist(['client_secret_basic', 'client_secret_post']);

/** Named checks a provider requires on the callback before the code is exchanged. */
export const CallbackCheckSchema = v.picklist(['shopify-hmac']);

/** Where one external-account identifier is read from after the code exchange. */
export const IdentitySourceSchema = v.strictObject({
  /** `token`: a field of the token response; `callback`: a query parameter of the callback; `id_token`: a claim of the OIDC id_token. */
  from: v.picklist(['token', 'callback', 'id_token']),
  /** Field, parameter or claim name at the provider. */
  field: text,
  /** Name under which it is stored in `externalAccount` of the token document and connection record. */
  as: v.pipe(text, v.regex(/^[a-z][A-Za-z]+$/, 'identity names are camelCase')),
  /** Optional pattern whose first group is the identifier (Keap: the app host inside `scope`). */
  pattern: v.optional(v.instance(RegExp)),
  /**
   * An id_token claim that must carry the same value: a callback parameter is unsigned (the user can
   * rewrite it), the id_token comes from the token endpoint over TLS (QuickBooks `realmid`).
   */
  confirmedByClaim: v.optional(v.pipe(v.string(), v.nonEmpty())),
});

/** Facts about a provider's tokens that the refresh path needs. */
export const TokenLifecycleSchema = v.strictObject({
  /** The provider issues a new refresh token on each refresh and invalidates the old one. */
  rotatesRefreshToken: v.boolean(),
  /** Refresh tokens die after this many days without use (undefined: not documented). */
  refreshTokenIdleDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  /** Refresh tokens die this many days after the user's consent however often they are used (undefined: no such limit documented). */
  refreshTokenMaxDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  /** Refresh this many seconds before the access token expires (defineProvider fills the default). */
  refreshMarginSeconds: v.pipe(v.number(), v.integer(), v.minValue(60)),
  /**
   * What a token response without `expires_in` means: a number of seconds to assume, or `never`
   * when the provider documents non-expiring access tokens. Never left implicit (shopify-app-js #3400).
   */
  expiresInWhenMissing: v.union([v.pipe(v.number(), v.integer(), v.minValue(60)), v.literal('never')]),
});

/** One window of a provider's rate limit as response headers express it (header names in lower case). */
export const RateLimitWindowSchema = v.pipe(
  v.strictObject({
    /** Header with the calls (or points) left in the window. */
    remaining: v.optional(headerName),
    /** Header with the window's allowance. */
    limit: v.optional(headerName),
    /** Header `used/limit` in one value (Shopify REST's bucket, e.g. `32/40`). */
    usedOfLimit: v.optional(headerName),
    /**
     * When the window resets: `epoch-ms` is an absolute time in ms; `window-ms` is the window's length in ms
     * (the reset is at most that far away).
     */
    reset: v.optional(v.strictObject({ header: headerName, unit: v.picklist(['epoch-ms', 'window-ms']) })),
  }),
  v.check((w) => Boolean(w.remaining || w.usedOfLimit), 'a window says how many calls are left'),
);

/** How a provider expresses its rate limit, as data (checked against the pages in `docs`). */
export const RateLimitFormatSchema = v.strictObject({
  /** What the provider counts calls per, in its documentation's terms. */
  scope: text,
  /** Header windows; the one with the fewest calls left makes the hint. Empty: no rate-limit headers. */
  windows: v.pipe(v.array(RateLimitWindowSchema), v.readonly()),
  /** The provider documents `Retry-After` (seconds) on throttled answers. Read for every provider anyway. */
  retryAfter: v.boolean(),
  /** Wait to assume on a 429 without a wait header, where the provider documents one. */
  defaultRetryAfterSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600))),
  /** What a job reports in numbers because headers do not carry it (Shopify GraphQL's cost). */
  note: v.optional(text),
  /** Pages the facts above were checked against. */
  docs: docLinks,
});

/** Revocation endpoint (RFC 7009 or the provider's own) used on disconnect and refused confirmations. */
export const RevocationSchema = v.strictObject({
  /** Endpoint; `{token}` in it is replaced by the token (HubSpot takes it in the path). */
  endpoint: httpsUrl(['token']),
  method: v.picklist(['POST', 'DELETE']),
  /** Body encoding of the request (Intuit takes JSON). */
  body: v.picklist(['form', 'json', 'none']),
  /** Which token to send (`none`: the request names the account instead, as Stripe's deauthorize does). */
  token: v.picklist(['refresh_token', 'access_token', 'none']),
  /** Parameter name carrying the token. */
  param: text,
  /**
   * What the provider ends on this request, as its docs say: `token` (this token and its pair only),
   * `grant` (every token of the user's grant to our client), `account` (our app's access to the whole
   * external account). A `grant` or `account` revocation is skipped while another connection shares the
   * external account (lambda/tokens/revocation.ts).
   */
  revokes: v.picklist(['token', 'grant', 'account']),
  /**
   * How the client authenticates: like the token endpoint, with the access token as bearer (Dropbox),
   * with the client secret as bearer (Stripe's secret key), or not at all.
   */
  auth: v.picklist(['client_secret_basic', 'client_secret_post', 'bearer', 'client_secret_bearer', 'none']),
  /** Also send the client id in the body under this name (Stripe). */
  clientIdParam: v.optional(text),
  /** Extra body parameters filled from the external-account identity: body name -> identity name. */
  identityParams: v.optional(v.pipe(v.record(text, text), v.readonly())),
});

/** One provider of the registry. A quirk is a field here, never a branch in a handler. */
export const ProviderSchema = v.strictObject({
  /** Path segment, secret-name part and CLI name of the provider. */
  id: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9]*$/, 'ids are lower-case letters and digits')),
  displayName: text,
  /** Provider documentation pages each fact below was checked against. */
  docs: docLinks,
  /** Authorization endpoint; `{shop}` is replaced by the validated shop domain. */
  authorizationEndpoint: httpsUrl(['shop']),
  /** Token endpoint; `{shop}` is replaced by the shop domain stored with the state. */
  tokenEndpoint: httpsUrl(['shop']),
  /** RFC 9207 issuer the provider sends as `iss` on the callback, where it sends one. */
  issuer: v.optional(httpsUrl()),
  scopes: v.pipe(
    v.array(v.pipe(text, v.regex(/^[^\s,]+$/, 'a scope holds no separator'))),
    v.minLength(1),
    v.readonly(),
  ),
  scopeSeparator: v.picklist([' ', ',']),
  /** Extra authorization request parameters (offline access, consent prompt). */
  authorizationParams: extras(paramName, CORE_AUTHORIZATION_PARAMS, 'overrides a core parameter'),
  /** Extra token request parameters. */
  tokenParams: extras(paramName, CORE_TOKEN_PARAMS, 'overrides a core parameter'),
  /** Extra token request headers (HighLevel's API version). */
  tokenHeaders: extras(headerName, CORE_TOKEN_HEADERS, 'overrides a core header'),
  clientAuth: ClientAuthSchema,
  /** PKCE S256 is sent when true (RFC 9700 §2.1.1: for every provider that supports it). */
  pkce: v.boolean(),
  /** The start request must name a shop (`*.myshopify.com`), which fills `{shop}` in the endpoints. */
  requiresShop: v.boolean(),
  /** Checks run on the callback before the exchange. */
  callbackChecks: v.pipe(v.array(CallbackCheckSchema), v.readonly()),
  /** Callback query parameters kept with the token document (QuickBooks realmId). */
  callbackParams: v.pipe(v.array(v.pipe(text, v.regex(/^[A-Za-z_]+$/))), v.readonly()),
  /**
   * How the connected external account is identified. The first identifier present keys the connection for
   * webhooks (externalKeyOf in ./identity.ts).
   */
  identity: v.pipe(v.array(IdentitySourceSchema), v.readonly()),
  tokens: TokenLifecycleSchema,
  rateLimit: RateLimitFormatSchema,
  revocation: v.optional(RevocationSchema),
  /** Documented shape of a client id, checked by the credentials tool. */
  clientIdPattern: anchoredRegExp,
  /** Human hint for the client id shape, shown when the pattern does not match. */
  clientIdHint: text,
  /** Where an operator registers the app. */
  consoleUrl: httpsUrl(),
  /** What an operator does in that console: registering the app, where the keys are (docs/credentials.md). */
  registration: text,
});
