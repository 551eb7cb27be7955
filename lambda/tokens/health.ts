// Health status changes of a connection: records, activity and an event on the shared bus, once per change.
import type { ProviderEntry } from '../providers/types';
import { activity } from '../records/shapes';
import { markNeedsReauth, type ConnectionRecord } from '../store/connections';
import { DETAIL_TYPES, publish } from '../store/events';
import { writeActivity } from '../store/records';
import { logger } from '../shared/logger';
import { countHealthTransition } from '../metrics/emit';
import type { TokenConfig } from './config';

/** Human reasons for the activity feed, by the code stored as `lastErrorCode`. */
const REAUTH_REASONS = {
  invalid_grant: 'the provider no longer accepts the stored authorization (revoked, expired or replaced)',
  refresh_failing: 'token refreshes kept failing on several days',
  tokens_missing: 'no tokens are stored for it',
  no_refresh_token: 'its access token expired and the provider gave no refresh token',
  rejected_after_refresh: 'the provider refused freshly refreshed access tokens twice in a row',
} as const;

/** Why a connection needs a reconnect; stored as its `lastErrorCode`. */
export type ReauthReason = keyof typeof REAUTH_REASONS;

function ids(connection: ConnectionRecord) {
  return { accountId: connection.accountId, sourceId: connection.sourceId, provider: connection.provider };
}

function detail(connection: ConnectionRecord, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    accountId: connection.accountId,
    sourceId: connection.sourceId,
    connectionId: connection.connectionId,
    provider: connection.provider,
    externalAccount: connection.externalAccount,
    ...extra,
  };
}

async function publishQuietly(
  config: TokenConfig,
  type: (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES],
  body: Record<string, unknown>,
  connection: ConnectionRecord,
) {
  try {
    await publish(config.eventBusName, type, body);
  } catch (error) {
    // The status and activity are written; a missing notification must not undo them.
    logger.error('health event not published', {
      ...ids(connection),
      detailType: type,
      cause: (error as Error)?.name,
    });
  }
}

/**
 * active -> needs_reauth: status, activity and the `Connection Needs Reauth` event, only on the change.
 * @returns true when this call made the change.
 */
export async function toNeedsReauth(
  config: TokenConfig,
  connection: ConnectionRecord,
  provider: ProviderEntry,
  reason: ReauthReason,
  now: number = Date.now(),
): Promise<boolean> {
  const why = REAUTH_REASONS[reason];
  const entry = activity(
    connection.accountId,
    'integration.needs_reauth',
    provider.id,
    `${provider.displayName} needs to be reconnected: ${why}`,
    now,
    { sourceId: connection.sourceId },
  );
  const changed = await markNeedsReauth(config.tables, connection, reason, entry, now);
  if (!changed) return false;
  logger.warn('connection needs reauthorization', { ...ids(connection), reason });
  countHealthTransition(provider.id, 'needs_reauth');
  await publishQuietly(
    config,
    DETAIL_TYPES.connectionNeedsReauth,
    detail(connection, { reason }),
    connection,
  );
  return true;
}

/**
 * After a reconnect (oauth-complete): a connection that was `needs_reauth` is `active` again, so the
 * change gets its activity record and the `Connection Restored` event. No-op for other previous states.
 */
export async function announceRestored(
  config: TokenConfig,
  previous: ConnectionRecord | undefined,
  provider: ProviderEntry,
  userId: string,
  now: number = Date.now(),
): Promise<boolean> {
  if (previous?.status !== 'needs_reauth') return false;
  try {
    await writeActivity(
      config.tables,
      activity(
        previous.accountId,
        'integration.restored',
        provider.id,
        `${provider.displayName} works again after reconnecting`,
        now,
        {
          sourceId: previous.sourceId,
          userId,
        },
      ),
    );
  } catch (error) {
    logger.error('restored activity not written', { ...ids(previous), cause: (error as Error)?.name });
  }
  await publishQuietly(
    config,
    DETAIL_TYPES.connectionRestored,
    detail(previous, { userId, previousStatus: 'needs_reauth' }),
    previous,
  );
  logger.info('connection restored', ids(previous));
  countHealthTransition(provider.id, 'restored');
  return true;
}
