// The platform-connections adapter for the token lifecycle: reads, health updates and the refresh fields of the record.
import {
  GetItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { RevocationOutcome } from '../oauth/revoke';
import type { ActivityItem, ConnectionItem, ConnectionStatus } from '../records/shapes';
import { dynamo } from './clients';
import { fromItem, isConditionalFailure, toItem } from './item';
import type { RecordTables } from './records';

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

/** An update built from SET values (undefined = REMOVE) with a condition on the current status. */
function update(
  sets: Record<string, unknown>,
  condition: { status: ConnectionStatus; equal: boolean },
): {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, AttributeValue>;
} {
  const names: Record<string, string> = { '#status': 'status', '#sourceId': 'sourceId' };
  const values: Record<string, unknown> = { ':cond': condition.status };
  const setParts: string[] = [];
  const removeParts: string[] = [];
  Object.entries(sets).forEach(([field, value], i) => {
    const name = field === 'status' ? '#status' : `#f${i}`;
    names[name] = field;
    if (value === undefined) removeParts.push(name);
    else {
      values[`:v${i}`] = value;
      setParts.push(`${name} = :v${i}`);
    }
  });
  return {
    UpdateExpression: `SET ${setParts.join(', ')}${removeParts.length ? ` REMOVE ${removeParts.join(', ')}` : ''}`,
    ConditionExpression: `attribute_exists(#sourceId) AND #status ${condition.equal ? '=' : '<>'} :cond`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: toItem(values),
  };
}

function key(accountId: string, sourceId: string): Record<string, AttributeValue> {
  return toItem({ accountId, sourceId });
}

/** A transaction or update whose status condition failed: someone else changed the connection first. */
function lostRace(error: unknown): boolean {
  if (!isConditionalFailure(error)) return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return !reasons || reasons.some((r) => r.Code === 'ConditionalCheckFailed');
}

/** Updates a connection only while it is still `active`; false when another writer changed it first. */
async function updateWhileActive(
  tableName: string,
  connection: ConnectionRecord,
  sets: Record<string, unknown>,
): Promise<boolean> {
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(connection.accountId, connection.sourceId),
        ...update(sets, { status: 'active', equal: true }),
      }),
    );
    return true;
  } catch (error) {
    if (lostRace(error)) return false;
    throw error;
  }
}

export async function getConnection(
  tableName: string,
  accountId: string,
  sourceId: string,
): Promise<ConnectionRecord | undefined> {
  const out = await dynamo.send(
    new GetItemCommand({ TableName: tableName, Key: key(accountId, sourceId), ConsistentRead: true }),
  );
  return fromItem<ConnectionRecord>(out.Item);
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

/** An update with its own condition; false when the condition failed (the connection changed or is gone). */
async function conditionalUpdate(
  connection: ConnectionRecord,
  input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'Key'>,
): Promise<boolean> {
  try {
    await dynamo.send(
      new UpdateItemCommand({ ...input, Key: key(connection.accountId, connection.sourceId) }),
    );
    return true;
  } catch (error) {
    if (isConditionalFailure(error)) return false;
    throw error;
  }
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
  return conditionalUpdate(connection, {
    TableName: tableName,
    UpdateExpression: 'SET #f.#r = :true',
    ConditionExpression: '#status = :active AND #f.#h = :hash',
    ExpressionAttributeNames: {
      '#f': 'forcedRefresh',
      '#r': 'tokenRejected',
      '#h': 'tokenHash',
      '#status': 'status',
    },
    ExpressionAttributeValues: toItem({ ':true': true, ':active': 'active', ':hash': tokenHash }),
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
  return conditionalUpdate(connection, {
    TableName: tableName,
    UpdateExpression: 'SET #rl = :rl',
    ConditionExpression: `attribute_exists(#sourceId) AND ${condition}`,
    ExpressionAttributeNames: {
      '#rl': 'rateLimit',
      '#sourceId': 'sourceId',
      ...(previous ? { '#v': 'version' } : {}),
    },
    ExpressionAttributeValues: toItem({
      ':rl': rateLimit,
      ...(previous?.version ? { ':previous': previous.version } : {}),
    }),
  });
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

/** Takes a connection out of the refresh index (not refreshable: no refresh token, or not active). */
export async function leaveRefreshIndex(tableName: string, connection: ConnectionRecord): Promise<void> {
  await dynamo
    .send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(connection.accountId, connection.sourceId),
        UpdateExpression: 'REMOVE refreshPartition, refreshDueAt',
        ConditionExpression: 'attribute_exists(sourceId)',
      }),
    )
    .catch((error) => {
      if (!isConditionalFailure(error)) throw error;
    });
}

function sourceStatusUpdate(
  tables: RecordTables,
  connection: ConnectionRecord,
  status: ConnectionStatus,
  at: string,
): TransactWriteItem {
  return {
    Update: {
      TableName: tables.sources,
      Key: key(connection.accountId, connection.sourceId),
      UpdateExpression: 'SET #status = :s, updatedAt = :at',
      ConditionExpression: 'attribute_exists(sourceId)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: toItem({ ':s': status, ':at': at }),
    },
  };
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
  try {
    await dynamo.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: tables.connections,
              Key: key(connection.accountId, connection.sourceId),
              ...update(sets, { status: 'active', equal: true }),
            },
          },
          { Put: { TableName: tables.activity, Item: toItem(entry) } },
        ],
      }),
    );
  } catch (error) {
    if (lostRace(error)) return false;
    throw error;
  }
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
  const item = sourceStatusUpdate(tables, connection, status, at).Update!;
  try {
    await dynamo.send(new UpdateItemCommand(item));
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
  }
}

/** Records a disconnect's revocation on the connection before the records transaction (see revocationAttempt). */
export async function recordRevocationAttempt(
  tableName: string,
  connection: ConnectionRecord,
  outcome: RevocationOutcome,
  now: number,
): Promise<void> {
  await dynamo
    .send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(connection.accountId, connection.sourceId),
        UpdateExpression: 'SET revocationAttempt = :a',
        ConditionExpression: 'attribute_exists(sourceId)',
        ExpressionAttributeValues: toItem({ ':a': { outcome, at: new Date(now).toISOString() } }),
      }),
    )
    .catch((error) => {
      if (!isConditionalFailure(error)) throw error;
    });
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
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName: tables.connections,
        Key: key(connection.accountId, connection.sourceId),
        ...update(sets, { status: 'disconnected', equal: false }),
      },
    },
    { Put: { TableName: tables.activity, Item: toItem(entry) } },
  ];
  if (sourceExists) items.push(sourceStatusUpdate(tables, connection, 'disconnected', at));
  try {
    await dynamo.send(new TransactWriteItemsCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (lostRace(error)) return false;
    throw error;
  }
}
