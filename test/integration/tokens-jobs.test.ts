// What backup jobs send, against the real local authorization server: rejected tokens (one forced refresh, the
// bound, concurrency, needs_reauth; refreshes counted at the server) and rate-limit reports (stored, hinted, refused).
import type { TokenDocument } from '../../lambda/oauth/token-document';
import fc from 'fast-check';
import type { ConnectionRecord } from '../../lambda/store/connections';
import type { Refusal } from '../../lambda/tokens/refusal';
import { closeDb, getItem } from '../support/dynamo';
import { pointsOf } from '../support/emf';
import {
  connect,
  eventsFor,
  newCaller,
  refreshRequests,
  startWorld,
  vault,
  type TokenWorld,
} from '../support/tokens-world';

// Metrics on (read when first emitted): long throttles are counted from the real Powertools output.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

let world: TokenWorld;
let tokens: typeof import('../../lambda/tokens/token-access');
let handler: typeof import('../../lambda/handlers/token-access').handler;

beforeAll(async () => {
  world = await startWorld();
  tokens = await import('../../lambda/tokens/token-access');
  handler = (await import('../../lambda/handlers/token-access')).handler;
}, 60_000);

afterAll(async () => {
  await world?.stop();
  closeDb();
});

type Provider = 'box' | 'quickbooks' | 'dropbox';

