// The oauth-tokens table: versioned item writes for both vault backends, and the lookups by its own indexes.
import {
  DeleteItemCommand,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { dynamo } from './clients';
import { fromItem, isConditionalFailure, toItem } from './item';
import { TOKEN_INDEX } from './tables';
import { VersionConflict, type Lookup, type TokenRef } from './vault-entry';

/** Partition value of the sparse refresh index: present only while the source should be refreshed. */
const REFRESH_PARTITION = 'refresh';

function key(ref: TokenRef): Record<string, AttributeValue> {
  return toItem({ accountId: ref.accountId, sourceId: ref.sourceId });
}

/** The lookup attributes of an item (undefined values are removed). */
export function lookupFields(lookup: Lookup): Record<string, unknown> {
  return {
    externalKey: lookup.externalKey,
    refreshPartition: lookup.refreshDueAt ? REFRESH_PARTITION : undefined,
    refreshDueAt: lookup.refreshDueAt,
  };
}

/**
 * Which item a write may change: `new` (none yet), one at a version, `exists` (any version), `unsealed` (none,
 * or one holding lookups only and never disconnected: what a migration may fill in), or `any`.
 */
export type WriteCondition = 'new' | number | 'exists' | 'unsealed' | 'any';

/**
 * Writes the fields (undefined = REMOVE) and increments `version`, under the condition.
 * @throws VersionConflict when the item is not at the expected version
 */
export async function writeTokenItem(
  table: string,
  ref: TokenRef,
  fields: Record<string, unknown>,
  condition: WriteCondition,
): Promise<void> {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':one': 1, ':zero': 0 };
  const sets: string[] = ['#version = if_not_exists(#version, :zero) + :one'];
  const removes: string[] = [];
  Object.entries(fields).forEach(([field, value], i) => {
    names[`#f${i}`] = field;
    if (value === undefined) removes.push(`#f${i}`);
    else {
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    }
  });
  let conditionExpression: string | undefined;
  if (condition === 'new' || condition === 'exists') {
    names['#sourceId'] = 'sourceId';
    conditionExpression = `${condition === 'new' ? 'attribute_not_exists' : 'attribute_exists'}(#sourceId)`;
  } else if (condition === 'unsealed') {
    names['#access'] = 'access';
    names['#removedAt'] = 'removedAt';
    conditionExpression = 'attribute_not_exists(#access) AND attribute_not_exists(#removedAt)';
  } else if (typeof condition === 'number') {
    values[':expected'] = condition;
    conditionExpression = '#version = :expected';
  }
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key(ref),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: conditionExpression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: toItem(values),
      }),
    );
  } catch (error) {
    if (isConditionalFailure(error)) throw new VersionConflict();
    throw error;
  }
}

/** The item of a source (strongly consistent: a version read must be the latest). */
export async function getTokenItem<T>(table: string, ref: TokenRef): Promise<T | undefined> {
  const out = await dynamo.send(
    new GetItemCommand({ TableName: table, Key: key(ref), ConsistentRead: true }),
  );
  return fromItem<T>(out.Item);
}

export async function deleteTokenItem(table: string, ref: TokenRef): Promise<void> {
  await dynamo.send(new DeleteItemCommand({ TableName: table, Key: key(ref) }));
}

/** Moves a source in the refresh index (or out of it with undefined); a missing item is left alone. */
export async function setRefreshDue(table: string, ref: TokenRef, dueAt: string | undefined): Promise<void> {
  const fields = { refreshPartition: dueAt ? REFRESH_PARTITION : undefined, refreshDueAt: dueAt };
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key(ref),
        UpdateExpression: dueAt
          ? 'SET refreshPartition = :p, refreshDueAt = :d'
          : 'REMOVE refreshPartition, refreshDueAt',
        ConditionExpression: 'attribute_exists(sourceId)',
        ExpressionAttributeValues: dueAt ? toItem({ ':p': fields.refreshPartition, ':d': dueAt }) : undefined,
      }),
    );
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
  }
}

export interface DuePage {
  sources: TokenRef[];
  next?: Record<string, AttributeValue>;
}

/**
 * One page of sources due for a refresh (index byRefreshDue, oldest due first).
 * @example const page = await dueSources(table, new Date().toISOString(), 25)
 */
export async function dueSources(
  table: string,
  nowIso: string,
  limit: number,
  startKey?: Record<string, AttributeValue>,
): Promise<DuePage> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: table,
      IndexName: TOKEN_INDEX.byRefreshDue,
      KeyConditionExpression: 'refreshPartition = :p AND refreshDueAt <= :now',
      ExpressionAttributeValues: toItem({ ':p': REFRESH_PARTITION, ':now': nowIso }),
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return {
    sources: (out.Items ?? []).map((item) => {
      const { accountId, sourceId } = fromItem<TokenRef>(item) as TokenRef;
      return { accountId, sourceId };
    }),
    next: out.LastEvaluatedKey,
  };
}

/**
 * Every source whose externalKey is `key` (`<provider>#<name>=<value>`), across accounts: one shop can be
 * connected by several accounts.
 * @example await sourcesByExternalKey('lbdev-oauth-tokens', 'shopify#shop=x.myshopify.com')
 */
export async function sourcesByExternalKey(table: string, externalKey: string): Promise<TokenRef[]> {
  const found: TokenRef[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: table,
        IndexName: TOKEN_INDEX.byExternalAccount,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'externalKey' },
        ExpressionAttributeValues: toItem({ ':k': externalKey }),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const ref = fromItem<TokenRef>(item);
      if (ref) found.push({ accountId: ref.accountId, sourceId: ref.sourceId });
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}
