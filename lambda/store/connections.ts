// The platform-connections table: reads, the writes of the token lifecycle and the webhooks, and the items the
// records transactions write to it.
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RevocationOutcome } from '../oauth/revoke';
import type { ActivityItem, ConnectionItem, ConnectionStatus } from '../records/shapes';
import { addActivity } from './activity';
import { documents } from './clients';
import {
  conditionFailure,
  updateExpression,
  type Condition,
  type TransactItem,
  type UpdateOptions,
} from './expressions';
import type { RecordTables } from './records';
import { setStatus, updateSource, type SourceRef } from './sources';

/**
 * A connection as the token lifecycle sees it: the records contract plus the refresh bookkeeping this
 * module keeps on the same item (absent on items written before; cleared on success).
 */
export interface ConnectionRecord extends ConnectionItem {
  /** Callers get a fast `retryable` until then after a failed refresh (only while `lastErrorCode` is set). */
  refreshBackoffUntil?: string;
  /** Failed refreshes in a row; drives the scheduled refresher's backoff. */
  refreshFailureCount?: number;
  disconnectedAt?: string;
  disconnectedBy?: string;
  /** Outcome of the revocation at disconnect, repeated on a second disconnect. */
  revocation?: RevocationOutcome;
  /** The last refresh a rejected access token forced (bounds the next one; see lambda/tokens/rejected.ts). */
  forcedRefresh?: ForcedRefreshRecord;
  /** The provider's rate-limit state as jobs last reported it (lambda/tokens/rate-limit.ts). */
  rateLimit?: StoredRateLimit;
  /**
   * The revocation a disconnect made before its records were written: a retry after those failed finds
   * the tokens already scheduled for deletion and answers this outcome (when newer than the grant).
   */
  revocationAttempt?: { outcome: RevocationOutcome; at: string };
}

export interface ForcedRefreshRecord {
  /** ISO time of the forced refresh. */
  at: string;
  /** SHA-256 (hex) of the access token it produced; never the token. */
  tokenHash: string;
  /** Forced-refresh tokens rejected in a row before this one. */
  streak: number;
  /** True once a job reported this refresh's token as rejected too. */
  tokenRejected: boolean;
}

export interface StoredRateLimit {
  remaining?: number;
  limit?: number;
  resetAt?: string;
  /** ISO: the provider asked to wait until then. */
  notBefore?: string;
  /** ISO: when the report arrived. */
  reportedAt: string;
  /** ISO: start of the current throttling episode (a wait reported and not yet cleared). */
  throttledSince?: string;
  /** The current episode was already counted as long. */
  longThrottleCounted?: boolean;
  /** Random per write: a report is stored only over the state it was merged from. */
  version?: string;
}

const REFRESH_BOOKKEEPING = ['refreshBackoffUntil', 'refreshFailureCount'] as const;

type Update = NonNullable<TransactItem['Update']>;

const key = (ref: SourceRef): SourceRef => ({ accountId: ref.accountId, sourceId: ref.sourceId });

/** While the connection exists and its status is (`equal`) or is not `status`. */
function whileStatus(status: ConnectionStatus, equal = true): Condition {
  return {
    expression: `attribute_exists(#sourceId) AND #status ${equal ? '=' : '<>'} :cond`,
    names: { '#sourceId': 'sourceId', '#status': 'status' },
    values: { ':cond': status },
  };
}

/** An update of one connection (undefined fields are removed), as a transaction item or on its own. */
function updateOf(
  tableName: string,
  ref: SourceRef,
  set: Record<string, unknown>,
  options: UpdateOptions = {},
): Update {
  return { TableName: tableName, Key: key(ref), ...updateExpression(set, options) };
}

/** Sends one update; false when its condition failed (the connection changed meanwhile, or is gone). */
async function conditionalUpdate(update: Update): Promise<boolean> {
  try {
    await documents.send(new UpdateCommand(update));
    return true;
  } catch (error) {
    if (conditionFailure(error)) return false;
    throw error;
  }
}

