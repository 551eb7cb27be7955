// The oauth-states table: its single-use items (put once, taken once), and the OAuth state stored at start and
// consumed exactly once at the callback.
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ProviderId } from '../providers/types';
import { documents } from './clients';
import { conditionFailure } from './expressions';

/** What the start handler stores under a state; consumed by the callback. */
export interface StateRecord {
  state: string;
  kind: 'state';
  provider: ProviderId;
  userId: string;
  accountId: string;
  sourceId?: string;
  returnPath?: string;
  shop?: string;
  codeVerifier?: string;
  /** Random id joining the flow's log lines (start, callback, complete); not a secret. */
  flowId?: string;
  createdAt: string;
  /** Expiry in epoch ms, checked in code (TTL deletion lags). */
  expiresAt: number;
  /** Epoch seconds for DynamoDB TTL. */
  ttl: number;
}

/** An item of the oauth-states table: its key, and which kind of item it is (state, completion, lease, delivery). */
export interface EphemeralItem {
  state: string;
  kind: string;
}

/** Stores a new item; fails (ConditionalCheckFailedException) when its key is taken. */
export async function putNewItem(tableName: string, item: EphemeralItem): Promise<void> {
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(#s)',
      ExpressionAttributeNames: { '#s': 'state' },
    }),
  );
}

/**
 * Deletes the item of `key` if it is of `kind` and returns what it held, in one conditional call: under
 * concurrent callers exactly one gets the item; the others get undefined.
 */
export async function takeItem<T extends EphemeralItem>(
  tableName: string,
  key: string,
  kind: T['kind'],
): Promise<T | undefined> {
  try {
    const out = await documents.send(
      new DeleteCommand({
        TableName: tableName,
        Key: { state: key },
        ConditionExpression: 'attribute_exists(#s) AND #k = :kind',
        ExpressionAttributeNames: { '#s': 'state', '#k': 'kind' },
        ExpressionAttributeValues: { ':kind': kind },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes as T | undefined;
  } catch (error) {
    if (conditionFailure(error)) return undefined;
    throw error;
  }
}

export function putState(tableName: string, record: StateRecord): Promise<void> {
  return putNewItem(tableName, record);
}

/** Consumes a state exactly once (see takeItem). */
export function consumeState(tableName: string, state: string): Promise<StateRecord | undefined> {
  return takeItem<StateRecord>(tableName, state, 'state');
}
