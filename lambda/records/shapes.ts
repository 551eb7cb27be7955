// The items this service writes to tables owned by other services: the records contract (see README).
import type { ProviderEntry, ProviderId } from '../providers/types';
import type { TokenDocument } from '../oauth/token-document';
import { externalKey } from '../oauth/token-document';
import { randomToken } from '../oauth/random';

export type ConnectionStatus = 'active' | 'needs_reauth' | 'disconnected';

/** sources table item (key accountId + sourceId). */
export interface SourceItem {
  accountId: string;
  sourceId: string;
  type: 'oauth';
  provider: ProviderId;
  name: string;
  status: ConnectionStatus;
  connectionId: string;
  externalAccount: Record<string, string>;
  tokenSecretName: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** platform-connections table item (key accountId + sourceId). */
export interface ConnectionItem {
  accountId: string;
  sourceId: string;
  connectionId: string;
  provider: ProviderId;
  status: ConnectionStatus;
  externalAccount: Record<string, string>;
  /** `<provider>#<name>=<value>`: index byExternalAccount (webhooks). */
  externalKey?: string;
  scopes: string[];
  tokenSecretName: string;
  accessTokenExpiresAt: string | null;
  lastRefreshAt: string | null;
  lastErrorCode: string | null;
  /** Calendar days (YYYY-MM-DD) on which a refresh failed since the last success. */
  failureDays?: string[];
  /** Present while the refresher should look at this connection: index byRefreshDue. */
  refreshPartition?: 'refresh';
  /** ISO time at which the refresher should next refresh (expiry minus margin, or keep-alive). */
  refreshDueAt?: string;
  connectedBy: string;
  createdAt: string;
  updatedAt: string;
  /**
   * When the grant was last shown to be live: the (re)connect or the last successful refresh. A failed
   * refresh moves `updatedAt`, not this; a webhook's out-of-order check compares against this.
   */
  grantedAt?: string;
}

export type ActivityType =
  | 'integration.connected'
  | 'integration.reconnected'
  | 'integration.refused'
  | 'integration.needs_reauth'
  | 'integration.restored'
  | 'integration.disconnected'
  | 'integration.webhook';

/** activity table item (key accountId + activityId, sortable by time). */
export interface ActivityItem {
  accountId: string;
  activityId: string;
  type: ActivityType;
  service: 'integrations';
  provider: ProviderId;
  sourceId?: string;
  userId?: string;
  message: string;
  createdAt: string;
}

export function newSourceId(): string {
  return `src_${randomToken(16)}`;
}

export function connectionIdOf(sourceId: string): string {
  return `conn_${sourceId.replace(/^src_/, '')}`;
}

export function activity(
  accountId: string,
  type: ActivityType,
  provider: ProviderId,
  message: string,
  now: number,
  extra: { sourceId?: string; userId?: string } = {},
): ActivityItem {
  const createdAt = new Date(now).toISOString();
  return {
    accountId,
    activityId: `${createdAt}#${randomToken(6)}`,
    type,
    service: 'integrations',
    provider,
    message,
    createdAt,
    ...extra,
  };
}

const DAY_MS = 86_400_000;

/** A rotating refresh token with an absolute expiry is renewed this long before it dies. */
export const REFRESH_TOKEN_EXPIRY_MARGIN_MS = DAY_MS;

/**
 * When the scheduled refresher should next refresh a connection: only to keep its refresh token alive, at
 * half the provider's idle lifetime (registry `tokens.refreshTokenIdleDays`), or a day ahead of the
 * refresh token's absolute expiry where a refresh renews it (a rotating provider that reports one).
 * Access tokens are not scheduled: token access refreshes them when a job asks. Undefined when nothing
 * can make the refresh token die unused: the connection stays out of the refresher's index.
 */
export function refreshDueAt(provider: ProviderEntry, document: TokenDocument): string | undefined {
  if (!document.refreshToken) return undefined;
  const candidates: number[] = [];
  if (provider.tokens.refreshTokenIdleDays)
    candidates.push(Date.parse(document.obtainedAt) + (provider.tokens.refreshTokenIdleDays / 2) * DAY_MS);
  if (provider.tokens.rotatesRefreshToken && document.refreshTokenExpiresAt)
    candidates.push(Date.parse(document.refreshTokenExpiresAt) - REFRESH_TOKEN_EXPIRY_MARGIN_MS);
  const valid = candidates.filter((at) => !Number.isNaN(at));
  if (valid.length === 0) return undefined;
  return new Date(Math.min(...valid)).toISOString();
}

/** What the oauth-tokens item is looked up by for a document: its external account and next refresh. */
export function tokenLookup(
  provider: ProviderEntry,
  document: TokenDocument,
): { externalKey?: string; refreshDueAt?: string } {
  return {
    externalKey: externalKey(provider.id, document.externalAccount),
    refreshDueAt: refreshDueAt(provider, document),
  };
}

/** The connection item for a token document (fresh connect, reconnect or refresh). */
export function connectionItem(
  provider: ProviderEntry,
  base: { accountId: string; sourceId: string; connectedBy: string; createdAt: string },
  document: TokenDocument,
  tokenSecretName: string,
  now: number,
): ConnectionItem {
  const due = refreshDueAt(provider, document);
  return {
    accountId: base.accountId,
    sourceId: base.sourceId,
    connectionId: connectionIdOf(base.sourceId),
    provider: provider.id,
    status: 'active',
    externalAccount: document.externalAccount,
    externalKey: externalKey(provider.id, document.externalAccount),
    scopes: document.scopes,
    tokenSecretName,
    accessTokenExpiresAt: document.expiresAt,
    lastRefreshAt: null,
    lastErrorCode: null,
    failureDays: [],
    ...(due ? { refreshPartition: 'refresh' as const, refreshDueAt: due } : {}),
    connectedBy: base.connectedBy,
    createdAt: base.createdAt,
    updatedAt: new Date(now).toISOString(),
    grantedAt: new Date(now).toISOString(),
  };
}

/** The source item of a new connection. */
export function sourceItem(
  provider: ProviderEntry,
  accountId: string,
  sourceId: string,
  userId: string,
  document: TokenDocument,
  tokenSecretName: string,
  now: number,
): SourceItem {
  const at = new Date(now).toISOString();
  const label = Object.values(document.externalAccount)[0];
  return {
    accountId,
    sourceId,
    type: 'oauth',
    provider: provider.id,
    name: label ? `${provider.displayName} (${label})` : provider.displayName,
    status: 'active',
    connectionId: connectionIdOf(sourceId),
    externalAccount: document.externalAccount,
    tokenSecretName,
    createdBy: userId,
    createdAt: at,
    updatedAt: at,
  };
}