/** Updates a connection only while it is still `active`; false when another writer changed it first. */
function updateWhileActive(
  tableName: string,
  connection: ConnectionRecord,
  sets: Record<string, unknown>,
): Promise<boolean> {
  return conditionalUpdate(updateOf(tableName, connection, sets, { condition: whileStatus('active') }));
}

/** Sends a records transaction; false when a condition failed (someone else changed the connection first). */
async function transactUnlessLost(items: TransactItem[]): Promise<boolean> {
  try {
    await documents.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (conditionFailure(error)?.lost) return false;
    throw error;
  }
}

export async function getConnection(
  tableName: string,
  accountId: string,
  sourceId: string,
): Promise<ConnectionRecord | undefined> {
  const out = await documents.send(
    new GetCommand({ TableName: tableName, Key: { accountId, sourceId }, ConsistentRead: true }),
  );
  return out.Item as ConnectionRecord | undefined;
}

/** A new connection: it must not exist yet. */
export function createConnection(tableName: string, connection: ConnectionItem): TransactItem {
  return {
    Put: { TableName: tableName, Item: connection, ConditionExpression: 'attribute_not_exists(sourceId)' },
  };
}

/** A reconnect: every field of `connection` overwritten, except when and by whom it was first connected. */
export function replaceConnection(tableName: string, connection: ConnectionItem): TransactItem {
  const { accountId: _a, sourceId: _s, ...fields } = connection;
  void _a;
  void _s;
  return { Update: updateOf(tableName, connection, fields, { ifAbsent: ['createdAt', 'connectedBy'] }) };
}

/** Deletes a connection; with `mustExist`, only one that is there (a transaction then fails on a missing one). */
export function deleteConnection(tableName: string, ref: SourceRef, mustExist = false): TransactItem {
  return {
    Delete: {
      TableName: tableName,
      Key: key(ref),
      ...(mustExist
        ? { ConditionExpression: 'attribute_exists(#sid)', ExpressionAttributeNames: { '#sid': 'sourceId' } }
        : {}),
    },
  };
}

/**
 * A provider's disconnect (a webhook): status `disconnected`, off the refresh schedule; its condition fails when
 * already disconnected or, given `occurredAt`, (re)connected or refreshed successfully after it.
 */
export function providerDisconnect(
  tableName: string,
  ref: SourceRef,
  change: { at: string; occurredAt?: string; errorCode: string },
): TransactItem {
  const set = {
    status: 'disconnected',
    updatedAt: change.at,
    lastErrorCode: change.errorCode,
    refreshPartition: undefined,
    refreshDueAt: undefined,
  };
  const names = { '#sid': 'sourceId', '#st': 'status' };
  const condition: Condition =
    change.occurredAt === undefined
      ? {
          expression: 'attribute_exists(#sid) AND #st <> :disconnected',
          names,
          values: { ':disconnected': 'disconnected' },
        }
      : {
          // Out-of-order safe: only a (re)connect or a successful refresh after the provider's event is newer
          // than it (grantedAt); a failed refresh attempt moves updatedAt only. Items written before grantedAt
          // existed keep the older rule on updatedAt.
          expression:
            'attribute_exists(#sid) AND #st <> :disconnected AND (#st <> :active OR ' +
            '(attribute_exists(#granted) AND #granted <= :occurred) OR ' +
            '(attribute_not_exists(#granted) AND #upd <= :occurred))',
          names: { ...names, '#upd': 'updatedAt', '#granted': 'grantedAt' },
          values: { ':disconnected': 'disconnected', ':active': 'active', ':occurred': change.occurredAt },
        };
  return { Update: updateOf(tableName, ref, set, { condition }) };
}

