// Token access against the real local authorization server: refresh, rotation, one refresh under
// concurrency, crashed lease holders, invalid_grant -> needs_reauth -> reconnect, provider outages.
import type { TokenDocument } from '../../lambda/oauth/token-document';
import type { ActivityItem } from '../../lambda/records/shapes';
import type { ConnectionRecord } from '../../lambda/store/connections';
import type { AccessToken } from '../../lambda/tokens/token-access';
import { closeDb, getItem, putItem, queryPartition } from '../support/dynamo';
import { startTokenServer, type TokenServer } from '../support/token-server';
import { seedTokens } from '../support/vault';
import {
  connect,
  eventsFor,
  newCaller,
  refreshDirectly,
  refreshRequests,
  startWorld,
  vault,
  type Caller,
  type TokenWorld,
} from '../support/tokens-world';

let world: TokenWorld;
let tokens: typeof import('../../lambda/tokens/token-access');
let leases: typeof import('../../lambda/store/leases');
let tokenAccessHandler: typeof import('../../lambda/handlers/token-access').handler;
/** A loopback "provider" that answers 503 to every token request. */
let down: TokenServer;

beforeAll(async () => {
  world = await startWorld();
  tokens = await import('../../lambda/tokens/token-access');
  leases = await import('../../lambda/store/leases');
  tokenAccessHandler = (await import('../../lambda/handlers/token-access')).handler;
  down = await startTokenServer();
  down.setDefault('/token', () => ({ status: 503, body: '{"error":"temporarily_unavailable"}' }));
}, 60_000);

afterAll(async () => {
  await down?.stop();
  await world?.stop();
  closeDb();
});

type Ref = Caller & { sourceId: string };

async function connected(
  provider: 'box' | 'quickbooks' | 'dropbox',
  login = `u${Date.now()}${Math.random().toString(36).slice(2, 6)}`,
) {
  const caller = newCaller();
  const { sourceId } = await connect(world, provider, caller, { login });
  return { ...caller, sourceId, login };
}

/** Rewrites the stored expiry so the access token is still valid but inside the refresh margin. */
async function expireSoon(ref: Ref, msLeft = 60_000): Promise<TokenDocument> {
  const document = (await vault(world, ref)).document as TokenDocument;
  const stale = { ...document, expiresAt: new Date(Date.now() + msLeft).toISOString() };
  await seedTokens(ref, stale);
  return stale;
}

const connection = (ref: Ref) =>
  getItem<ConnectionRecord>('platform-connections', { accountId: ref.accountId, sourceId: ref.sourceId });

function access(singleFlight = true) {
  return tokens.createTokenAccess(world.config, { singleFlight });
}

/** Token access whose provider's token endpoint is a scripted loopback server. */
function viaServer(server: TokenServer, provider: 'box' | 'dropbox' | 'quickbooks', singleFlight = true) {
  return tokens.createTokenAccess(
    { ...world.config, endpointOverrides: { [provider]: { tokenEndpoint: `${server.url}/token` } } },
    { singleFlight },
  );
}

