// The oauth-tokens table: versioned item writes for both vault backends, and the lookups by its own indexes.
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from './clients';
import { conditionFailure, updateExpression, type Condition } from './expressions';
import { TOKEN_INDEX } from './tables';
import { VersionConflict, type Lookup, type TokenRef } from './vault-entry';

/** Partition value of the sparse refresh index: present only while the source should be refreshed. */
const REFRESH_PARTITION = 'refresh';

function key(ref: TokenRef): TokenRef {
  return { accountId: ref.accountId, sourceId: ref.sourceId };
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

/** What each write condition asks of the stored item. */
const CONDITIONS: Record<Exclude<WriteCondition, number | 'any'>, Condition> = {
  new: { expression: 'attribute_not_exists(#sourceId)', names: { '#sourceId': 'sourceId' } },
  exists: { expression: 'attribute_exists(#sourceId)', names: { '#sourceId': 'sourceId' } },
  unsealed: {
    expression: 'attribute_not_exists(#access) AND attribute_not_exists(#removedAt)',
    names: { '#access': 'access', '#removedAt': 'removedAt' },
  },
};

function conditionOf(condition: WriteCondition): Condition | undefined {
  if (condition === 'any') return undefined;
  if (typeof condition === 'number')
    return {
      expression: '#version = :expected',
      names: { '#version': 'version' },
      values: { ':expected': condition },
    };
  return CONDITIONS[condition];
}

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
  try {
    await documents.send(
      new UpdateCommand({
        TableName: table,
        Key: key(ref),
        ...updateExpression(fields, { increment: ['version'], condition: conditionOf(condition) }),
      }),
    );
  } catch (error) {
    if (conditionFailure(error)) throw new VersionConflict();
    throw error;
  }
}

/** The item of a source (strongly consistent: a version read must be the latest). */
export async function getTokenItem<T>(table: string, ref: TokenRef): Promise<T | undefined> {
  const out = await documents.send(new GetCommand({ TableName: table, Key: key(ref), ConsistentRead: true }));
  return out.Item as T | undefined;
}

export async function deleteTokenItem(table: string, ref: TokenRef): Promise<void> {
  await documents.send(new DeleteCommand({ TableName: table, Key: key(ref) }));
}

/** Moves a source in the refresh index (or out of it with undefined); a missing item is left alone. */
export async function setRefreshDue(table: string, ref: TokenRef, dueAt: string | undefined): Promise<void> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: table,
        Key: key(ref),
        ...updateExpression(
          { refreshPartition: dueAt ? REFRESH_PARTITION : undefined, refreshDueAt: dueAt },
          { condition: CONDITIONS.exists },
        ),
      }),
    );
  } catch (error) {
    if (!conditionFailure(error)) throw error;
  }
}

export interface DuePage {
  sources: TokenRef[];
  next?: Record<string, unknown>;
}

/**
 * One page of sources due for a refresh (index byRefreshDue, oldest due first).
 * @example const page = await dueSources(table, new Date().toISOString(), 25)
 */
export async function dueSources(
  table: string,
  nowIso: string,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<DuePage> {
  const out = await documents.send(
    new QueryCommand({
      TableName: table,
      IndexName: TOKEN_INDEX.byRefreshDue,
      KeyConditionExpression: 'refreshPartition = :p AND refreshDueAt <= :now',
      ExpressionAttributeValues: { ':p': REFRESH_PARTITION, ':now': nowIso },
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return {
    sources: (out.Items ?? []).map((item) => key(item as TokenRef)),
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
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documents.send(
      new QueryCommand({
        TableName: table,
        IndexName: TOKEN_INDEX.byExternalAccount,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'externalKey' },
        ExpressionAttributeValues: { ':k': externalKey },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) found.push(key(item as TokenRef));
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}