export interface RefreshedFields {
  accessTokenExpiresAt: string | null;
  scopes: string[];
  /** Next refresh time; undefined takes the connection out of the refresh index. */
  refreshDueAt?: string;
  /** Written with a refresh that a rejected access token forced. */
  forcedRefresh?: ForcedRefreshRecord;
}

/** Records a successful refresh on an active connection; false when it stopped being active meanwhile. */
export async function markRefreshed(
  tableName: string,
  connection: ConnectionRecord,
  fields: RefreshedFields,
  now: number,
): Promise<boolean> {
  const at = new Date(now).toISOString();
  const sets: Record<string, unknown> = {
    accessTokenExpiresAt: fields.accessTokenExpiresAt,
    scopes: fields.scopes,
    lastRefreshAt: at,
    lastErrorCode: null,
    failureDays: [],
    refreshPartition: fields.refreshDueAt ? 'refresh' : undefined,
    refreshDueAt: fields.refreshDueAt,
    updatedAt: at,
    grantedAt: at,
  };
  for (const field of REFRESH_BOOKKEEPING) sets[field] = undefined;
  if (fields.forcedRefresh) sets.forcedRefresh = fields.forcedRefresh;
  return updateWhileActive(tableName, connection, sets);
}

/**
 * Notes that the token of the last forced refresh was rejected as well; only while that refresh is still
 * the last one (its token hash), so concurrent reports of one token count once.
 */
export function markForcedTokenRejected(
  tableName: string,
  connection: ConnectionRecord,
  tokenHash: string,
): Promise<boolean> {
  // A nested attribute: the one update the field builder does not write.
  return conditionalUpdate({
    TableName: tableName,
    Key: key(connection),
    UpdateExpression: 'SET #f.#r = :true',
    ConditionExpression: '#status = :active AND #f.#h = :hash',
    ExpressionAttributeNames: {
      '#f': 'forcedRefresh',
      '#r': 'tokenRejected',
      '#h': 'tokenHash',
      '#status': 'status',
    },
    ExpressionAttributeValues: { ':true': true, ':active': 'active', ':hash': tokenHash },
  });
}

/**
 * Stores a connection's rate-limit state over the one it was merged from (`connection.rateLimit`, matched by
 * its random `version`); false when another report came first or the connection is gone (read, merge again).
 */
export function storeRateLimit(
  tableName: string,
  connection: ConnectionRecord,
  rateLimit: StoredRateLimit,
): Promise<boolean> {
  const previous = connection.rateLimit;
  const condition = !previous
    ? 'attribute_not_exists(#rl)'
    : previous.version
      ? '#rl.#v = :previous'
      : 'attribute_exists(#rl) AND attribute_not_exists(#rl.#v)';
  return conditionalUpdate(
    updateOf(
      tableName,
      connection,
      { rateLimit },
      {
        condition: {
          expression: `attribute_exists(#sourceId) AND ${condition}`,
          names: { '#rl': 'rateLimit', '#sourceId': 'sourceId', ...(previous ? { '#v': 'version' } : {}) },
          values: previous?.version ? { ':previous': previous.version } : {},
        },
      },
    ),
  );
}

export interface FailureFields {
  lastErrorCode: string;
  failureDays: string[];
  refreshFailureCount: number;
  refreshBackoffUntil: string;
  /** Pushed-forward due time; only written while the connection is in the refresh index. */
  refreshDueAt?: string;
}

/** Records a failed refresh that leaves the connection active (transient provider trouble). */
export async function recordRefreshFailure(
  tableName: string,
  connection: ConnectionRecord,
  fields: FailureFields,
  now: number,
): Promise<boolean> {
  const sets: Record<string, unknown> = {
    lastErrorCode: fields.lastErrorCode,
    failureDays: fields.failureDays,
    refreshFailureCount: fields.refreshFailureCount,
    refreshBackoffUntil: fields.refreshBackoffUntil,
    updatedAt: new Date(now).toISOString(),
  };
  if (connection.refreshPartition && fields.refreshDueAt) sets.refreshDueAt = fields.refreshDueAt;
  return updateWhileActive(tableName, connection, sets);
}

