// Pure decisions of the token lifecycle: when to refresh, how long to back off, when a connection is exhausted.
import type { TokenDocument } from '../oauth/token-document';
import type { ProviderEntry } from '../providers/types';
import { refreshDueAt } from '../records/shapes';
import type { ErrorCode } from '../shared/errors';

/** A lease outlives the slowest refresh it guards: attempts stop before it expires (see refreshDeadline). */
export const LEASE_TTL_MS = 12_000;
/** How long a caller waits for another holder's refresh before answering `retryable`. */
export const LEASE_WAIT_MS = LEASE_TTL_MS + 2_000;
/** Token endpoint attempts per refresh (first try included) on 429, 5xx and timeouts. */
export const REFRESH_ATTEMPTS = 3;
/** Upper bound of one token endpoint attempt. */
export const ATTEMPT_TIMEOUT_MS = 5_000;
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
 * Scheduled refresher: the margin is reached or the refresh token has idled for half its lifetime
 * (keep-alive, registry `tokens.refreshTokenIdleDays`). Computed from the document itself, so a
 * document another worker just refreshed is no longer due.
 */
export function dueForRefresh(provider: ProviderEntry, document: TokenDocument, now: number): boolean {
  if (needsRefresh(provider, document, now)) return true;
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
  const ceiling = Math.min(2_000, 250 * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
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
  /** Our side (client credentials not uploaded): neither the connection's fault nor counted. */
  | 'configuration';

export function failureKind(code: ErrorCode): FailureKind {
  if (code === 'invalid_grant') return 'reauth';
  if (code === 'credentials_not_configured') return 'configuration';
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