describe('token access', () => {
  it('hands out the stored token when it is fresh, with provider and external account, without a refresh', async () => {
    const ref = await connected('quickbooks');
    const before = await refreshRequests(world, 'quickbooks');
    const stored = (await vault(world, ref)).document as TokenDocument;
    const token = await access().getAccessToken(ref);
    expect(token).toEqual<AccessToken>({
      accessToken: stored.accessToken,
      expiresAt: stored.expiresAt,
      provider: 'quickbooks',
      tokenType: stored.tokenType,
      scopes: stored.scopes,
      externalAccount: { realmId: expect.stringMatching(/^\d+$/) },
      rateLimit: null,
    });
    expect(await refreshRequests(world, 'quickbooks')).toBe(before);
  });

  it('refreshes before expiry: new token, new secret version, connection updated', async () => {
    const ref = await connected('quickbooks');
    const stale = await expireSoon(ref);
    const versions = (await vault(world, ref)).versions;
    const before = await refreshRequests(world, 'quickbooks');
    const startedAt = Date.now();

    const token = await access().getAccessToken(ref);

    expect(await refreshRequests(world, 'quickbooks')).toBe(before + 1);
    expect(token.accessToken).not.toBe(stale.accessToken);
    expect(Date.parse(token.expiresAt as string)).toBeGreaterThan(Date.parse(stale.expiresAt as string));
    // The old token had not expired yet: this was a refresh ahead of expiry.
    expect(Date.parse(stale.expiresAt as string)).toBeGreaterThan(Date.now());
    const after = await vault(world, ref);
    expect(after.versions).toBe(versions + 1);
    expect(after.document?.accessToken).toBe(token.accessToken);
    expect(after.document?.externalAccount).toEqual(stale.externalAccount);
    const record = await connection(ref);
    expect(record?.status).toBe('active');
    expect(record?.accessTokenExpiresAt).toBe(token.expiresAt);
    expect(Date.parse(record?.lastRefreshAt as string)).toBeGreaterThanOrEqual(startedAt);
    expect(record?.lastErrorCode).toBeNull();
    expect(record?.refreshPartition).toBe('refresh');
    expect(Date.parse(record?.refreshDueAt as string)).toBeGreaterThan(Date.now());
  });

  it('keeps only the newest refresh token of a rotating provider; the old one is rejected afterwards', async () => {
    const ref = await connected('box');
    const stale = await expireSoon(ref);
    await access().getAccessToken(ref);
    const rotated = (await vault(world, ref)).document as TokenDocument;
    expect(rotated.refreshToken).toBeDefined();
    expect(rotated.refreshToken).not.toBe(stale.refreshToken);

    // A second refresh through the service spends the stored (newest) one and works.
    await expireSoon(ref);
    await access().getAccessToken(ref);
    const newest = (await vault(world, ref)).document as TokenDocument;
    expect(newest.refreshToken).not.toBe(rotated.refreshToken);

    const old = await refreshDirectly(world, 'box', stale.refreshToken as string);
    expect(old).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('keeps the stored refresh token when a non-rotating provider answers none', async () => {
    const ref = await connected('dropbox');
    const stale = await expireSoon(ref);
    const scripted = await startTokenServer();
    try {
      scripted.script('/token', {
        status: 200,
        body: JSON.stringify({ access_token: 'at-without-rt', token_type: 'bearer', expires_in: 3600 }),
      });
      const token = await viaServer(scripted, 'dropbox').getAccessToken(ref);
      expect(token.accessToken).toBe('at-without-rt');
      expect(new URLSearchParams(scripted.requests[0].body).get('refresh_token')).toBe(stale.refreshToken);
    } finally {
      await scripted.stop();
    }
    expect((await vault(world, ref)).document?.refreshToken).toBe(stale.refreshToken);
    // ... and that kept refresh token still works at the real server.
    await expireSoon(ref);
    const next = await access().getAccessToken(ref);
    expect(next.accessToken).not.toBe('at-without-rt');
  });

  it("refuses a rotating provider's refresh answer without refresh_token: nothing saved, counted as failing", async () => {
    const ref = await connected('box');
    const stale = await expireSoon(ref);
    const versions = (await vault(world, ref)).versions;
    const scripted = await startTokenServer();
    try {
      scripted.script('/token', {
        status: 200,
        body: JSON.stringify({ access_token: 'at-without-rt', token_type: 'bearer', expires_in: 3600 }),
      });
      await expect(viaServer(scripted, 'box').getAccessToken(ref)).rejects.toMatchObject({
        code: 'invalid_token_response',
      });
    } finally {
      await scripted.stop();
    }
    expect(await vault(world, ref)).toMatchObject({ document: stale, versions });
    expect(await connection(ref)).toMatchObject({
      status: 'active',
      lastErrorCode: 'invalid_token_response',
      refreshFailureCount: 1,
    });
  });

  it('20 concurrent requests in one container -> exactly one refresh at the provider', async () => {
    const ref = await connected('box');
    await expireSoon(ref);
    const before = await refreshRequests(world, 'box');
    const shared = access();
    const results = await Promise.all(Array.from({ length: 20 }, () => shared.getAccessToken(ref)));
    expect(await refreshRequests(world, 'box')).toBe(before + 1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
  });

  it('20 concurrent requests from 20 "containers" (no in-process merge) -> the lease lets exactly one refresh', async () => {
    const ref = await connected('box');
    await expireSoon(ref);
    const before = await refreshRequests(world, 'box');
    const results = await Promise.all(Array.from({ length: 20 }, () => access(false).getAccessToken(ref)));
    expect(await refreshRequests(world, 'box')).toBe(before + 1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(results[0].accessToken).toBe((await vault(world, ref)).document?.accessToken);
    expect(
      await leases.readLease(world.config.tables.states, leases.leaseKey(ref.accountId, ref.sourceId)),
    ).toBeUndefined();
  });

  it('a crashed lease holder: the next caller waits for the lease to expire, then refreshes', async () => {
    const ref = await connected('box');
    await expireSoon(ref);
    const key = leases.leaseKey(ref.accountId, ref.sourceId);
    const crashedUntil = Date.now() + 1_500;
    await putItem('oauth-states', {
      state: key,
      kind: 'lease',
      owner: 'crashed-worker',
      expiresAt: crashedUntil,
      ttl: Math.ceil(crashedUntil / 1000) + 60,
    });
    const before = await refreshRequests(world, 'box');

    const token = await access(false).getAccessToken(ref);

    expect(Date.now()).toBeGreaterThanOrEqual(crashedUntil);
    expect(await refreshRequests(world, 'box')).toBe(before + 1);
    expect(token.accessToken).toBe((await vault(world, ref)).document?.accessToken);
    // Released by its new holder; the crashed holder's late release finds nothing of its own.
    expect(await leases.readLease(world.config.tables.states, key)).toBeUndefined();
    expect(await leases.releaseLease(world.config.tables.states, key, 'crashed-worker')).toBe(false);
  });

  it('a refresh in flight cannot undo a reconnect: the reconnect waits for the lease and its tokens stay', async () => {
    const ref = await connected('box');
    await expireSoon(ref);
    // The reconnect's consent and code exchange happen first; only its confirmation races the refresh.
    const { httpEvent } = await import('../support/events');
    const { consentOverHttp } = await import('../support/auth-server');
    const { TEST_API_URL } = await import('../support/constants');
    const started = await world.handlers.start(
      httpEvent({
        method: 'POST',
        pathParameters: { provider: 'box' },
        caller: ref,
        body: { sourceId: ref.sourceId },
      }),
    );
    const back = await consentOverHttp(JSON.parse(started.body as string).authorizationUrl, {
      login: ref.login,
      callbackPrefix: TEST_API_URL,
    });
    const redirected = await world.handlers.callback(
      httpEvent({ pathParameters: { provider: 'box' }, query: Object.fromEntries(back.searchParams) }),
    );
    const completion = new URL(redirected.headers.location).searchParams.get('completion') as string;

    await world.auth.delayNext('box', 3000);
    const refreshing = access(false).getAccessToken(ref);
    const key = leases.leaseKey(ref.accountId, ref.sourceId);
    while (!(await leases.readLease(world.config.tables.states, key)))
      await new Promise((r) => setTimeout(r, 20));
    const confirmed = await world.handlers.complete(
      httpEvent({ method: 'POST', pathParameters: { provider: 'box' }, caller: ref, body: { completion } }),
    );
    expect(confirmed.statusCode).toBe(200);
    expect(JSON.parse(confirmed.body as string).status).toBe('reconnected');
    const refreshed = await refreshing;

    // Whichever wrote second, the vault holds the reconnect's grant, not the old grant's refreshed tokens.
    const stored = (await vault(world, ref)).document as TokenDocument;
    expect(stored.accessToken).not.toBe(refreshed.accessToken);
    expect((await refreshDirectly(world, 'box', stored.refreshToken as string)).status).toBe(200);
  });

  it('invalid_grant -> needs_reauth + event + activity once; a reconnect restores active', async () => {
    const ref = await connected('box');
    await world.auth.revokeAll('box', ref.login);
    await expireSoon(ref);

    await expect(access().getAccessToken(ref)).rejects.toMatchObject({ code: 'needs_reauth' });

    const record = await connection(ref);
    expect(record).toMatchObject({ status: 'needs_reauth', lastErrorCode: 'invalid_grant' });
    expect(record?.refreshPartition).toBeUndefined();
    expect(
      (await getItem<{ status: string }>('sources', { accountId: ref.accountId, sourceId: ref.sourceId }))
        ?.status,
    ).toBe('needs_reauth');
    const activity = await queryPartition<ActivityItem>('activity', 'accountId', ref.accountId);
    expect(activity.filter((a) => a.type === 'integration.needs_reauth')).toHaveLength(1);
    expect(eventsFor(world, 'Connection Needs Reauth', ref.sourceId)).toHaveLength(1);

    // Callers now get a fast needs_reauth: no request to the provider, no second event.
    const before = await refreshRequests(world, 'box');
    await expect(access().getAccessToken(ref)).rejects.toMatchObject({ code: 'needs_reauth' });
    expect(await refreshRequests(world, 'box')).toBe(before);
    expect(eventsFor(world, 'Connection Needs Reauth', ref.sourceId)).toHaveLength(1);

    const again = await connect(world, 'box', ref, { login: ref.login, sourceId: ref.sourceId });
    expect(again).toEqual({ sourceId: ref.sourceId, status: 'reconnected' });
    expect((await connection(ref))?.status).toBe('active');
    expect((await connection(ref))?.lastErrorCode).toBeNull();
    expect(eventsFor(world, 'Connection Restored', ref.sourceId)).toHaveLength(1);
    const afterReconnect = await queryPartition<ActivityItem>('activity', 'accountId', ref.accountId);
    expect(afterReconnect.filter((a) => a.type === 'integration.restored')).toHaveLength(1);
    const token = await access().getAccessToken(ref);
    expect(token.accessToken).toBe((await vault(world, ref)).document?.accessToken);
  });

  it('5xx -> bounded retries with backoff, nothing changed, then a fast retryable during the cooldown', async () => {
    const ref = await connected('box');
    const stale = await expireSoon(ref);
    const versions = (await vault(world, ref)).versions;
    const broken = tokens.createTokenAccess({
      ...world.config,
      endpointOverrides: { box: { tokenEndpoint: `${down.url}/token` } },
    });
    const hits = () => down.requests.filter((r) => r.path === '/token').length;
    const hitsBefore = hits();

    await expect(broken.getAccessToken(ref)).rejects.toMatchObject({ code: 'retryable' });

    expect(hits() - hitsBefore).toBe(3);
    const after = await vault(world, ref);
    expect(after.versions).toBe(versions);
    expect(after.document).toEqual(stale);
    const record = await connection(ref);
    expect(record).toMatchObject({
      status: 'active',
      lastErrorCode: 'provider_unavailable',
      refreshFailureCount: 1,
    });
    expect(record?.failureDays).toEqual([new Date().toISOString().slice(0, 10)]);
    expect(Date.parse(record?.refreshBackoffUntil as string)).toBeGreaterThan(Date.now());
    expect(eventsFor(world, 'Connection Needs Reauth', ref.sourceId)).toHaveLength(0);

    const fastAt = Date.now();
    await expect(broken.getAccessToken(ref)).rejects.toMatchObject({ code: 'retryable' });
    expect(Date.now() - fastAt).toBeLessThan(1_000);
    expect(hits() - hitsBefore).toBe(3);
  });

  it('a fourth failing day makes the connection needs_reauth (exhausted) and takes it off the schedule', async () => {
    const ref = await connected('box');
    await expireSoon(ref);
    const record = (await connection(ref)) as ConnectionRecord;
    await putItem('platform-connections', {
      ...record,
      failureDays: ['2026-01-01', '2026-01-02', '2026-01-03'],
      lastErrorCode: 'provider_unavailable',
    });
    const broken = tokens.createTokenAccess({
      ...world.config,
      endpointOverrides: { box: { tokenEndpoint: `${down.url}/token` } },
    });

    await expect(broken.getAccessToken(ref)).rejects.toMatchObject({ code: 'needs_reauth' });

    const after = await connection(ref);
    expect(after).toMatchObject({ status: 'needs_reauth', lastErrorCode: 'refresh_failing' });
    expect(after?.refreshPartition).toBeUndefined();
    expect(eventsFor(world, 'Connection Needs Reauth', ref.sourceId)).toHaveLength(1);
  });

  it('the Lambda handler validates its input and answers errors as { error, message } without tokens in logs', async () => {
    const ref = await connected('dropbox');
    await expireSoon(ref);
    const ok = await tokenAccessHandler({ accountId: ref.accountId, sourceId: ref.sourceId });
    expect(ok).toMatchObject({
      provider: 'dropbox',
      accessToken: (await vault(world, ref)).document?.accessToken,
    });
    expect(await tokenAccessHandler({ accountId: ref.accountId })).toMatchObject({
      error: 'invalid_request',
    });
    expect(
      await tokenAccessHandler({ accountId: ref.accountId, sourceId: 'src_missing', extra: 1 }),
    ).toMatchObject({
      error: 'invalid_request',
    });
    expect(await tokenAccessHandler({ accountId: ref.accountId, sourceId: 'src_missing' })).toEqual({
      error: 'source_not_found',
      message: expect.any(String),
    });
    const document = (await vault(world, ref)).document as TokenDocument;
    const logs = world.output.text();
    expect(logs).toContain('tokens refreshed');
    expect(logs).not.toContain(document.accessToken);
    expect(logs).not.toContain(document.refreshToken as string);
  });
});

describe('faults at the provider and in AWS', () => {
  let scripted: TokenServer;
  beforeEach(async () => {
    scripted = await startTokenServer();
  });
  afterEach(async () => {
    await scripted.stop();
  });
  const hits = () => scripted.requests.filter((r) => r.path === '/token');

  it.each(['invalid_client', 'unauthorized_client'])(
    "%s is the service's fault: nothing counted on the connection, an error log line, credentials_rejected",
    async (oauthError) => {
      const ref = await connected('box');
      const stale = await expireSoon(ref);
      scripted.script('/token', { status: 401, body: JSON.stringify({ error: oauthError }) });
      const logsBefore = world.output.text().length;

      await expect(viaServer(scripted, 'box').getAccessToken(ref)).rejects.toMatchObject({
        code: 'credentials_rejected',
      });

      expect(hits()).toHaveLength(1);
      const record = await connection(ref);
      expect(record).toMatchObject({ status: 'active', lastErrorCode: null });
      expect(record?.failureDays ?? []).toEqual([]);
      expect(record?.refreshFailureCount).toBeUndefined();
      expect(record?.refreshBackoffUntil).toBeUndefined();
      expect((await vault(world, ref)).document).toEqual(stale);
      const lines = world.output
        .text()
        .slice(logsBefore)
        .split('\n')
        .filter((l) => l.includes('client credentials'));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({
        level: 'ERROR',
        provider: 'box',
        error: 'credentials_rejected',
        oauthError,
      });
      // The next caller asks the provider again: no cooldown for a fault of ours.
      scripted.script('/token', {
        status: 200,
        body: JSON.stringify({ access_token: 'at-2', refresh_token: 'rt-2', expires_in: 3600 }),
      });
      expect((await viaServer(scripted, 'box').getAccessToken(ref)).accessToken).toBe('at-2');
    },
  );

  it('a 429 with Retry-After: 120 gets one attempt, and callers back off for the 120 s', async () => {
    const ref = await connected('box');
    await expireSoon(ref);
    scripted.setDefault('/token', () => ({
      status: 429,
      body: '{"error":"rate_limited"}',
      headers: { 'retry-after': '120' },
    }));
    const startedAt = Date.now();

    await expect(viaServer(scripted, 'box').getAccessToken(ref)).rejects.toMatchObject({
      code: 'retryable',
    });

    expect(hits()).toHaveLength(1);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    const record = await connection(ref);
    expect(Date.parse(record?.refreshBackoffUntil as string)).toBeGreaterThanOrEqual(startedAt + 120_000);
    expect(Date.parse(record?.refreshDueAt as string)).toBeGreaterThanOrEqual(startedAt + 120_000);
  });

  it('a 429 with a short Retry-After is waited out before the next attempt', async () => {
    const ref = await connected('box');
    await expireSoon(ref);
    scripted.script(
      '/token',
      { status: 429, body: '{"error":"rate_limited"}', headers: { 'retry-after': '2' } },
      {
        status: 200,
        body: JSON.stringify({ access_token: 'at-late', refresh_token: 'rt-late', expires_in: 3600 }),
      },
    );

    const token = await viaServer(scripted, 'box').getAccessToken(ref);

    expect(token.accessToken).toBe('at-late');
    const [first, second] = hits();
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(2_000);
  });

  it('a hanging provider gets the documented three attempts, all inside the lease', async () => {
    const { REFRESH_ATTEMPTS, ATTEMPT_TIMEOUT_MS, LEASE_TTL_MS } = await import('../../lambda/tokens/policy');
    const ref = await connected('box');
    await expireSoon(ref);
    scripted.setDefault('/token', () => ({ status: 200, body: '{}', delayMs: ATTEMPT_TIMEOUT_MS + 2_000 }));
    const startedAt = Date.now();

    await expect(viaServer(scripted, 'box').getAccessToken(ref)).rejects.toMatchObject({
      code: 'retryable',
    });

    expect(REFRESH_ATTEMPTS).toBe(3);
    expect(hits()).toHaveLength(REFRESH_ATTEMPTS);
    expect(Date.now() - startedAt).toBeLessThan(LEASE_TTL_MS);
  }, 60_000);

  it('a vault write stalled past the lease: no second holder spends the rotated token, nothing marked needs_reauth', async () => {
    const { LEASE_TTL_MS } = await import('../../lambda/tokens/policy');
    const ref = await connected('box');
    await expireSoon(ref);
    const before = await refreshRequests(world, 'box');
    world.aws.stallNext('secretsmanager.PutSecretValue', LEASE_TTL_MS + 2_000);

    const first = access(false).getAccessToken(ref);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = access(false).getAccessToken(ref);
    const [a, b] = await Promise.all([first, second]);

    expect(await refreshRequests(world, 'box')).toBe(before + 1);
    expect(b.accessToken).toBe(a.accessToken);
    expect((await vault(world, ref)).document?.accessToken).toBe(a.accessToken);
    expect(await connection(ref)).toMatchObject({ status: 'active', lastErrorCode: null });
    expect(eventsFor(world, 'Connection Needs Reauth', ref.sourceId)).toHaveLength(0);
  }, 60_000);

  it('a holder that finds its lease taken before saving says so, and saves the only valid tokens', async () => {
    const ref = await connected('box');
    await expireSoon(ref);
    const key = leases.leaseKey(ref.accountId, ref.sourceId);
    scripted.script('/token', {
      status: 200,
      body: JSON.stringify({ access_token: 'at-late', refresh_token: 'rt-late', expires_in: 3600 }),
      delayMs: 800,
    });
    const logsBefore = world.output.text().length;

    const refreshing = viaServer(scripted, 'box', false).getAccessToken(ref);
    // While the provider answers, another container takes the lease over (as if ours had expired).
    await new Promise((resolve) => setTimeout(resolve, 400));
    await putItem('oauth-states', {
      state: key,
      kind: 'lease',
      owner: 'intruder',
      expiresAt: Date.now() + 60_000,
      ttl: Math.ceil(Date.now() / 1000) + 120,
    });
    const token = await refreshing;

    expect(token.accessToken).toBe('at-late');
    expect((await vault(world, ref)).document).toMatchObject({
      accessToken: 'at-late',
      refreshToken: 'rt-late',
    });
    const lost = world.output
      .text()
      .slice(logsBefore)
      .split('\n')
      .filter((l) => l.includes('lease'));
    expect(lost.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        sourceId: ref.sourceId,
        message: expect.stringContaining('lost'),
      }),
    ]);
    // The intruder's lease is left alone.
    expect(await leases.readLease(world.config.tables.states, key)).toMatchObject({ owner: 'intruder' });
  });
});
