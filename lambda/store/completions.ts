// Pending completions: sealed tokens waiting for the user who started the flow to confirm (RFC 9700 §4.7.1).
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ProviderId } from '../providers/types';
import { documents } from './clients';
import { conditionFailure } from './expressions';

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
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: record,
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
    const out = await documents.send(
      new DeleteCommand({
        TableName: tableName,
        Key: { state: key },
        ConditionExpression: 'attribute_exists(#s) AND #k = :kind',
        ExpressionAttributeNames: { '#s': 'state', '#k': 'kind' },
        ExpressionAttributeValues: { ':kind': 'completion' },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes as CompletionRecord | undefined;
  } catch (error) {
    if (conditionFailure(error)) return undefined;
    throw error;
  }
}
