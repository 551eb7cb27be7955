// Rate-limit reports from jobs: checked strictly, parsed from provider headers by the registry, merged into a hint.
import * as v from 'valibot';
import { REPORT_LIMITS, type RateLimitHint, type RateLimitReport } from '../../clients/token-access/contract';
import type { RateLimitFormat, RateLimitWindow } from '../providers/types';
import type { StoredRateLimit } from '../store/connections';
import { Refusal } from './refusal';

const count = (message: string) =>
  v.pipe(
    v.number(message),
    v.integer(message),
    v.minValue(0, message),
    v.maxValue(REPORT_LIMITS.maxCount, message),
  );

/** ISO 8601 with a zone (Z or an offset): a report's times must be unambiguous. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const NumbersSchema = v.strictObject(
  {
    remaining: v.optional(count('remaining must be a whole number from 0 to 1e9')),
    limit: v.optional(
      v.pipe(
        count('limit must be a whole number from 1 to 1e9'),
        v.minValue(1, 'limit must be a whole number from 1 to 1e9'),
      ),
    ),
    resetAt: v.optional(
      v.pipe(
        v.string('resetAt must be an ISO 8601 time with a zone'),
        v.maxLength(40, 'resetAt must be an ISO 8601 time with a zone'),
        v.regex(ISO_WITH_ZONE, 'resetAt must be an ISO 8601 time with a zone'),
        v.check((s) => !Number.isNaN(Date.parse(s)), 'resetAt must be an ISO 8601 time with a zone'),
      ),
    ),
    retryAfterSeconds: v.optional(
      v.pipe(
        v.number('retryAfterSeconds must be a number of seconds from 0 to 86400'),
        v.finite('retryAfterSeconds must be a number of seconds from 0 to 86400'),
        v.minValue(0, 'retryAfterSeconds must be a number of seconds from 0 to 86400'),
        v.maxValue(
          REPORT_LIMITS.maxRetryAfterSeconds,
          'retryAfterSeconds must be a number of seconds from 0 to 86400',
        ),
      ),
    ),
  },
  'rateLimit takes only remaining, limit, resetAt and retryAfterSeconds',
);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const HeadersSchema = v.pipe(
  v.record(
    v.pipe(
      v.string(),
      v.maxLength(REPORT_LIMITS.maxHeaderNameLength, 'a header name is too long'),
      v.regex(HEADER_NAME, 'a header name is not an HTTP token'),
    ),
    v.pipe(
      v.string('header values must be strings'),
      v.maxLength(REPORT_LIMITS.maxHeaderValueLength, 'a header value is too long'),
    ),
    'rateLimitHeaders must be an object of header names to strings',
  ),
  v.check(
    (h) => Object.keys(h).length <= REPORT_LIMITS.maxHeaders,
    `rateLimitHeaders takes at most ${REPORT_LIMITS.maxHeaders} headers`,
  ),
);

export const RateLimitReportSchema = NumbersSchema;
export const RateLimitHeadersSchema = HeadersSchema;
export const StatusSchema = v.pipe(
  v.number('status must be an HTTP status'),
  v.integer('status must be an HTTP status'),
  v.minValue(100, 'status must be an HTTP status'),
  v.maxValue(599, 'status must be an HTTP status'),
);

function invalid(message: string): Refusal {
  return new Refusal('invalid_report', message);
}

/** Checks the relations a schema cannot: something reported, remaining within limit, resetAt near now. */
export function checkReport(report: RateLimitReport, now: number): RateLimitReport {
  const fields = Object.values(report).filter((x) => x !== undefined);
  if (fields.length === 0)
    throw invalid('the report holds nothing: give remaining, limit, resetAt or retryAfterSeconds');
  if (report.remaining !== undefined && report.limit !== undefined && report.remaining > report.limit)
    throw invalid('remaining must not exceed limit');
  if (report.resetAt !== undefined) {
    const skew = Math.abs(Date.parse(report.resetAt) - now);
    if (skew > REPORT_LIMITS.maxResetSkewSeconds * 1000)
      throw invalid('resetAt must lie within 7 days of now');
  }
  return report;
}

const INTEGER = /^\d{1,15}$/;

function integerHeader(headers: Record<string, string>, name: string): number | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (!INTEGER.test(value) || Number(value) > Number.MAX_SAFE_INTEGER)
    throw invalid(`header ${name} is not a whole number`);
  return Number(value);
}