/** Moves a connection the refresher cannot act on now (client credentials missing) later in the index. */
export async function postponeRefresh(
  tableName: string,
  connection: ConnectionRecord,
  dueAt: string,
): Promise<void> {
  await updateWhileActive(tableName, connection, { refreshDueAt: dueAt });
}

/** The connection exists (an update that must not create a stray item). */
const EXISTS: Condition = { expression: 'attribute_exists(#sourceId)', names: { '#sourceId': 'sourceId' } };

/** Takes a connection out of the refresh index (not refreshable: no refresh token, or not active). */
export async function leaveRefreshIndex(tableName: string, connection: ConnectionRecord): Promise<void> {
  await conditionalUpdate(
    updateOf(
      tableName,
      connection,
      { refreshPartition: undefined, refreshDueAt: undefined },
      { condition: EXISTS },
    ),
  );
}

/**
 * active -> needs_reauth with the activity record, in one transaction (the source record follows).
 * Leaves the refresh index. False when the connection was not active (no second event).
 */
export async function markNeedsReauth(
  tables: RecordTables,
  connection: ConnectionRecord,
  errorCode: string,
  entry: ActivityItem,
  now: number,
): Promise<boolean> {
  const at = new Date(now).toISOString();
  const sets: Record<string, unknown> = {
    status: 'needs_reauth',
    lastErrorCode: errorCode,
    updatedAt: at,
    refreshPartition: undefined,
    refreshDueAt: undefined,
    refreshBackoffUntil: undefined,
  };
  const changed = await transactUnlessLost([
    { Update: updateOf(tables.connections, connection, sets, { condition: whileStatus('active') }) },
    addActivity(tables.activity, entry),
  ]);
  if (!changed) return false;
  await setSourceStatus(tables, connection, 'needs_reauth', at);
  return true;
}

/** The source record mirrors the connection's status; a missing source is left alone. */
export async function setSourceStatus(
  tables: RecordTables,
  connection: ConnectionRecord,
  status: ConnectionStatus,
  at: string,
): Promise<void> {
  await setStatus(tables.sources, connection, status, at);
}

/** Records a disconnect's revocation on the connection before the records transaction (see revocationAttempt). */
export async function recordRevocationAttempt(
  tableName: string,
  connection: ConnectionRecord,
  outcome: RevocationOutcome,
  now: number,
): Promise<void> {
  await conditionalUpdate(
    updateOf(
      tableName,
      connection,
      { revocationAttempt: { outcome, at: new Date(now).toISOString() } },
      { condition: EXISTS },
    ),
  );
}

export interface DisconnectFields {
  userId: string;
  revocation: RevocationOutcome;
}

/**
 * Marks a connection (and its source) disconnected with the activity record, all or nothing; leaves the
 * refresh index. False when it was already disconnected (a repeated call).
 */
export async function markDisconnected(
  tables: RecordTables,
  connection: ConnectionRecord,
  fields: DisconnectFields,
  entry: ActivityItem,
  sourceExists: boolean,
  now: number,
): Promise<boolean> {
  const at = new Date(now).toISOString();
  const sets: Record<string, unknown> = {
    status: 'disconnected',
    disconnectedAt: at,
    disconnectedBy: fields.userId,
    revocation: fields.revocation,
    updatedAt: at,
    refreshPartition: undefined,
    refreshDueAt: undefined,
    refreshBackoffUntil: undefined,
  };
  const items: TransactItem[] = [
    {
      Update: updateOf(tables.connections, connection, sets, {
        condition: whileStatus('disconnected', false),
      }),
    },
    addActivity(tables.activity, entry),
  ];
  if (sourceExists)
    items.push(updateSource(tables.sources, connection, { status: 'disconnected', updatedAt: at }));
  return transactUnlessLost(items);
}
