// Pure decisions of the token lifecycle: when to refresh, how long to back off, when a connection is exhausted.
import type { TokenDocument } from '../oauth/token-document';
import type { ProviderEntry } from '../providers/types';
import { refreshDueAt } from '../records/shapes';
import type { ErrorCode } from '../shared/errors';
import { AWS_CALL_MAX_MS } from '../shared/aws-limits';

/** Token endpoint attempts per refresh (first try included) on 429, 5xx and timeouts. */
export const REFRESH_ATTEMPTS = 3;
/** Upper bound of one token endpoint attempt. */
export const ATTEMPT_TIMEOUT_MS = 5_000;
/** Longest backoff between two attempts (retryDelayMs's cap). */
const MAX_RETRY_DELAY_MS = 2_000;
/** Time all attempts at the provider may take: each attempt timing out, with the longest backoffs between. */
export const PROVIDER_BUDGET_MS =
  REFRESH_ATTEMPTS * ATTEMPT_TIMEOUT_MS +
  Array.from({ length: REFRESH_ATTEMPTS - 1 }, (_, i) => retryDelayCeiling(i + 1)).reduce((a, b) => a + b, 0);
/**
 * Kept free at the end of a lease after the last provider attempt: the lease renewal (one AWS call) must
 * land while the lease is still ours, plus a second of clock slack.
 */
export const LEASE_SAFETY_MS = AWS_CALL_MAX_MS + 1_000;
/** A lease outlives the slowest refresh it guards: every attempt, then the renewal that precedes the save. */
export const LEASE_TTL_MS = PROVIDER_BUDGET_MS + LEASE_SAFETY_MS;
/** How long a caller waits for another holder's refresh before answering `retryable`. */
export const LEASE_WAIT_MS = LEASE_TTL_MS + 2_000;
/** Longest pause between two looks at a held lease (leasePollMs). */
const MAX_LEASE_POLL_MS = 300;
/** AWS calls of a refresh outside the lease's provider window: before the lease, and saving after it. */
const CALLS_BEFORE_LEASE = 2; // connection, vault
const CALLS_PER_POLL = 2; // lease put, vault re-read
const CALLS_AFTER_PROVIDER = 3; // vault write, connection update, lease release (or re-read, mark, publish)
/**
 * Worst case of one `ensureFresh`: reads, the whole lease wait, the last poll, a full lease of provider
 * attempts and the writes after it, each AWS call at its bound. What the refresher keeps in reserve before
 * it starts a connection, and what token access's Lambda timeout must exceed.
 */
export const REFRESH_WORST_CASE_MS =
  (CALLS_BEFORE_LEASE + CALLS_PER_POLL + CALLS_AFTER_PROVIDER) * AWS_CALL_MAX_MS +
  LEASE_WAIT_MS +
  MAX_LEASE_POLL_MS +
  LEASE_TTL_MS;
/** After a failed refresh, callers get a fast `retryable` for this long (Nango PR #5505: 60k retries a day). */
export const FAILURE_COOLDOWN_MS = 30_000;
/** Distinct calendar days (UTC) of failed refreshes after which a connection needs a reconnect (Nango: 4). */
export const EXHAUSTED_AFTER_DAYS = 4;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Absolute expiry of the stored access token in epoch ms, or null when it does not expire. */
export function expiresAtMs(document: TokenDocument): number | null {
  return document.expiresAt === null ? null : Date.parse(document.expiresAt);
}

/** True when the access token is already past its expiry. */
export function isExpired(document: TokenDocument, now: number): boolean {
  const at = expiresAtMs(document);
  return at !== null && at <= now;
}

/**
 * Token access: the stored access token expires within the provider's safety margin (registry
 * `tokens.refreshMarginSeconds`). Tokens without expiry never need one here.
 */
export function needsRefresh(provider: ProviderEntry, document: TokenDocument, now: number): boolean {
  const at = expiresAtMs(document);
  return at !== null && at - provider.tokens.refreshMarginSeconds * 1000 <= now;
}

/**
 * Scheduled refresher: the refresh token's keep-alive point has come (records/shapes `refreshDueAt`).
 * Computed from the document itself, so a document another worker just refreshed is no longer due.
 * An access token inside its margin is not a reason: token access refreshes it when a job asks.
 */
