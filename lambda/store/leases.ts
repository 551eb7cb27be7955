// Refresh leases in the oauth-states table: one holder per source, taken by conditional put, released by owner.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from './clients';
import { conditionFailure, type Condition } from './expressions';

export interface LeaseItem {
  /** `lease#<accountId>#<sourceId>` (the table's partition key). */
  state: string;
  kind: 'lease';
  /** Random token of the holder; only the holder may release. */
  owner: string;
  /** Epoch ms after which anyone may take the lease over (a crashed holder loses it here). */
  expiresAt: number;
  /** Epoch seconds for DynamoDB TTL (cleanup only; expiry is checked in the condition). */
  ttl: number;
}

export function leaseKey(accountId: string, sourceId: string): string {
  return `lease#${accountId}#${sourceId}`;
}

/** Writes the lease item of `owner`, valid `ttlMs` from `now`, if `condition` holds; false when it does not. */
async function putLease(
  tableName: string,
  key: string,
  owner: string,
  now: number,
  ttlMs: number,
  condition: Condition,
): Promise<boolean> {
  const expiresAt = now + ttlMs;
  const item: LeaseItem = {
    state: key,
    kind: 'lease',
    owner,
    expiresAt,
    ttl: Math.ceil(expiresAt / 1000) + 60,
  };
  try {
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ExpressionAttributeValues: condition.values,
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Takes the lease when nobody holds it or the holder's lease expired. Exactly one concurrent caller wins.
 * @example if (await acquireLease(table, leaseKey(a, s), owner, Date.now(), 12_000)) { ... }
 */
export function acquireLease(
  tableName: string,
  key: string,
  owner: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  return putLease(tableName, key, owner, now, ttlMs, {
    expression: 'attribute_not_exists(#s) OR #e < :now',
    names: { '#s': 'state', '#e': 'expiresAt' },
    values: { ':now': now },
  });
}

/**
 * Extends the lease by `ttlMs` from `now` if `owner` still holds it (a conditional put, like the take).
 * @returns false when someone else holds it now: ours expired and was taken over.
 */
export function renewLease(
  tableName: string,
  key: string,
  owner: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  return putLease(tableName, key, owner, now, ttlMs, {
    expression: '#o = :me',
    names: { '#o': 'owner' },
    values: { ':me': owner },
  });
}

/** Releases the lease if `owner` still holds it; a lease taken over after expiry is left to its new holder. */
export async function releaseLease(tableName: string, key: string, owner: string): Promise<boolean> {
  try {
    await documents.send(
      new DeleteCommand({
        TableName: tableName,
        Key: { state: key },
        ConditionExpression: '#o = :me',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':me': owner },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailure(error)) return false;
    throw error;
  }
}

/** The current lease item, if any (tests and diagnostics). */
export async function readLease(tableName: string, key: string): Promise<LeaseItem | undefined> {
  const out = await documents.send(
    new GetCommand({ TableName: tableName, Key: { state: key }, ConsistentRead: true }),
  );
  return out.Item as LeaseItem | undefined;
}