async function connected(provider: Provider) {
  const caller = newCaller();
  const login = `u${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const { sourceId } = await connect(world, provider, caller, { login });
  return { accountId: caller.accountId, sourceId };
}

type Ref = Awaited<ReturnType<typeof connected>>;

const stored = async (ref: Ref) => (await vault(world, ref)).document as TokenDocument;
const connection = (ref: Ref) =>
  getItem<ConnectionRecord>('platform-connections', { accountId: ref.accountId, sourceId: ref.sourceId });

/** Token access with the bound set to `windowMs` (the stage default is 5 minutes). */
function access(windowMs = 5 * 60_000, singleFlight = true) {
  return tokens.createTokenAccess({ ...world.config, forcedRefreshIntervalMs: windowMs }, { singleFlight });
}

/** The provider stops accepting the source's current access token before its expiry (revoked early). */
async function providerRejects(ref: Ref): Promise<string> {
  const token = (await stored(ref)).accessToken;
  expect(await world.auth.kill(token)).toBe(true);
  expect(await world.auth.isActive(token)).toBe(false);
  return token;
}

async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

describe('a rejected access token', () => {
  it('is refreshed once although it has not expired; the new token works at the provider', async () => {
    const ref = await connected('box');
    const rejected = await providerRejects(ref);
    expect(Date.parse((await stored(ref)).expiresAt as string)).toBeGreaterThan(Date.now() + 30 * 60_000);
    const before = await refreshRequests(world, 'box');

    const token = await access().getAccessToken(ref, { rejectedAccessToken: rejected });

    expect(await refreshRequests(world, 'box')).toBe(before + 1);
    expect(token.accessToken).not.toBe(rejected);
    expect(await world.auth.isActive(token.accessToken)).toBe(true);
    expect((await stored(ref)).accessToken).toBe(token.accessToken);
    const record = await connection(ref);
    expect(record?.forcedRefresh).toEqual({
      at: expect.any(String),
      tokenHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      streak: 0,
      tokenRejected: false,
    });
    // Only a hash is stored: neither token appears on the connection item.
    expect(JSON.stringify(record)).not.toContain(token.accessToken);
    expect(JSON.stringify(record)).not.toContain(rejected);
  });

  it('that was already replaced gets the current token without a refresh', async () => {
    const ref = await connected('quickbooks');
    const first = await providerRejects(ref);
    const current = await access().getAccessToken(ref, { rejectedAccessToken: first });
    const before = await refreshRequests(world, 'quickbooks');

    // A second worker still holding the first token reports it too, inside and after the window.
    for (const windowMs of [5 * 60_000, 1]) {
      const again = await access(windowMs).getAccessToken(ref, { rejectedAccessToken: first });
      expect(again.accessToken).toBe(current.accessToken);
    }
    expect(await refreshRequests(world, 'quickbooks')).toBe(before);
  });

  it('rejected by 20 workers at once (separate containers) is refreshed once; all get the same new token', async () => {
    const ref = await connected('box');
    const rejected = await providerRejects(ref);
    const before = await refreshRequests(world, 'box');

    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        access(5 * 60_000, false).getAccessToken(ref, { rejectedAccessToken: rejected }),
      ),
    );

    expect(await refreshRequests(world, 'box')).toBe(before + 1);
    expect(new Set(answers.map((a) => a.accessToken)).size).toBe(1);
    expect(answers[0].accessToken).not.toBe(rejected);
    expect(await world.auth.isActive(answers[0].accessToken)).toBe(true);
  });

  it('rejected by 20 callers in one container shares one attempt', async () => {
    const ref = await connected('dropbox');
    const rejected = await providerRejects(ref);
    const before = await refreshRequests(world, 'dropbox');
    const one = access();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => one.getAccessToken(ref, { rejectedAccessToken: rejected })),
    );
    expect(await refreshRequests(world, 'dropbox')).toBe(before + 1);
    expect(new Set(answers.map((a) => a.accessToken)).size).toBe(1);
  });

  it('of another source is never taken for this source’s token', async () => {
    const a = await connected('quickbooks');
    const b = await connected('quickbooks');
    const tokenOfA = await providerRejects(a);
    const storedB = (await stored(b)).accessToken;
    const before = await refreshRequests(world, 'quickbooks');

    const answer = await access(1).getAccessToken(b, { rejectedAccessToken: tokenOfA });

    expect(answer.accessToken).toBe(storedB);
    expect(await refreshRequests(world, 'quickbooks')).toBe(before);
    expect((await stored(a)).accessToken).toBe(tokenOfA);
    expect((await connection(a))?.forcedRefresh).toBeUndefined();
    expect((await connection(b))?.forcedRefresh).toBeUndefined();
  });

  it('after a forced refresh inside the window: retryable with the seconds left, no second refresh', async () => {
    const ref = await connected('box');
    await access().getAccessToken(ref, { rejectedAccessToken: await providerRejects(ref) });
    const fresh = await providerRejects(ref);
    const before = await refreshRequests(world, 'box');

    const error = await refusal(access().getAccessToken(ref, { rejectedAccessToken: fresh }));

    expect(error.code).toBe('retryable');
    expect(error.retryAfterSeconds).toBeGreaterThan(200);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(300);
    expect(await refreshRequests(world, 'box')).toBe(before);
    expect((await connection(ref))?.forcedRefresh).toMatchObject({ streak: 0, tokenRejected: true });
    expect((await connection(ref))?.status).toBe('active');
  });

  it('fresh tokens rejected twice in a row mark the connection needs_reauth with its own reason', async () => {
    const ref = await connected('box');
    const quick = access(1);
    const before = await refreshRequests(world, 'box');

    const first = await quick.getAccessToken(ref, { rejectedAccessToken: await providerRejects(ref) });
    await new Promise((r) => setTimeout(r, 5));
    const second = await quick.getAccessToken(ref, { rejectedAccessToken: await providerRejects(ref) });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await connection(ref))?.forcedRefresh).toMatchObject({ streak: 1, tokenRejected: false });
    await new Promise((r) => setTimeout(r, 5));
    const error = await refusal(
      quick.getAccessToken(ref, { rejectedAccessToken: await providerRejects(ref) }),
    );

    expect(error.code).toBe('needs_reauth');
    expect(error.reason).toBe('rejected_after_refresh');
    expect(await refreshRequests(world, 'box')).toBe(before + 2);
    const record = await connection(ref);
    expect(record?.status).toBe('needs_reauth');
    expect(record?.lastErrorCode).toBe('rejected_after_refresh');
    const events = eventsFor(world, 'Connection Needs Reauth', ref.sourceId);
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].Detail as string)).toMatchObject({ reason: 'rejected_after_refresh' });
  });

  it('holds the bound over a loop of 200 calls through the handler: one refresh, then retryable', async () => {
    const ref = await connected('quickbooks');
    const before = await refreshRequests(world, 'quickbooks');
    const answers: Record<string, number> = {};
    const output = world.output.text().length;
    const rejectedTokens = new Set<string>();

    for (let i = 0; i < 200; i += 1) {
      // The job reports whatever token it holds now; the provider rejects every one.
      const current = (await stored(ref)).accessToken;
      rejectedTokens.add(current);
      const answer = await handler({ ...ref, rejectedAccessToken: current });
      const kind = 'error' in answer ? answer.error : 'token';
      answers[kind] = (answers[kind] ?? 0) + 1;
      if ('error' in answer) {
        expect(answer.retryAfterSeconds).toBeGreaterThan(0);
        expect(answer.retryAfterSeconds).toBeLessThanOrEqual(300);
      }
    }

    expect(await refreshRequests(world, 'quickbooks')).toBe(before + 1);
    expect(answers).toEqual({ token: 1, retryable: 199 });
    expect((await connection(ref))?.status).toBe('active');
    const logs = world.output.text().slice(output);
    for (const token of rejectedTokens) expect(logs).not.toContain(token);
    // 200 real invocations in a row, each a DynamoDB Local read and a KMS Decrypt at moto: ~10 s idle, more under load.
  }, 120_000);
});

describe('the handler with rejectedAccessToken', () => {
  it('answers the refreshed token and never logs or returns the rejected one', async () => {
    const ref = await connected('dropbox');
    const rejected = await providerRejects(ref);
    const output = world.output.text().length;
    const answer = await handler({ ...ref, rejectedAccessToken: rejected });
    expect(answer).toMatchObject({ provider: 'dropbox', rateLimit: null });
    expect(JSON.stringify(answer)).not.toContain(rejected);
    expect(world.output.text().slice(output)).not.toContain(rejected);
  });

  it.each([
    ['an empty token', '', 'rejectedAccessToken must not be empty'],
    ['a number', 42, 'rejectedAccessToken must be a string'],
    ['a huge token', `secret-${'x'.repeat(9000)}`, 'rejectedAccessToken is too long'],
  ])('refuses %s with invalid_request and does not echo it', async (_name, value, message) => {
    const answer = await handler({ accountId: 'acct-1', sourceId: 'src-1', rejectedAccessToken: value });
    expect(answer).toEqual({ error: 'invalid_request', message });
  });

  it('refuses a rejected token together with a report', async () => {
    const answer = await handler({
      accountId: 'acct-1',
      sourceId: 'src-1',
      rejectedAccessToken: 'secret-value',
      rateLimit: { remaining: 1 },
    });
    expect(answer).toEqual({
      error: 'invalid_request',
      message: 'takes only accountId, sourceId, rejectedAccessToken',
    });
    expect(JSON.stringify(answer)).not.toContain('secret-value');
  });
});

describe('rate-limit reports', () => {
  it('raw headers are parsed, stored with their time, and carried by every later token answer', async () => {
    const ref = await connected('box');
    const before = Date.now();
    const answer = await handler({
      ...ref,
      rateLimitHeaders: {
        'Retry-After': '30',
        'Content-Type': 'application/json',
        'BOX-REQUEST-ID': '0f1e2d',
      },
      status: 429,
    });
    expect(answer).toEqual({ rateLimit: { notBefore: expect.any(String), reportedAt: expect.any(String) } });
    const hint = (answer as { rateLimit: { notBefore: string; reportedAt: string } }).rateLimit;
    expect(Date.parse(hint.notBefore) - Date.parse(hint.reportedAt)).toBe(30_000);
    expect(Date.parse(hint.reportedAt)).toBeGreaterThanOrEqual(before);
    expect((await connection(ref))?.rateLimit).toEqual({
      notBefore: hint.notBefore,
      reportedAt: hint.reportedAt,
      throttledSince: hint.reportedAt,
      version: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
    });

    // Two other jobs on the same connection (other containers) see the wait with their tokens.
    const [a, b] = await Promise.all([access().getAccessToken(ref), handler(ref)]);
    expect(a.rateLimit).toEqual(hint);
    expect((b as { rateLimit: unknown }).rateLimit).toEqual(hint);
  });

  it('numbers are stored; a later success keeps the running wait of another job', async () => {
    const ref = await connected('quickbooks');
    const first = await handler({ ...ref, rateLimitHeaders: { intuit_tid: '1-abc' }, status: 429 });
    const wait = (first as { rateLimit: { notBefore: string } }).rateLimit.notBefore;
    const second = await handler({ ...ref, rateLimit: { remaining: 450, limit: 500 } });
    expect(second).toEqual({
      rateLimit: { notBefore: wait, remaining: 450, limit: 500, reportedAt: expect.any(String) },
    });
    const token = await access().getAccessToken(ref);
    expect(token.rateLimit).toMatchObject({ notBefore: wait, remaining: 450, limit: 500 });
  });

  it('10 parallel reports from separate containers: none lost, the longest wait kept', async () => {
    const ref = await connected('box');
    const waits = Array.from({ length: 10 }, (_, i) => 10 + i);
    const answers = await Promise.all(
      waits.map((seconds) =>
        access().reportRateLimit(ref, { rateLimitHeaders: { 'Retry-After': String(seconds) }, status: 429 }),
      ),
    );
    const stored = (await connection(ref))?.rateLimit;
    const latest = Math.max(...answers.map((a) => Date.parse(a.notBefore as string)));
    expect(Date.parse(stored?.notBefore as string)).toBe(latest);
    // The longest wait (19 s) survives whatever order the writes landed in.
    expect(latest - Date.parse(stored?.throttledSince as string)).toBeGreaterThanOrEqual(19_000);
  }, 60_000);

  it('counts a connection throttled for longer than the threshold once per episode, per provider', async () => {
    const quick = tokens.createTokenAccess({ ...world.config, longThrottleMs: 20_000 });
    const throttle = (ref: Ref, seconds: number) =>
      quick.reportRateLimit(ref, { rateLimitHeaders: { 'Retry-After': String(seconds) }, status: 429 });
    const dropbox = await connected('dropbox');
    const from = world.output.text().length;
    const since = () => world.output.text().slice(from);

    // 10 s of a running episode is below the threshold: nothing counted.
    await throttle(dropbox, 10);
    expect(pointsOf(since(), 'LongThrottledConnections')).toEqual([]);
    expect(since()).not.toContain('connection throttled for long');

    // The episode now reaches 25 s, then 40 s: counted once, by the first report past the threshold.
    await throttle(dropbox, 25);
    await throttle(dropbox, 40);
    expect(await connection(dropbox)).toMatchObject({ rateLimit: { longThrottleCounted: true } });

    // Another connection of the same provider and one of another provider each count once more.
    const second = await connected('dropbox');
    const box = await connected('box');
    await throttle(second, 30);
    await throttle(second, 60);
    await throttle(box, 3_600);

    const points = pointsOf(since(), 'LongThrottledConnections');
    expect(points.map((p) => [p.value, p.unit, p.dimensionSets])).toEqual(
      ['dropbox', 'dropbox', 'box'].map((provider) => [
        1,
        'Count',
        [
          { service: 'listbackup-integrations', stage: 'test', provider },
          { service: 'listbackup-integrations', stage: 'test' },
        ],
      ]),
    );
    const warnings = since()
      .split('\n')
      .filter((l) => l.includes('connection throttled for long'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warnings).toEqual(
      [dropbox, second, box].map((ref, i) =>
        expect.objectContaining({
          level: 'WARN',
          metric: 'LongThrottledConnections',
          ...ref,
          provider: i < 2 ? 'dropbox' : 'box',
          throttledSince: expect.any(String),
          notBefore: expect.any(String),
        }),
      ),
    );
  });

  it('the handler counts a long throttle at the stage default (15 min)', async () => {
    const ref = await connected('quickbooks');
    const from = world.output.text().length;
    await handler({ ...ref, rateLimit: { retryAfterSeconds: 14 * 60 } });
    expect(pointsOf(world.output.text().slice(from), 'LongThrottledConnections')).toEqual([]);
    await handler({ ...ref, rateLimit: { retryAfterSeconds: 3_600 } });
    const points = pointsOf(world.output.text().slice(from), 'LongThrottledConnections');
    expect(points.map((p) => p.dimensionSets[0].provider)).toEqual(['quickbooks']);
  });

  it('refuses reports for unknown sources', async () => {
    expect(
      await handler({ accountId: 'acct-none', sourceId: 'src-none', rateLimit: { remaining: 1 } }),
    ).toMatchObject({
      error: 'source_not_found',
    });
  });

  it('property: a malformed report is refused with invalid_report and changes nothing; a valid one is stored', async () => {
    const ref = await connected('box');
    await handler({ ...ref, rateLimit: { remaining: 10, limit: 100 } });
    const bad = fc.oneof(
      fc.record({
        rateLimit: fc.record({
          remaining: fc.oneof(fc.integer({ max: -1 }), fc.string(), fc.double({ noInteger: true })),
        }),
      }),
      fc.record({
        rateLimit: fc.record({
          retryAfterSeconds: fc.oneof(fc.double({ min: 86_400.5, max: 1e12 }), fc.constant(-5)),
        }),
      }),
      fc.record({ rateLimit: fc.record({ resetAt: fc.string({ maxLength: 50 }) }) }),
      fc.record({ rateLimit: fc.constant({}) }),
      fc.record({ rateLimit: fc.record({ remaining: fc.constant(5), limit: fc.constant(4) }) }),
      fc.record({ rateLimit: fc.record({ remaining: fc.nat(100), cost: fc.nat() }) }),
      fc.record({
        rateLimitHeaders: fc.dictionary(fc.string({ maxLength: 10 }), fc.integer(), {
          minKeys: 1,
          maxKeys: 3,
        }),
      }),
      fc.record({
        rateLimitHeaders: fc.constant(
          Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`x-h${i}`, '1'])),
        ),
      }),
      fc.record({ rateLimitHeaders: fc.constant({ 'retry-after': 'x'.repeat(600) }) }),
      fc.record({ rateLimitHeaders: fc.constant({ 'Retry-After': 'later' }), status: fc.constant(429) }),
      fc.record({ rateLimitHeaders: fc.constant({ 'Retry-After': '1' }), status: fc.integer({ min: 600 }) }),
    );
    await fc.assert(
      fc.asyncProperty(bad, async (report) => {
        const before = await connection(ref);
        const answer = await handler({ ...ref, ...report });
        expect(answer).toMatchObject({ error: 'invalid_report', message: expect.any(String) });
        expect(await connection(ref)).toEqual(before);
      }),
      { numRuns: 40 },
    );
    const good = fc.record(
      {
        remaining: fc.nat(1000),
        limit: fc.integer({ min: 1000, max: 5000 }),
        retryAfterSeconds: fc.nat(120),
      },
      { requiredKeys: ['remaining'] },
    );
    await fc.assert(
      fc.asyncProperty(good, async (rateLimit) => {
        const answer = await handler({ ...ref, rateLimit });
        expect(answer).toEqual({ rateLimit: expect.objectContaining({ remaining: rateLimit.remaining }) });
        expect((await connection(ref))?.rateLimit?.remaining).toBe(rateLimit.remaining);
      }),
      { numRuns: 20 },
    );
  });
});
