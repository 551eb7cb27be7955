// Local OAuth 2 authorization server (oidc-provider) standing in for every provider; started by auth-server-client.ts.
//
// Protocol: the parent writes one JSON line of configuration to stdin (AuthServerConfig in
// auth-server-client.ts) and keeps stdin open; this process answers one JSON line on stdout
// ({"ready":true,"port":..,"issuer":".."}) and exits when stdin closes, so it never outlives its parent.
//
// Each provider is one client of one real oidc-provider instance, reached under its own path prefix
// (/p/<provider>[/<tenant>]/authorize|token|revoke). The provider's documented quirks arrive as data
// per client (scope separator, callback parameters and signature, extra token-response fields, required
// token headers, client authentication method) and are applied around oidc-provider, never inside it.
import { createHash, createHmac, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import type { DefaultContext, DefaultState, Next, ParameterizedContext } from 'koa';
import Provider, {
  type Adapter,
  type AdapterPayload,
  type Configuration,
  type OIDCContext,
} from 'oidc-provider';
import type { AuthServerClientConfig, AuthServerConfig } from './auth-server-client';

const NOW = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------------
// Storage: one in-memory map for every oidc-provider model, enumerable so grants can be revoked/expired.

interface StoredEntry {
  payload: AdapterPayload;
  /** Epoch ms; none: kept until deleted. */
  expiresAt?: number;
}

const store = new Map<string, StoredEntry>(); // `${model}:${id}`
const byGrant = new Map<string, Set<string>>(); // grantId -> keys issued under it
const byUid = new Map<string, string>(); // uid -> key

function live(key: string): StoredEntry | undefined {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt && entry.expiresAt < Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry;
}

class MemoryAdapter implements Adapter {
  constructor(private readonly model: string) {}
  private key(id: string): string {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    store.set(key, {
      payload: structuredClone(payload),
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
    });
    if (payload.grantId) {
      const keys = byGrant.get(payload.grantId) ?? new Set<string>();
      keys.add(key);
      byGrant.set(payload.grantId, keys);
    }
    if (payload.uid) byUid.set(payload.uid, key);
  }
  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = live(this.key(id));
    return entry ? structuredClone(entry.payload) : undefined;
  }
  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = byUid.get(uid);
    const entry = key ? live(key) : undefined;
    return entry ? structuredClone(entry.payload) : undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const entry = live(this.key(id));
    if (entry) entry.payload.consumed = NOW();
  }
  async destroy(id: string): Promise<void> {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    revokeGrant(grantId);
  }
}

/** Deletes a grant and every token, code and session entry issued under it. */
function revokeGrant(grantId: string): void {
  for (const key of byGrant.get(grantId) ?? []) store.delete(key);
  byGrant.delete(grantId);
  store.delete(`Grant:${grantId}`);
}

