// The oauth-states table adapter: store a state at start, consume it exactly once at the callback.
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

export async function putState(tableName: string, record: StateRecord): Promise<void> {
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: record,
      ConditionExpression: 'attribute_not_exists(#s)',
      ExpressionAttributeNames: { '#s': 'state' },
    }),
  );
}

/**
 * Deletes the state and returns what it held, in one conditional call: under concurrent callbacks
 * exactly one caller gets the record; the others get undefined.
 */
export async function consumeState(tableName: string, state: string): Promise<StateRecord | undefined> {
  try {
    const out = await documents.send(
      new DeleteCommand({
        TableName: tableName,
        Key: { state },
        ConditionExpression: 'attribute_exists(#s) AND #k = :kind',
        ExpressionAttributeNames: { '#s': 'state', '#k': 'kind' },
        ExpressionAttributeValues: { ':kind': 'state' },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes as StateRecord | undefined;
  } catch (error) {
    if (conditionFailure(error)) return undefined;
    throw error;
  }
}
