// Webhook deliveries in the oauth-states table: one claim per delivery id, with progress, so repeats change nothing.
import { UpdateItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { ProviderId } from '../providers/types';
import { dynamo } from './clients';
import { fromItem, isConditionalFailure, toItem } from './item';

/** How long a delivery id is remembered: beyond Stripe's 3-day retry window. */
export const DELIVERY_TTL_SECONDS = 4 * 86_400;
/** How long a claim blocks a concurrent copy of the same delivery; far beyond the function timeout. */
export const DELIVERY_LEASE_MS = 60_000;

export interface DeliveryRecord {
  /** `webhook#<provider>#<deliveryId>` */
  state: string;
  kind: 'delivery';
  provider: ProviderId;
  topic: string;
  status: 'processing' | 'done';
  /** Random token of the invocation holding the claim. */
  owner: string;
  /** Epoch ms until which the claim holds; 0 after a failed attempt released it. */
  leaseUntil: number;
  /** `<accountId>/<sourceId>` whose records this delivery changed (written in the same transaction). */
  applied?: Set<string>;
  /** Of those, the ones whose secret and event steps are done too. */
  published?: Set<string>;
  createdAt: string;
  updatedAt: string;
  ttl: number;
}

export type Claim =
  | { outcome: 'claimed'; key: string; owner: string; applied: Set<string>; published: Set<string> }
  /** The delivery was processed before: answer 200, change nothing. */
  | { outcome: 'done' }
  /** Another invocation is processing the same delivery right now. */
  | { outcome: 'busy' };

export function deliveryKey(provider: ProviderId, deliveryId: string): string {
  return `webhook#${provider}#${deliveryId}`;
}

/**
 * Claims a delivery: creates its record, or takes over one whose earlier attempt failed (lease released or
 * expired), keeping that attempt's progress. A finished delivery or a live claim is reported, not taken.
 */
export async function claimDelivery(
  tableName: string,
  key: string,
  meta: { provider: ProviderId; topic: string },
  owner: string,
  now: number,
): Promise<Claim> {
  try {
    const out = await dynamo.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: toItem({ state: key }),
        UpdateExpression:
          'SET #kind = :kind, #provider = :provider, #topic = :topic, #status = :processing, #owner = :owner, ' +
          '#lease = :lease, #ttl = :ttl, #updated = :at, #created = if_not_exists(#created, :at)',
        ConditionExpression:
          'attribute_not_exists(#state) OR (#kind = :kind AND #status <> :done AND #lease < :now)',
        ExpressionAttributeNames: {
          '#state': 'state',
          '#kind': 'kind',
          '#provider': 'provider',
          '#topic': 'topic',
          '#status': 'status',
          '#owner': 'owner',
          '#lease': 'leaseUntil',
          '#ttl': 'ttl',
          '#updated': 'updatedAt',
          '#created': 'createdAt',
        },
        ExpressionAttributeValues: toItem({
          ':kind': 'delivery',
          ':provider': meta.provider,
          ':topic': meta.topic.slice(0, 128),
          ':processing': 'processing',
          ':done': 'done',
          ':owner': owner,
          ':lease': now + DELIVERY_LEASE_MS,
          ':now': now,
          ':ttl': Math.floor(now / 1000) + DELIVERY_TTL_SECONDS,
          ':at': new Date(now).toISOString(),
        }),
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const record = fromItem<DeliveryRecord>(out.Attributes);
    return {
      outcome: 'claimed',
      key,
      owner,
      applied: new Set(record?.applied ?? []),
      published: new Set(record?.published ?? []),
    };
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
    const old = fromItem<DeliveryRecord>((error as { Item?: Parameters<typeof fromItem>[0] }).Item);
    return old?.status === 'done' ? { outcome: 'done' } : { outcome: 'busy' };
  }
}

/** The transaction item that records, with a connection's records, that this delivery changed them. */
export function appliedProgress(
  tableName: string,
  claim: { key: string; owner: string },
  ref: string,
): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: toItem({ state: claim.key }),
      UpdateExpression: 'ADD #applied :ref',
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#applied': 'applied', '#owner': 'owner' },
      ExpressionAttributeValues: toItem({ ':ref': new Set([ref]), ':owner': claim.owner }),
    },
  };
}

async function update(
  tableName: string,
  claim: { key: string; owner: string },
  expression: string,
  names: Record<string, string>,
  values: Record<string, unknown>,
) {
  await dynamo.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: toItem({ state: claim.key }),
      UpdateExpression: expression,
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { ...names, '#owner': 'owner' },
      ExpressionAttributeValues: toItem({ ...values, ':owner': claim.owner }),
    }),
  );
}

/** Records that a connection's secret and event steps are done too. */
export async function recordPublished(
  tableName: string,
  claim: { key: string; owner: string },
  ref: string,
): Promise<void> {
  await update(
    tableName,
    claim,
    'ADD #published :ref',
    { '#published': 'published' },
    { ':ref': new Set([ref]) },
  );
}

/** Marks the delivery processed: later copies answer 200 without effect until the TTL removes the record. */
export async function completeDelivery(
  tableName: string,
  claim: { key: string; owner: string },
  now: number,
): Promise<void> {
  await update(
    tableName,
    claim,
    'SET #status = :done, #updated = :at',
    { '#status': 'status', '#updated': 'updatedAt' },
    {
      ':done': 'done',
      ':at': new Date(now).toISOString(),
    },
  );
}

/** Gives a failed attempt's claim up at once, so the provider's retry can finish the work (progress is kept). */
export async function releaseDelivery(
  tableName: string,
  claim: { key: string; owner: string },
): Promise<void> {
  await update(tableName, claim, 'SET #lease = :zero', { '#lease': 'leaseUntil' }, { ':zero': 0 });
}
