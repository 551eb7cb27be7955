// The sources table (owned by the sources service; item shape in lambda/records/shapes.ts): reads and the writes
// this service makes to it, alone or as items of the records transactions.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SourceItem } from '../records/shapes';
import { documents } from './clients';
import { conditionFailure, updateExpression, type TransactItem } from './expressions';

export interface SourceRef {
  accountId: string;
  sourceId: string;
}

const key = (ref: SourceRef): SourceRef => ({ accountId: ref.accountId, sourceId: ref.sourceId });

export async function getSource(
  tableName: string,
  accountId: string,
  sourceId: string,
): Promise<SourceItem | undefined> {
  const out = await documents.send(
    new GetCommand({ TableName: tableName, Key: { accountId, sourceId }, ConsistentRead: true }),
  );
  return out.Item as SourceItem | undefined;
}

/** A new source: it must not exist yet. */
export function createSource(tableName: string, source: SourceItem): TransactItem {
  return {
    Put: { TableName: tableName, Item: source, ConditionExpression: 'attribute_not_exists(sourceId)' },
  };
}

/** Sets fields of an existing source (undefined = REMOVE), optionally only while it is of `provider`. */
export function updateSource(
  tableName: string,
  ref: SourceRef,
  set: Partial<SourceItem>,
  provider?: string,
): TransactItem {
  const expression = `attribute_exists(#sid)${provider ? ' AND #p = :p' : ''}`;
  return {
    Update: {
      TableName: tableName,
      Key: key(ref),
      ...updateExpression(set, {
        condition: provider
          ? { expression, names: { '#sid': 'sourceId', '#p': 'provider' }, values: { ':p': provider } }
          : { expression, names: { '#sid': 'sourceId' } },
      }),
    },
  };
}

export function deleteSource(tableName: string, ref: SourceRef): TransactItem {
  return { Delete: { TableName: tableName, Key: key(ref) } };
}

/** The source mirrors its connection's status on its own (outside a transaction); a missing source is left alone. */
export async function setStatus(
  tableName: string,
  ref: SourceRef,
  status: SourceItem['status'],
  at: string,
): Promise<void> {
  try {
    await documents.send(new UpdateCommand(updateSource(tableName, ref, { status, updatedAt: at }).Update!));
  } catch (error) {
    if (!conditionFailure(error)) throw error;
  }
}
