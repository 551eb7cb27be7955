// Rate-limit reports: each provider's realistic header sets parsed through the registry, strict checks, the merge.
import * as v from 'valibot';
import fc from 'fast-check';
import { PROVIDERS } from '../../lambda/providers/registry';
import type { ProviderId } from '../../lambda/providers/types';
import {
  RateLimitReportSchema,
  checkReport,
  hintOf,
  isLongThrottle,
  mergeReport,
  reportFromHeaders,
} from '../../lambda/tokens/rate-limit';
import type { Refusal } from '../../lambda/tokens/refusal';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const parse = (provider: ProviderId, headers: Record<string, string>, status?: number) =>
  reportFromHeaders(PROVIDERS[provider].rateLimit, headers, status, NOW);

function refusal(run: () => unknown): Refusal {
  try {
    run();
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

describe('provider headers, read through the registry', () => {
  it('HubSpot (OAuth: interval headers, no daily ones)', () => {
    const headers = {
      'Content-Type': 'application/json;charset=utf-8',
      'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
      'X-HubSpot-RateLimit-Max': '110',
      'X-HubSpot-RateLimit-Remaining': '109',
      'X-HubSpot-Correlation-Id': '2c0e7e37-3b58-4c3c-9d43-5c2b7c1c2d11',
    };
    expect(parse('hubspot', headers)).toEqual({ remaining: 109, limit: 110, resetAt: iso(NOW + 10_000) });
    const throttled = { ...headers, 'X-HubSpot-RateLimit-Remaining': '0' };
    const report = parse('hubspot', throttled, 429);
    expect(report).toEqual({ remaining: 0, limit: 110, resetAt: iso(NOW + 10_000) });
    expect(mergeReport(undefined, report, NOW).notBefore).toBe(iso(NOW + 10_000));
  });

  it('HighLevel (burst and daily windows: the one with fewer calls left wins)', () => {
    const headers = {
      'x-ratelimit-limit-daily': '200000',
      'x-ratelimit-daily-remaining': '199850',
      'x-ratelimit-interval-milliseconds': '10000',
      'x-ratelimit-max': '100',
      'x-ratelimit-remaining': '95',
      'content-type': 'application/json; charset=utf-8',
    };
    expect(parse('gohighlevel', headers)).toEqual({ remaining: 95, limit: 100, resetAt: iso(NOW + 10_000) });
    const dailyGone = { ...headers, 'x-ratelimit-daily-remaining': '0' };
    expect(parse('gohighlevel', dailyGone, 429)).toEqual({ remaining: 0, limit: 200000 });
  });

  it('Shopify REST (used/limit bucket, Retry-After in decimal seconds on 429)', () => {
    expect(parse('shopify', { 'X-Shopify-Shop-Api-Call-Limit': '32/40', 'X-Request-Id': 'a1b2c3' })).toEqual({
      remaining: 8,
      limit: 40,
    });
    const report = parse(
      'shopify',
      { 'X-Shopify-Shop-Api-Call-Limit': '40/40', 'Retry-After': '2.0', 'Content-Type': 'application/json' },
      429,
    );
    expect(report).toEqual({ remaining: 0, limit: 40, retryAfterSeconds: 2 });
    expect(mergeReport(undefined, report, NOW).notBefore).toBe(iso(NOW + 2_000));
  });

  it('Keap (product throttle, daily quota with its expiry in epoch ms, tenant throttle)', () => {
    const midnight = Date.parse('2026-12-02T00:00:00.000Z');
    const headers = {
      'x-keap-product-spike-limit': '10ps',
      'x-keap-product-throttle-limit': '1500',
      'x-keap-product-throttle-time-unit': 'minute',
      'x-keap-product-throttle-interval': '1',
      'x-keap-product-throttle-available': '1499',
      'x-keap-product-throttle-used': '1',
      'x-keap-product-quota-limit': '150000',
      'x-keap-product-quota-time-unit': 'day',
      'x-keap-product-quota-interval': '1',
      'x-keap-product-quota-available': '149862',
      'x-keap-product-quota-used': '138',
      'x-keap-product-quota-expiry-time': String(midnight),
      'x-keap-tenant-id': 'ab123.infusionsoft.com',
      'x-keap-tenant-throttle-limit': '5000',
      'x-keap-tenant-throttle-available': '4999',
    };
    expect(parse('keap', headers)).toEqual({ remaining: 1499, limit: 1500 });
    const quotaGone = { ...headers, 'x-keap-product-quota-available': '0' };
    const report = parse('keap', quotaGone, 429);
    expect(report).toEqual({ remaining: 0, limit: 150000, resetAt: iso(midnight) });
    expect(mergeReport(undefined, report, NOW).notBefore).toBe(iso(midnight));
  });

  it('Dropbox and Box (Retry-After in seconds on 429)', () => {
    expect(
      parse(
        'dropbox',
        { 'Content-Type': 'application/json', 'Retry-After': '15', 'X-Dropbox-Request-Id': 'f00' },
        429,
      ),
    ).toEqual({ retryAfterSeconds: 15 });
    expect(parse('box', { 'retry-after': '100', 'box-request-id': '0abc' }, 429)).toEqual({
      retryAfterSeconds: 100,
    });
  });

  it('Retry-After as an HTTP date', () => {
    expect(parse('box', { 'Retry-After': new Date(NOW + 30_000).toUTCString() }, 429)).toEqual({
      retryAfterSeconds: 30,
    });
  });

  it('QuickBooks (no headers: the documented 60 s wait on a 429)', () => {
    const headers = { 'Content-Type': 'application/xml', intuit_tid: '1-6745e6f2-1a2b3c4d5e6f' };
    expect(parse('quickbooks', headers, 429)).toEqual({ retryAfterSeconds: 60 });
    expect(refusal(() => parse('quickbooks', headers, 200)).code).toBe('invalid_report');
  });

  it('Stripe and Google (no headers documented): refused with what to report instead', () => {
    const stripe = refusal(() =>
      parse('stripe', { 'Request-Id': 'req_123', 'Stripe-Version': '2026-10-28' }, 429),
    );
    expect(stripe.code).toBe('invalid_report');
    expect(stripe.message).toMatch(/report retryAfterSeconds/);
    const google = refusal(() => parse('google', { 'content-type': 'application/json' }, 403));
    expect(google.message).toMatch(/exponential backoff/);
    // A Retry-After that a provider does send is honoured anyway (RFC 9110).
    expect(parse('google', { 'Retry-After': '7' }, 429)).toEqual({ retryAfterSeconds: 7 });
  });

  it.each([
    [
      'hubspot',
      { 'X-HubSpot-RateLimit-Remaining': 'lots' },
      /x-hubspot-ratelimit-remaining is not a whole number/,
    ],
    ['hubspot', { 'X-HubSpot-RateLimit-Remaining': '-1' }, /not a whole number/],
    ['shopify', { 'X-Shopify-Shop-Api-Call-Limit': '40' }, /is not used\/limit/],
    ['box', { 'Retry-After': 'soon' }, /neither seconds nor an HTTP date/],
    [
      'keap',
      { 'x-keap-product-quota-available': '0', 'x-keap-product-quota-expiry-time': '1' },
      /within 7 days/,
    ],
  ] as const)('refuses malformed %s headers %j', (provider, headers, message) => {
    const error = refusal(() => parse(provider, headers, 429));
    expect(error.code).toBe('invalid_report');
    expect(error.message).toMatch(message);
  });
});

describe('reports in numbers', () => {
  const valid = (input: unknown) => v.safeParse(RateLimitReportSchema, input).success;

  it('accepts the known fields in range and refuses anything else', () => {
    expect(valid({ remaining: 0, limit: 40, resetAt: '2026-12-01T12:01:00Z', retryAfterSeconds: 1.5 })).toBe(
      true,
    );
    expect(valid({ remaining: -1 })).toBe(false);
    expect(valid({ remaining: 1.5 })).toBe(false);
    expect(valid({ limit: 0 })).toBe(false);
    expect(valid({ retryAfterSeconds: 86_401 })).toBe(false);
    expect(valid({ retryAfterSeconds: Number.NaN })).toBe(false);
    expect(valid({ resetAt: '2026-12-01T12:01:00' })).toBe(false);
    expect(valid({ resetAt: 'tomorrow' })).toBe(false);
    expect(valid({ remaining: '5' })).toBe(false);
    expect(valid({ remaining: 5, cost: 2 })).toBe(false);
  });

  it('refuses an empty report, remaining above limit, and a reset far from now', () => {
    expect(refusal(() => checkReport({}, NOW)).message).toMatch(/holds nothing/);
    expect(refusal(() => checkReport({ remaining: 5, limit: 4 }, NOW)).message).toMatch(/exceed limit/);
    expect(refusal(() => checkReport({ resetAt: iso(NOW + 8 * 86_400_000) }, NOW)).message).toMatch(/7 days/);
  });
});

describe('the merged state and the hint', () => {
  it('keeps a running wait when a later report ends earlier; one job’s success does not cancel another’s 429', () => {
    const waiting = mergeReport(undefined, { retryAfterSeconds: 60 }, NOW);
    const later = mergeReport(waiting, { remaining: 50, limit: 100 }, NOW + 1_000);
    expect(later.notBefore).toBe(iso(NOW + 60_000));
    expect(later.throttledSince).toBe(iso(NOW));
    expect(hintOf(later, NOW + 1_000)).toEqual({
      notBefore: iso(NOW + 60_000),
      remaining: 50,
      limit: 100,
      reportedAt: iso(NOW + 1_000),
    });
    // After the wait, the hint drops it and the episode ends with the next report.
    expect(hintOf(later, NOW + 61_000)?.notBefore).toBeUndefined();
    expect(mergeReport(later, { remaining: 99 }, NOW + 61_000).throttledSince).toBeUndefined();
  });

  it('counts a throttling episode once it spans the threshold, and only once', () => {
    const threshold = 15 * 60_000;
    let state = mergeReport(undefined, { retryAfterSeconds: 600 }, NOW);
    expect(isLongThrottle(state, threshold)).toBe(false);
    state = mergeReport(state, { retryAfterSeconds: 600 }, NOW + 590_000);
    expect(isLongThrottle(state, threshold)).toBe(true);
    state = { ...state, longThrottleCounted: true };
    state = mergeReport(state, { retryAfterSeconds: 600 }, NOW + 1_180_000);
    expect(isLongThrottle(state, threshold)).toBe(false);
    // One report announcing a long wait counts at once.
    expect(isLongThrottle(mergeReport(undefined, { retryAfterSeconds: 3_600 }, NOW), threshold)).toBe(true);
  });

  it('property: every valid report gives a consistent state; every out-of-range one is refused', () => {
    const report = fc.record(
      {
        remaining: fc.integer({ min: 0, max: 1_000_000_000 }),
        limit: fc.integer({ min: 1, max: 1_000_000_000 }),
        resetAt: fc.integer({ min: -86_400_000, max: 6 * 86_400_000 }).map((d) => iso(NOW + d)),
        retryAfterSeconds: fc.double({ min: 0, max: 86_400, noNaN: true }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(report, fc.option(fc.constantFrom(...[1, 2].map((n) => n * 1000))), (input, gap) => {
        const ok = v.safeParse(RateLimitReportSchema, input).success;
        expect(ok).toBe(true);
        const relation =
          Object.keys(input).length > 0 &&
          !(input.remaining !== undefined && input.limit !== undefined && input.remaining > input.limit);
        if (!relation) {
          expect(refusal(() => checkReport(input, NOW)).code).toBe('invalid_report');
          return;
        }
        const state = mergeReport(undefined, checkReport(input, NOW), NOW);
        const now = NOW + (gap ?? 0);
        const hint = hintOf(state, now);
        expect(hint?.reportedAt).toBe(iso(NOW));
        if (state.notBefore) {
          expect(Date.parse(state.notBefore)).toBeGreaterThanOrEqual(NOW);
          expect(state.throttledSince).toBe(iso(NOW));
        }
        if (hint?.notBefore) expect(Date.parse(hint.notBefore)).toBeGreaterThan(now);
        if (input.retryAfterSeconds && input.retryAfterSeconds > 0)
          expect(Date.parse(state.notBefore as string)).toBeGreaterThanOrEqual(
            NOW + input.retryAfterSeconds * 1000,
          );
      }),
      { numRuns: 500 },
    );
    const bad = fc.oneof(
      fc.record({
        remaining: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string()),
      }),
      fc.record({ limit: fc.oneof(fc.constant(0), fc.integer({ min: 1_000_000_001 })) }),
      fc.record({
        retryAfterSeconds: fc.oneof(fc.double({ min: 86_400.001 }), fc.constant(-1), fc.constant(Infinity)),
      }),
      fc.record({ resetAt: fc.string() }),
      fc
        .dictionary(fc.string({ minLength: 1 }), fc.integer())
        .filter((d) =>
          Object.keys(d).some((k) => !['remaining', 'limit', 'resetAt', 'retryAfterSeconds'].includes(k)),
        ),
    );
    fc.assert(
      fc.property(bad, (input) => {
        const parsed = v.safeParse(RateLimitReportSchema, input);
        const refused =
          !parsed.success ||
          (() => {
            try {
              checkReport(parsed.output, NOW);
              return false;
            } catch {
              return true;
            }
          })();
        expect(refused).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
