// Pure decisions of the token lifecycle: refresh timing, backoff, failure days, outcomes, single flight.
import type { TokenDocument } from '../../lambda/oauth/token-document';
import { PROVIDERS, PROVIDER_IDS } from '../../lambda/providers/registry';
import {
  EXHAUSTED_AFTER_DAYS,
  LEASE_TTL_MS,
  LEASE_WAIT_MS,
  REFRESH_WORST_CASE_MS,
  REFRESH_ATTEMPTS,
  ATTEMPT_TIMEOUT_MS,
  callerCode,
  dueForRefresh,
  failureDay,
  failureKind,
  inCooldown,
  isExhausted,
  isExpired,
  leasePollMs,
  needsRefresh,
  nextAttemptAt,
  retryDelayMs,
  withFailureDay,
} from '../../lambda/tokens/policy';
import { STOP_BEFORE_MS } from '../../lambda/tokens/refresher';
import { singleFlight } from '../../lambda/tokens/single-flight';
import { AWS_CALL_MAX_MS } from '../../lambda/shared/aws-limits';
import { HANDLERS } from '../../lib/handler-specs';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

function doc(expiresInMs: number | null, extra: Partial<TokenDocument> = {}): TokenDocument {
  return {
    version: 1,
    provider: 'box',
    accessToken: 'a',
    refreshToken: 'r',
    tokenType: 'bearer',
    scopes: [],
    expiresAt: expiresInMs === null ? null : new Date(NOW + expiresInMs).toISOString(),
    obtainedAt: new Date(NOW).toISOString(),
    externalAccount: {},
    ...extra,
  };
}

describe('when a token needs a refresh', () => {
  const box = PROVIDERS.box;
  const margin = box.tokens.refreshMarginSeconds * 1000;

  it('refreshes inside the provider margin, not before', () => {
    expect(needsRefresh(box, doc(margin + 1000), NOW)).toBe(false);
    expect(needsRefresh(box, doc(margin - 1000), NOW)).toBe(true);
    expect(needsRefresh(box, doc(-1000), NOW)).toBe(true);
  });

  it('never refreshes non-expiring access tokens for access, but keeps their refresh token alive on schedule', () => {
    const shopify = PROVIDERS.shopify;
    const idleDays = shopify.tokens.refreshTokenIdleDays as number;
    const fresh = doc(null, { provider: 'shopify' });
    expect(needsRefresh(shopify, fresh, NOW)).toBe(false);
    expect(dueForRefresh(shopify, fresh, NOW)).toBe(false);
    expect(dueForRefresh(shopify, fresh, NOW + (idleDays / 2) * DAY)).toBe(true);
  });

  it('leaves an expiring access token to token access: the schedule only keeps the refresh token alive', () => {
    expect(dueForRefresh(box, doc(60 * MINUTE), NOW + 60 * MINUTE - margin)).toBe(false);
    expect(dueForRefresh(box, doc(60 * MINUTE), NOW + 2 * 60 * MINUTE)).toBe(false);
    expect(dueForRefresh(box, doc(60 * MINUTE), NOW + 30 * DAY)).toBe(true);
    expect(dueForRefresh(PROVIDERS.hubspot, doc(30 * MINUTE, { provider: 'hubspot' }), NOW + 365 * DAY)).toBe(
      false,
    );
  });

  it('knows expired tokens', () => {
    expect(isExpired(doc(-1), NOW)).toBe(true);
    expect(isExpired(doc(1000), NOW)).toBe(false);
    expect(isExpired(doc(null), NOW)).toBe(false);
  });

  it('every provider has a margin of at least a minute and below an hour', () => {
    for (const id of PROVIDER_IDS) {
      const { refreshMarginSeconds } = PROVIDERS[id].tokens;
      expect(refreshMarginSeconds).toBeGreaterThanOrEqual(60);
      expect(refreshMarginSeconds).toBeLessThan(3600);
    }
  });
});