/** RFC 9110 Retry-After: delay-seconds or an HTTP date. Shopify sends decimals ("2.0"). */
function retryAfterHeader(headers: Record<string, string>, now: number): number | undefined {
  const raw = headers['retry-after'];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (/^\d{1,6}(\.\d{1,3})?$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (/[A-Za-z]/.test(value) && !Number.isNaN(at)) return Math.max(0, (at - now) / 1000);
  throw invalid('header retry-after is neither seconds nor an HTTP date');
}

interface WindowReading {
  remaining?: number;
  limit?: number;
  resetAt?: number;
}

function readWindow(window: RateLimitWindow, headers: Record<string, string>, now: number): WindowReading {
  const reading: WindowReading = {};
  if (window.usedOfLimit && headers[window.usedOfLimit] !== undefined) {
    const match = /^\s*(\d{1,10})\s*\/\s*(\d{1,10})\s*$/.exec(headers[window.usedOfLimit]);
    if (!match) throw invalid(`header ${window.usedOfLimit} is not used/limit`);
    const used = Number(match[1]);
    reading.limit = Number(match[2]);
    reading.remaining = Math.max(0, reading.limit - used);
  }
  if (window.remaining) reading.remaining = integerHeader(headers, window.remaining) ?? reading.remaining;
  if (window.limit) reading.limit = integerHeader(headers, window.limit) ?? reading.limit;
  if (window.reset) {
    const value = integerHeader(headers, window.reset.header);
    if (value !== undefined) reading.resetAt = window.reset.unit === 'epoch-ms' ? value : now + value;
  }
  return reading;
}

/**
 * A provider's raw response headers as a report, through the registry's format: the window with the
 * fewest calls left wins; Retry-After (any provider) or the documented default on a 429 is the wait.
 * @throws Refusal invalid_report when a known header is malformed or the headers say nothing
 */
export function reportFromHeaders(
  format: RateLimitFormat,
  raw: Record<string, string>,
  status: number | undefined,
  now: number,
): RateLimitReport {
  const headers = Object.fromEntries(Object.entries(raw).map(([k, value]) => [k.toLowerCase(), value]));
  const readings = format.windows
    .map((w) => readWindow(w, headers, now))
    .filter((r) => r.remaining !== undefined || r.limit !== undefined);
  const tightest = readings.reduce<WindowReading | undefined>(
    (best, r) => (best === undefined || (r.remaining ?? Infinity) < (best.remaining ?? Infinity) ? r : best),
    undefined,
  );
  const report: RateLimitReport = {};
  if (tightest?.remaining !== undefined)
    report.remaining = Math.min(tightest.remaining, REPORT_LIMITS.maxCount);
  if (tightest?.limit !== undefined && tightest.limit >= 1)
    report.limit = Math.min(tightest.limit, REPORT_LIMITS.maxCount);
  if (report.remaining !== undefined && report.limit !== undefined && report.remaining > report.limit)
    report.remaining = report.limit;
  if (tightest?.resetAt !== undefined) report.resetAt = new Date(tightest.resetAt).toISOString();
  const wait =
    retryAfterHeader(headers, now) ?? (status === 429 ? format.defaultRetryAfterSeconds : undefined);
  if (wait !== undefined) report.retryAfterSeconds = Math.min(wait, REPORT_LIMITS.maxRetryAfterSeconds);
  if (Object.keys(report).length === 0) {
    throw invalid(
      `these headers carry no rate-limit information the registry knows for this provider${format.note ? ` (${format.note})` : ''}`,
    );
  }
  return checkReport(report, now);
}

const later = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : Date.parse(a) >= Date.parse(b) ? a : b;

/**
 * The connection's state after a report. A wait (Retry-After, or nothing left until the reset) sets
 * `notBefore`; a wait already stored and still running is kept when the new one ends earlier, so one
 * job's success cannot cancel another's 429. The throttling episode starts with the first wait.
 */
export function mergeReport(
  previous: StoredRateLimit | undefined,
  report: RateLimitReport,
  now: number,
): StoredRateLimit {
  const waits: (string | undefined)[] = [];
  if (report.retryAfterSeconds !== undefined && report.retryAfterSeconds > 0)
    waits.push(new Date(now + Math.ceil(report.retryAfterSeconds * 1000)).toISOString());
  if (report.remaining === 0 && report.resetAt !== undefined && Date.parse(report.resetAt) > now)
    waits.push(report.resetAt);
  const running =
    previous?.notBefore && Date.parse(previous.notBefore) > now ? previous.notBefore : undefined;
  const notBefore = [...waits, running].reduce<string | undefined>(later, undefined);
  const throttled = notBefore !== undefined;
  const stillThrottled = throttled && previous?.throttledSince !== undefined && running !== undefined;
  return {
    ...(report.remaining !== undefined ? { remaining: report.remaining } : {}),
    ...(report.limit !== undefined ? { limit: report.limit } : {}),
    ...(report.resetAt !== undefined ? { resetAt: new Date(Date.parse(report.resetAt)).toISOString() } : {}),
    ...(notBefore ? { notBefore } : {}),
    reportedAt: new Date(now).toISOString(),
    ...(throttled
      ? {
          throttledSince: stillThrottled ? previous!.throttledSince : new Date(now).toISOString(),
          ...(stillThrottled && previous!.longThrottleCounted ? { longThrottleCounted: true } : {}),
        }
      : {}),
  };
}

/** The throttling episode lasts (or is announced to last) at least `thresholdMs` and was not counted. */
export function isLongThrottle(state: StoredRateLimit, thresholdMs: number): boolean {
  if (!state.throttledSince || !state.notBefore || state.longThrottleCounted) return false;
  return Date.parse(state.notBefore) - Date.parse(state.throttledSince) >= thresholdMs;
}

/** What a token answer carries: the stored state without bookkeeping, a finished wait dropped. */
export function hintOf(state: StoredRateLimit | undefined, now: number): RateLimitHint | null {
  if (!state) return null;
  const resetPassed = state.resetAt !== undefined && Date.parse(state.resetAt) <= now;
  return {
    ...(state.notBefore && Date.parse(state.notBefore) > now ? { notBefore: state.notBefore } : {}),
    ...(!resetPassed && state.remaining !== undefined ? { remaining: state.remaining } : {}),
    ...(!resetPassed && state.limit !== undefined ? { limit: state.limit } : {}),
    ...(!resetPassed && state.resetAt !== undefined ? { resetAt: state.resetAt } : {}),
    reportedAt: state.reportedAt,
  };
}