/** Live entries of one model as [id, entry]. */
function entriesOf(model: string): [string, StoredEntry][] {
  const out: [string, StoredEntry][] = [];
  for (const [key, entry] of store) {
    if (key.startsWith(`${model}:`) && (!entry.expiresAt || entry.expiresAt >= Date.now()))
      out.push([key.slice(model.length + 1), entry]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Quirk templates: values derived from the consenting account, stable across runs.

/** What a template fills in: the consenting account and, for Shopify, the shop path segment. */
interface TemplateVars {
  account: string;
  tenant?: string;
}

function slug(account: string): string {
  return (
    String(account)
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40) || 'user'
  );
}

function derived(
  client: AuthServerClientConfig,
  account: string,
  field: string,
  kind: 'hex' | 'digits',
): string {
  const digest = createHash('sha256').update(`${client.clientId}\n${account}\n${field}`).digest();
  if (kind === 'hex') return digest.toString('hex').slice(0, 24);
  return String((digest.readUInt32BE(0) % 900000000) + 100000000);
}

/** Fills `{account}`, `{hex}`, `{digits}`, `{tenant}`, `{tenantName}`, `{timestamp}`; `number:` / `base64:` prefixes convert. */
function fill(
  template: string,
  client: AuthServerClientConfig,
  vars: TemplateVars,
  field: string,
): string | number {
  let text = template;
  let kind = 'string';
  for (const prefix of ['number:', 'base64:']) {
    if (text.startsWith(prefix)) {
      kind = prefix.slice(0, -1);
      text = text.slice(prefix.length);
    }
  }
  const value = text.replace(/\{(account|hex|digits|tenant|tenantName|timestamp)\}/g, (_, name: string) => {
    if (name === 'account') return slug(vars.account);
    if (name === 'hex' || name === 'digits') return derived(client, vars.account, field, name);
    if (name === 'tenant') return vars.tenant ?? '';
    if (name === 'tenantName') return (vars.tenant ?? '').split('.')[0];
    return String(NOW());
  });
  if (kind === 'number') return Number(value);
  if (kind === 'base64') return Buffer.from(value).toString('base64');
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Small HTTP helpers for the routes served here (interaction pages, revocation, admin).

/** A request body as sent: JSON (any shape) or form fields; each field is read with a type check. */
type Body = Record<string, unknown>;

/** The value when it is a string. */
function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (!text) return {};
  if (type.includes('json')) return JSON.parse(text) as Body;
  return Object.fromEntries(new URLSearchParams(text));
}

/**
 * Koa's context as the front middleware sees it: `oidc` exists only once oidc-provider's own route has run
 * (after `next()`), and never on the admin and interaction routes served here.
 */
type Ctx = ParameterizedContext<DefaultState, DefaultContext & { oidc?: OIDCContext }>;

function send(ctx: Ctx, status: number, body: unknown, type = 'application/json'): void {
  ctx.status = status;
  ctx.type = type;
  ctx.set('cache-control', 'no-store');
  ctx.body = type === 'application/json' ? JSON.stringify(body) : body;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title><style>
body{font-family:system-ui,sans-serif;background:#f3f4f6;margin:0;display:flex;justify-content:center;padding:48px 16px}
main{background:#fff;border-radius:12px;box-shadow:0 2px 10px #0002;padding:28px 32px;max-width:440px;width:100%}
h1{font-size:1.25rem;margin:0 0 4px}p{color:#374151}.note{font-size:.8rem;color:#6b7280}
input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #d1d5db;border-radius:8px;font-size:1rem;margin:8px 0 16px}
button{padding:10px 18px;border-radius:8px;border:0;font-size:1rem;cursor:pointer;margin-right:8px}
.allow{background:#2563eb;color:#fff}.deny{background:#e5e7eb}ul{padding-left:20px;color:#374151;font-size:.9rem;word-break:break-all}
</style></head><body><main>${body}<p class="note">Local authorization server (oidc-provider) standing in for the real provider.</p></main></body></html>`;
}

function constantEqual(a: unknown, b: unknown): boolean {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

function basicCredentials(header: unknown): { id: string; secret: string } | undefined {
  if (typeof header !== 'string' || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

function bearer(header: unknown): string | undefined {
  return typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
}

// ---------------------------------------------------------------------------------------------------

/** The consent prompt's details, as oidc-provider's default consent policy fills them. */
interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

type StatGroup = 'authorizations' | 'tokenRequests' | 'revocations' | 'revokedGrants';
type Settings = Record<'accessTokenTtlSeconds' | 'codeTtlSeconds' | 'refreshTokenTtlSeconds', number>;

async function main(config: AuthServerConfig): Promise<Server> {
  const clients = new Map<string, AuthServerClientConfig>(config.clients.map((c) => [c.provider, c]));
  const byClientId = new Map<string, AuthServerClientConfig>(config.clients.map((c) => [c.clientId, c]));
  const clientOf = (clientId: string | undefined) => (clientId ? byClientId.get(clientId) : undefined);
  const settings: Settings = {
    accessTokenTtlSeconds: config.accessTokenTtlSeconds ?? 3600,
    codeTtlSeconds: config.codeTtlSeconds ?? 60,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds ?? 14 * 86400,
  };
  const failures = new Map<string, { status: number; error: string; times: number }>(); // by provider
  const delays = new Map<string, { ms: number; times: number }>(); // slow token answers (a refresh in flight)
  const stats: Record<StatGroup, Record<string, Record<string, number>>> = {
    authorizations: {},
    tokenRequests: {},
    revocations: {},
    revokedGrants: {},
  };
  const bump = (group: StatGroup, provider: string, key: string) => {
    const g = (stats[group][provider] ??= {});
    g[key] = (g[key] ?? 0) + 1;
  };

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? 0, config.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  const port = address.port;
  const issuer = `http://${config.host ?? '127.0.0.1'}:${port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  };

  const configuration: Configuration = {
    adapter: MemoryAdapter,
    clients: config.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      client_name: c.displayName,
      redirect_uris: [c.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // Claims a provider adds to its ID token (QuickBooks: realmid, the company the callback's realmId names).
    findAccount: async (ctx, sub) => {
      const client = clientOf(ctx.oidc?.client?.clientId);
      const extra: Record<string, string> = {};
      for (const [claim, param] of Object.entries(client?.quirks.idTokenClaims ?? {})) {
        const template = client?.quirks.callbackParams?.[param];
        if (client && template) extra[claim] = String(fill(template, client, { account: sub }, param));
      }
      return { accountId: sub, claims: async () => ({ sub, ...extra }) };
    },
    claims: { openid: ['sub', 'realmid'] },
    scopes: ['openid'],
    responseTypes: ['code'],
    extraParams: ['tenant'],
    pkce: { required: (_ctx, client) => clientOf(client.clientId)?.pkce === true },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client) =>
          `urn:local-provider:${clientOf(client.clientId)?.provider ?? 'unknown'}`,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _resource, client) => ({
          scope: (clientOf(client.clientId)?.scopes ?? []).filter((s) => s !== 'openid').join(' '),
          accessTokenFormat: 'opaque',
          accessTokenTTL: settings.accessTokenTtlSeconds,
        }),
      },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: (ctx) => clientOf(ctx.oidc.client?.clientId)?.rotateRefreshToken === true,
    ttl: {
      AccessToken: () => settings.accessTokenTtlSeconds,
      AuthorizationCode: () => settings.codeTtlSeconds,
      RefreshToken: () => settings.refreshTokenTtlSeconds,
      IdToken: 3600,
      Interaction: 600,
      Session: 86400,
      Grant: 14 * 86400,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<h1 data-testid="provider-error">Something went wrong</h1><p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? '')}</p>`,
      );
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (_ctx, error) =>
    process.stderr.write(`auth-server: server_error ${error?.message}\n`),
  );

  // -------- interaction pages: a login form, then a consent form (Allow / Deny) ---------------------
  async function interaction(ctx: Ctx, uid: string, action: string): Promise<void> {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== uid) return send(ctx, 400, { error: 'interaction_mismatch' });
    const clientId = String(details.params.client_id);
    const name = clientOf(clientId)?.displayName ?? clientId;
    const { prompt } = details;
    if (action === 'abort') {
      await readBody(ctx.req);
      return provider.interactionFinished(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: 'the user denied access' },
        { mergeWithLastSubmission: false },
      );
    }
    if (action === 'login') {
      const body = await readBody(ctx.req);
      const login = String(body.login ?? '').trim();
      if (!/^[A-Za-z0-9._@+-]{1,64}$/.test(login))
        return send(
          ctx,
          400,
          page('Sign in', '<h1>Enter a user name (letters, digits, . _ @ + -)</h1>'),
          'html',
        );
      return provider.interactionFinished(
        ctx.req,
        ctx.res,
        { login: { accountId: login } },
        { mergeWithLastSubmission: false },
      );
    }
    if (action === 'confirm') {
      await readBody(ctx.req);
      const accountId = details.session?.accountId;
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId });
      // The interaction names a grant that has expired or been revoked since the consent page was shown.
      if (!grant) return send(ctx, 400, page('Sign-in error', '<h1>This sign-in has expired</h1>'), 'html');
      const d = prompt.details as ConsentDetails;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      if (d.missingResourceScopes)
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes))
          grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      return provider.interactionFinished(
        ctx.req,
        ctx.res,
        { consent: details.grantId ? {} : { grantId } },
        { mergeWithLastSubmission: true },
      );
    }
    ctx.set('referrer-policy', 'no-referrer');
    if (prompt.name === 'login') {
      return send(
        ctx,
        200,
        page(
          `Sign in to ${name}`,
          `<h1 data-prompt="login">Sign in to ${escapeHtml(name)}</h1><p>Any user name works here; it names the ${escapeHtml(name)} account you connect.</p>
<form method="post" action="/interaction/${uid}/login"><label>User name<input name="login" data-testid="login" value="demo-user" autofocus></label>
<button class="allow" type="submit" data-testid="sign-in">Sign in</button></form>
<form method="post" action="/interaction/${uid}/abort"><button class="deny" type="submit" data-testid="cancel">Cancel</button></form>`,
        ),
        'html',
      );
    }
    const scopes = String(details.params.scope ?? '')
      .split(/[ ,]+/)
      .filter(Boolean);
    return send(
      ctx,
      200,
      page(
        `${name}: allow access?`,
        `<h1 data-prompt="consent">Allow ListBackup to access your ${escapeHtml(name)} account?</h1>
<p>Signed in as <b data-testid="account">${escapeHtml(details.session?.accountId ?? '')}</b>. ListBackup asks for:</p><ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<form method="post" action="/interaction/${uid}/confirm" style="display:inline"><button class="allow" type="submit" data-testid="allow">Allow</button></form>
<form method="post" action="/interaction/${uid}/abort" style="display:inline"><button class="deny" type="submit" data-testid="deny">Deny</button></form>`,
      ),
      'html',
    );
  }

  // -------- revocation in each provider's shape (RFC 7009 form, JSON, bearer, Stripe deauthorize) ----
  async function revocation(ctx: Ctx, client: AuthServerClientConfig): Promise<void> {
    bump('revocations', client.provider, 'requests');
    const body = await readBody(ctx.req).catch((): Body => ({}));
    const rule: Partial<NonNullable<AuthServerClientConfig['revocation']>> = client.revocation ?? {
      auth: 'none',
    };
    const auth = ctx.get('authorization');
    const basic = basicCredentials(auth);
    const authenticated =
      rule.auth === 'none' || rule.auth === 'bearer'
        ? true
        : rule.auth === 'client_secret_basic'
          ? basic?.id === client.clientId && constantEqual(basic.secret, client.clientSecret)
          : rule.auth === 'client_secret_post'
            ? body.client_id === client.clientId &&
              constantEqual(body.client_secret ?? '', client.clientSecret)
            : constantEqual(bearer(auth) ?? '', client.clientSecret);
    if (!authenticated) return send(ctx, 401, { error: 'invalid_client' });
    const token = stringField(body.token) ?? (rule.auth === 'bearer' ? bearer(auth) : undefined);
    const grants = new Set<string>();
    if (token) {
      for (const model of ['AccessToken', 'RefreshToken']) {
        const entry = live(`${model}:${token}`);
        if (entry?.payload.grantId && entry.payload.clientId === client.clientId)
          grants.add(entry.payload.grantId);
      }
    }
    // Account-named revocation (Stripe deauthorize): body fields that the token response carries.
    const tokenFields = client.quirks.tokenFields ?? {};
    const named = Object.keys(tokenFields).filter((f) => typeof body[f] === 'string');
    if (named.length) {
      for (const [grantId, entry] of entriesOf('Grant')) {
        if (entry.payload.clientId !== client.clientId) continue;
        const vars = { account: entry.payload.accountId ?? '' };
        if (named.every((f) => String(fill(tokenFields[f], client, vars, f)) === body[f]))
          grants.add(grantId);
      }
    }
    // A grant-wide revocation (Google) ends every grant of that user to this client, not only the token's.
    if (rule.revokes === 'grant') {
      const users = new Set([...grants].map((id) => live(`Grant:${id}`)?.payload.accountId).filter(Boolean));
      for (const [grantId, entry] of entriesOf('Grant'))
        if (entry.payload.clientId === client.clientId && users.has(entry.payload.accountId))
          grants.add(grantId);
    }
    for (const grantId of grants) {
      revokeGrant(grantId);
      bump('revokedGrants', client.provider, 'grants');
    }
    return send(ctx, 200, named.length ? Object.fromEntries(named.map((f) => [f, body[f]])) : {});
  }

  // -------- admin: stats, revoke/expire grants, inject token-endpoint failures, change lifetimes -------
  async function admin(ctx: Ctx, action: string): Promise<void> {
    if (!constantEqual(ctx.get('x-admin-token'), config.adminToken))
      return send(ctx, 401, { error: 'unauthorized' });
    if (action === 'stats' && ctx.method === 'GET') return send(ctx, 200, stats);
    const body: Body = ctx.method === 'POST' ? await readBody(ctx.req) : {};
    const named = stringField(body.provider);
    const selected = body.provider ? [clients.get(named ?? '')?.clientId] : [...byClientId.keys()];
    if (action === 'revoke') {
      let revoked = 0;
      for (const [grantId, entry] of entriesOf('Grant')) {
        if (!selected.includes(entry.payload.clientId)) continue;
        if (body.account && entry.payload.accountId !== body.account) continue;
        revokeGrant(grantId);
        revoked += 1;
      }
      return send(ctx, 200, { revoked });
    }
    if (action === 'expire') {
      const models: Record<string, string> = {
        access_tokens: 'AccessToken',
        refresh_tokens: 'RefreshToken',
        codes: 'AuthorizationCode',
      };
      const model = Object.hasOwn(models, String(body.what)) ? models[String(body.what)] : undefined;
      if (!model) return send(ctx, 400, { error: 'what must be access_tokens, refresh_tokens or codes' });
      let expired = 0;
      for (const [, entry] of entriesOf(model)) {
        if (!selected.includes(entry.payload.clientId)) continue;
        entry.payload.exp = NOW() - 1;
        expired += 1;
      }
      return send(ctx, 200, { expired });
    }
    if (action === 'delay') {
      if (!named || !clients.has(named)) return send(ctx, 400, { error: 'unknown provider' });
      delays.set(named, { ms: Number(body.ms ?? 1000), times: Number(body.times ?? 1) });
      return send(ctx, 200, { ok: true });
    }
    if (action === 'fail') {
      if (!named || !clients.has(named)) return send(ctx, 400, { error: 'unknown provider' });
      failures.set(named, {
        status: Number(body.status ?? 503),
        error: stringField(body.error) ?? 'temporarily_unavailable',
        times: Number(body.times ?? 1),
      });
      return send(ctx, 200, { ok: true });
    }
    // A resource server's view of one access token: still accepted? `kill` ends it early (revoked, rotated).
    if (action === 'active' || action === 'kill') {
      const key = `AccessToken:${String(body.token ?? '')}`;
      const entry = live(key);
      if (action === 'kill' && entry) store.delete(key);
      return send(ctx, 200, action === 'kill' ? { killed: entry ? 1 : 0 } : { active: Boolean(entry) });
    }
    if (action === 'settings') {
      for (const key of Object.keys(settings) as (keyof Settings)[]) {
        const value = body[key];
        if (typeof value === 'number' && value > 0) settings[key] = value;
      }
      return send(ctx, 200, settings);
    }
    return send(ctx, 404, { error: 'unknown admin action' });
  }

  // -------- the provider-shaped front around oidc-provider ----------------------------------------
  const ROUTE = /^\/p\/([a-z0-9]+)(?:\/([a-z0-9][a-z0-9.-]*))?\/(authorize|token|revoke)$/;

  provider.use(async (ctx: Ctx, next: Next) => {
    const adminMatch = /^\/__admin\/([a-z]+)$/.exec(ctx.path);
    if (adminMatch) return admin(ctx, adminMatch[1]);
    const interactionMatch = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(ctx.path);
    if (interactionMatch)
      return interaction(
        ctx,
        interactionMatch[1],
        interactionMatch[2] ?? (ctx.method === 'GET' ? 'show' : 'none'),
      );

    const match = ROUTE.exec(ctx.path);
    if (match) {
      const [, providerId, tenant, endpoint] = match; // tenant: undefined without its optional segment
      const client = clients.get(providerId);
      if (!client) return send(ctx, 404, { error: 'unknown provider path' });
      if (endpoint === 'revoke') return revocation(ctx, client);
      if (endpoint === 'authorize') {
        bump('authorizations', providerId, 'requests');
        const query = { ...ctx.query };
        // Providers with another scope separator (Shopify: comma) are mapped to OAuth's space.
        if (client.scopeSeparator !== ' ' && typeof query.scope === 'string')
          query.scope = query.scope.split(client.scopeSeparator).join(' ');
        if (tenant) query.tenant = tenant;
        else delete query.tenant;
        ctx.query = query;
        ctx.path = '/auth';
        return authorizationResponse(ctx, next);
      }
      // Token endpoint: count, inject failures, enforce the registered client authentication and headers.
      bump('tokenRequests', providerId, 'requests');
      const delay = delays.get(providerId);
      if (delay && delay.times > 0) {
        delay.times -= 1;
        await new Promise((resolve) => setTimeout(resolve, delay.ms));
      }
      const failure = failures.get(providerId);
      if (failure && failure.times > 0) {
        failure.times -= 1;
        bump('tokenRequests', providerId, `status_${failure.status}`);
        return send(ctx, failure.status, { error: failure.error });
      }
      const basic = basicCredentials(ctx.get('authorization'));
      if (client.tokenEndpointAuthMethod === 'client_secret_basic' && basic?.id !== client.clientId) {
        bump('tokenRequests', providerId, 'status_401');
        return send(ctx, 401, {
          error: 'invalid_client',
          error_description: 'this client authenticates with HTTP Basic (client_secret_basic)',
        });
      }
      if (client.tokenEndpointAuthMethod === 'client_secret_post' && ctx.get('authorization')) {
        bump('tokenRequests', providerId, 'status_401');
        return send(ctx, 401, {
          error: 'invalid_client',
          error_description: 'this client sends client_id and client_secret in the body (client_secret_post)',
        });
      }
      for (const [header, value] of Object.entries(client.quirks.requiredTokenHeaders ?? {})) {
        if (ctx.get(header) !== value) {
          bump('tokenRequests', providerId, 'status_400');
          return send(ctx, 400, {
            error: 'invalid_request',
            error_description: `header ${header}: ${value} is required`,
          });
        }
      }
      ctx.path = '/token';
      await next();
      return tokenResponse(ctx, client);
    }
    if (['/auth', '/token'].includes(ctx.path))
      return send(ctx, 404, { error: 'use the provider path /p/<provider>/...' });
    await next();
    if (ctx.oidc?.route === 'resume') return decorateRedirect(ctx);
    return undefined;
  });

  async function authorizationResponse(ctx: Ctx, next: Next): Promise<void> {
    await next();
    return decorateRedirect(ctx);
  }

  /** Adds the provider's callback parameters (QuickBooks realmId, Shopify shop/timestamp/host/hmac). */
  function decorateRedirect(ctx: Ctx): void {
    const location = ctx.response.get('location');
    const client = clientOf(ctx.oidc?.client?.clientId);
    if (!ctx.oidc || !client || !location || !location.startsWith(client.redirectUri)) return;
    const url = new URL(location);
    if (!url.searchParams.has('code')) return;
    const account = ctx.oidc.session?.accountId ?? ctx.oidc.entities?.Grant?.accountId ?? '';
    const vars = { account, tenant: stringField(ctx.oidc.params?.tenant) };
    for (const [name, template] of Object.entries(client.quirks.callbackParams ?? {}))
      url.searchParams.set(name, String(fill(template, client, vars, name)));
    if (client.quirks.callbackSignature === 'shopify-hmac') {
      const params = Object.fromEntries(url.searchParams);
      const message = Object.keys(params)
        .filter((k) => k !== 'hmac' && k !== 'signature')
        .sort()
        .map((k) => `${k}=${params[k]}`)
        .join('&');
      url.searchParams.set('hmac', createHmac('sha256', client.clientSecret).update(message).digest('hex'));
    }
    ctx.redirect(url.toString());
  }

  /** Reshapes a token response as the provider documents it (extra fields, scope separator, omissions). */
  function tokenResponse(ctx: Ctx, client: AuthServerClientConfig): void {
    bump('tokenRequests', client.provider, `status_${ctx.status}`);
    let parsed: unknown = ctx.body;
    if (typeof parsed === 'string' || Buffer.isBuffer(parsed)) {
      try {
        parsed = JSON.parse(parsed.toString());
      } catch {
        return;
      }
    }
    if (!parsed || typeof parsed !== 'object') return;
    const body = parsed as Body;
    const grantType = stringField(ctx.oidc?.params?.grant_type);
    if (grantType) bump('tokenRequests', client.provider, grantType);
    if (ctx.status !== 200) {
      if (body.error) bump('tokenRequests', client.provider, `error_${body.error}`);
      return;
    }
    const account =
      ctx.oidc?.entities?.AuthorizationCode?.accountId ?? ctx.oidc?.entities?.RefreshToken?.accountId ?? '';
    const vars = { account };
    if (typeof body.scope === 'string' && client.scopeSeparator !== ' ')
      body.scope = body.scope.split(' ').join(client.scopeSeparator);
    for (const [field, template] of Object.entries(client.quirks.tokenFields ?? {}))
      body[field] = fill(template, client, vars, field);
    for (const field of client.quirks.omitTokenFields ?? []) delete body[field];
    ctx.body = body;
  }

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ ready: true, port, issuer })}\n`);
  return server;
}

// The parent sends the configuration as the first stdin line; stdin closing means "stop".
const lines = createInterface({ input: process.stdin });
let server: Server | undefined;
lines.once('line', (line) => {
  // The parent (auth-server-client.ts) builds this line from its typed AuthServerConfig.
  main(JSON.parse(line) as AuthServerConfig)
    .then((s) => {
      server = s;
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `auth-server: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    });
});
process.stdin.on('end', () => {
  server?.close();
  process.exit(0);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
