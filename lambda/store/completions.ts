// Pending completions: sealed tokens waiting for the user who started the flow to confirm (RFC 9700 §4.7.1).
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ProviderId } from '../providers/types';
import { dynamo } from './clients';
import { fromItem, isConditionalFailure, toItem } from './item';

export interface CompletionRecord {
  /** `completion#<sha256(id)>`: the id itself is never stored. */
  state: string;
  kind: 'completion';
  provider: ProviderId;
  userId: string;
  accountId: string;
  sourceId?: string;
  /** The flow id of the start that led here (logs only). */
  flowId?: string;
  /** The token document sealed with a key derived from the completion id. */
  sealed: string;
  createdAt: string;
  expiresAt: number;
  ttl: number;
}

export async function putCompletion(tableName: string, record: CompletionRecord): Promise<void> {
  await dynamo.send(
    new PutItemCommand({
      TableName: tableName,
      Item: toItem(record),
      ConditionExpression: 'attribute_not_exists(#s)',
      ExpressionAttributeNames: { '#s': 'state' },
    }),
  );
}

/** Deletes and returns a completion in one conditional call: single use under concurrency. */
export async function consumeCompletion(
  tableName: string,
  key: string,
): Promise<CompletionRecord | undefined> {
  try {
    const out = await dynamo.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: toItem({ state: key }),
        ConditionExpression: 'attribute_exists(#s) AND #k = :kind',
        ExpressionAttributeNames: { '#s': 'state', '#k': 'kind' },
        ExpressionAttributeValues: toItem({ ':kind': 'completion' }),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return fromItem<CompletionRecord>(out.Attributes);
  } catch (error) {
    if (isConditionalFailure(error)) return undefined;
    throw error;
  }
}
