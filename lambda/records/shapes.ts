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

/**
 * When the refresher should next refresh a connection: before expiry by the provider's margin, or, for
 * tokens that do not expire but whose refresh token dies unused, at half the idle lifetime (keep-alive).
 */
export function refreshDueAt(provider: ProviderEntry, document: TokenDocument): string | undefined {
  if (!document.refreshToken) return undefined;
  const obtained = Date.parse(document.obtainedAt);
  const candidates: number[] = [];
  if (document.expiresAt)
    candidates.push(Date.parse(document.expiresAt) - provider.tokens.refreshMarginSeconds * 1000);
  if (provider.tokens.refreshTokenIdleDays)
    candidates.push(obtained + (provider.tokens.refreshTokenIdleDays / 2) * DAY_MS);
  if (candidates.length === 0) return undefined;
  return new Date(Math.min(...candidates)).toISOString();
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