describe('backoff', () => {
  it('grows per attempt, stays within [half, full] of a 2 s-capped ceiling', () => {
    const low = [1, 2, 3, 4, 5].map((n) => retryDelayMs(n, () => 0));
    const high = [1, 2, 3, 4, 5].map((n) => retryDelayMs(n, () => 1));
    expect(low).toEqual([125, 250, 500, 1000, 1000]);
    expect(high).toEqual([250, 500, 1000, 2000, 2000]);
  });

  it('sizes the lease for every provider attempt with its backoff, plus the renewal that precedes the save', () => {
    let attempts = 0;
    for (let n = 1; n <= REFRESH_ATTEMPTS; n += 1) attempts += ATTEMPT_TIMEOUT_MS;
    for (let n = 1; n < REFRESH_ATTEMPTS; n += 1) attempts += retryDelayMs(n, () => 1);
    expect(REFRESH_ATTEMPTS).toBe(3);
    expect(LEASE_TTL_MS).toBeGreaterThanOrEqual(attempts + AWS_CALL_MAX_MS);
    expect(LEASE_WAIT_MS).toBeGreaterThan(LEASE_TTL_MS);
    // Every AWS call ends well inside the lease.
    expect(AWS_CALL_MAX_MS * 4).toBeLessThan(LEASE_TTL_MS);
  });

  it('keeps the refresher from starting a connection it may not finish: a full lease wait, a full lease, the writes', () => {
    // The slowest connection: the lease is held by a holder that crashed, so the wait runs out; the lease is
    // then ours, the provider hangs on every attempt, and the reads and writes each take their bound.
    const reads = 2 * AWS_CALL_MAX_MS; // connection, vault
    const lastPoll = 300 + 2 * AWS_CALL_MAX_MS; // pause, lease put, vault re-read
    const writes = 3 * AWS_CALL_MAX_MS; // vault write, connection update, lease release
    const refresherOwn = AWS_CALL_MAX_MS; // the index realignment after it
    const worst = reads + LEASE_WAIT_MS + lastPoll + LEASE_TTL_MS + writes + refresherOwn;
    expect(STOP_BEFORE_MS).toBeGreaterThanOrEqual(worst);
    expect(REFRESH_WORST_CASE_MS).toBeGreaterThanOrEqual(worst - refresherOwn);
  });

  it('gives token access a Lambda timeout longer than its slowest refresh', () => {
    expect(HANDLERS['token-access'].timeoutSeconds * 1000).toBeGreaterThan(REFRESH_WORST_CASE_MS);
    expect(HANDLERS['connection-refresher'].timeoutSeconds * 1000).toBeGreaterThan(STOP_BEFORE_MS);
  });

  it('polls a held lease every 100-300 ms', () => {
    expect(leasePollMs(() => 0)).toBe(100);
    expect(leasePollMs(() => 1)).toBe(300);
  });

  it('pushes a failing connection back 5 min, doubling to at most 6 h, with +-10 % jitter', () => {
    const mid = (n: number) => nextAttemptAt(n, NOW, () => 0.5) - NOW;
    expect(mid(1)).toBe(5 * MINUTE);
    expect(mid(2)).toBe(10 * MINUTE);
    expect(mid(4)).toBe(40 * MINUTE);
    expect(mid(20)).toBe(6 * 60 * MINUTE);
    expect(nextAttemptAt(1, NOW, () => 0) - NOW).toBe(4.5 * MINUTE);
    expect(nextAttemptAt(1, NOW, () => 1) - NOW).toBe(5.5 * MINUTE);
  });
});

describe('failure days', () => {
  it('counts a calendar day (UTC) once, however many failures it saw', () => {
    let days: string[] = [];
    for (let i = 0; i < 50; i += 1) days = withFailureDay(days, NOW + i * MINUTE);
    expect(days).toEqual(['2026-11-25']);
    expect(isExhausted(days)).toBe(false);
  });

  it(`is exhausted after ${EXHAUSTED_AFTER_DAYS} failing days, not before`, () => {
    let days: string[] = [];
    for (let d = 0; d < EXHAUSTED_AFTER_DAYS - 1; d += 1) days = withFailureDay(days, NOW + d * DAY);
    expect(days).toEqual(['2026-11-25', '2026-11-26', '2026-11-27']);
    expect(isExhausted(days)).toBe(false);
    days = withFailureDay(days, NOW + 10 * DAY);
    expect(isExhausted(days)).toBe(true);
  });

  it('uses UTC day boundaries and ignores malformed stored values', () => {
    expect(failureDay(Date.parse('2026-11-25T23:59:59.999Z'))).toBe('2026-11-25');
    expect(failureDay(Date.parse('2026-11-26T00:00:00.000Z'))).toBe('2026-11-26');
    expect(withFailureDay(['garbage', '2026-11-20'], NOW)).toEqual(['2026-11-20', '2026-11-25']);
  });
});

describe('outcomes', () => {
  it('maps invalid_grant to a reconnect, configuration problems to our side, the rest to transient', () => {
    expect(failureKind('invalid_grant')).toBe('reauth');
    expect(failureKind('credentials_not_configured')).toBe('configuration');
    expect(failureKind('credentials_rejected')).toBe('configuration');
    expect(failureKind('provider_unavailable')).toBe('transient');
    expect(failureKind('provider_rejected')).toBe('transient');
    expect(failureKind('invalid_token_response')).toBe('transient');
  });

  it('tells callers retryable for provider outages and needs_reauth for dead grants', () => {
    expect(callerCode('provider_unavailable')).toBe('retryable');
    expect(callerCode('invalid_grant')).toBe('needs_reauth');
    expect(callerCode('provider_rejected')).toBe('provider_rejected');
    expect(callerCode('credentials_not_configured')).toBe('credentials_not_configured');
  });

  it('answers fast during the cooldown after a failure only', () => {
    const until = new Date(NOW + 30_000).toISOString();
    expect(inCooldown({ lastErrorCode: 'provider_unavailable', refreshBackoffUntil: until }, NOW)).toBe(true);
    expect(
      inCooldown({ lastErrorCode: 'provider_unavailable', refreshBackoffUntil: until }, NOW + 30_001),
    ).toBe(false);
    // A reconnect or success clears lastErrorCode: a stale backoff no longer applies.
    expect(inCooldown({ lastErrorCode: null, refreshBackoffUntil: until }, NOW)).toBe(false);
    expect(inCooldown({ lastErrorCode: 'provider_unavailable' }, NOW)).toBe(false);
  });
});

describe('single flight', () => {
  it('runs one piece of work per key for concurrent callers and forgets it afterwards', async () => {
    const flight = singleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = async () => {
      runs += 1;
      await gate;
      return runs;
    };
    const callers = Array.from({ length: 20 }, () => flight('a', work));
    const other = flight('b', work);
    release();
    expect(await Promise.all(callers)).toEqual(Array(20).fill(2));
    expect(await other).toBe(2);
    expect(runs).toBe(2);
    await flight('a', work);
    expect(runs).toBe(3);
  });

  it('shares a failure with the merged callers, then lets the next caller try again', async () => {
    const flight = singleFlight<number>();
    let runs = 0;
    const failing = async () => {
      runs += 1;
      throw new Error('provider down');
    };
    const results = await Promise.allSettled([flight('k', failing), flight('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
    await expect(flight('k', async () => 7)).resolves.toBe(7);
  });
});