export function dueForRefresh(provider: ProviderEntry, document: TokenDocument, now: number): boolean {
  const due = refreshDueAt(provider, document);
  return due !== undefined && Date.parse(due) <= now;
}

/** Why a refresh is wanted: a caller needs a usable token, or the schedule keeps the connection alive. */
export type RefreshMode = 'access' | 'scheduled';

export function isStale(
  mode: RefreshMode,
  provider: ProviderEntry,
  document: TokenDocument,
  now: number,
): boolean {
  return mode === 'access' ? needsRefresh(provider, document, now) : dueForRefresh(provider, document, now);
}

/**
 * Delay before retry number `attempt` (1-based) of a token request: exponential from 250 ms, capped at
 * 2 s, with "equal jitter" (half fixed, half random) so concurrent retries spread out.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = retryDelayCeiling(attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

function retryDelayCeiling(attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, 250 * 2 ** (attempt - 1));
}

/**
 * The pause before the next attempt: the backoff, or longer when the provider's `Retry-After` asks for it.
 * Undefined when that pause would not leave a useful attempt before `deadline` (the caller's time).
 */
export function nextAttemptDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  now: number,
  deadline: number,
  minAttemptMs: number,
  random: () => number = Math.random,
): number | undefined {
  const delay = Math.max(retryDelayMs(attempt, random), retryAfterMs ?? 0);
  return now + delay + minAttemptMs > deadline ? undefined : delay;
}

/** Pause between looks at a lease held by someone else: 100-300 ms, jittered. */
export function leasePollMs(random: () => number = Math.random): number {
  return Math.round(100 + 200 * random());
}

/** The UTC calendar day of a moment, the unit failures are counted in. */
export function failureDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** The failure days after one more failure: each calendar day counts once, however many failures it saw. */
export function withFailureDay(days: readonly string[] | undefined, now: number): string[] {
  const set = new Set((days ?? []).filter((d) => DAY.test(d)));
  set.add(failureDay(now));
  return [...set].sort().slice(-EXHAUSTED_AFTER_DAYS);
}

/** After this many failing days the refresh token is treated as dead and the user must reconnect. */
export function isExhausted(days: readonly string[]): boolean {
  return days.length >= EXHAUSTED_AFTER_DAYS;
}

/**
 * When the scheduled refresher should look at a failing connection again: 5 min after the first
 * failure, doubling to at most 6 h, +-10 % jitter. Pushing `refreshDueAt` forward keeps failing
 * connections from taking the schedule's slots (Nango PR #2368).
 */
export function nextAttemptAt(
  consecutiveFailures: number,
  now: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(6 * 3_600_000, 5 * 60_000 * 2 ** Math.max(0, consecutiveFailures - 1));
  return now + Math.round(base * (0.9 + 0.2 * random()));
}

/** What a failed refresh means for the connection. */
export type FailureKind =
  /** The grant is gone (revoked, expired, rotated away): only a reconnect helps. */
  | 'reauth'
  /** The provider or the answer failed: counted once a day, retried later. */
  | 'transient'
  /**
   * Our side (client credentials not uploaded, or refused by the provider as invalid_client /
   * unauthorized_client): neither the connection's fault nor counted on it.
   */
  | 'configuration';

export function failureKind(code: ErrorCode): FailureKind {
  if (code === 'invalid_grant') return 'reauth';
  if (code === 'credentials_not_configured' || code === 'credentials_rejected') return 'configuration';
  return 'transient';
}

/** The error code a caller sees for a failed refresh: `retryable` for anything that may pass by itself. */
export function callerCode(code: ErrorCode): ErrorCode {
  const kind = failureKind(code);
  if (kind === 'reauth') return 'needs_reauth';
  if (code === 'provider_unavailable') return 'retryable';
  return code;
}

/** True while a recent failure asks callers to back off; a later success or reconnect clears `lastErrorCode`. */
export function inCooldown(
  connection: { lastErrorCode: string | null; refreshBackoffUntil?: string },
  now: number,
): boolean {
  return (
    connection.lastErrorCode !== null &&
    connection.refreshBackoffUntil !== undefined &&
    Date.parse(connection.refreshBackoffUntil) > now
  );
}
