// Webhook deliveries in the oauth-states table: one claim per delivery id, with progress, so repeats change nothing.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ProviderId } from '../providers/types';
import { documents } from './clients';
import { conditionFailure, updateExpression, type Condition, type TransactItem } from './expressions';

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
  const at = new Date(now).toISOString();
  try {
    const out = await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { state: key },
        ...updateExpression(
          {
            kind: 'delivery',
            provider: meta.provider,
            topic: meta.topic.slice(0, 128),
            status: 'processing',
            owner,
            leaseUntil: now + DELIVERY_LEASE_MS,
            ttl: Math.floor(now / 1000) + DELIVERY_TTL_SECONDS,
            updatedAt: at,
            createdAt: at,
          },
          {
            ifAbsent: ['createdAt'],
            condition: {
              expression:
                'attribute_not_exists(#state) OR (#kind = :kind AND #status <> :done AND #lease < :now)',
              names: { '#state': 'state', '#kind': 'kind', '#status': 'status', '#lease': 'leaseUntil' },
              values: { ':kind': 'delivery', ':done': 'done', ':now': now },
            },
          },
        ),
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const record = out.Attributes as DeliveryRecord | undefined;
    return {
      outcome: 'claimed',
      key,
      owner,
      applied: new Set(record?.applied ?? []),
      published: new Set(record?.published ?? []),
    };
  } catch (error) {
    if (!conditionFailure(error)) throw error;
    // The document client leaves an error's item as the wire sent it.
    const item = (error as { Item?: Record<string, AttributeValue> }).Item;
    const old = item ? (unmarshall(item) as DeliveryRecord) : undefined;
    return old?.status === 'done' ? { outcome: 'done' } : { outcome: 'busy' };
  }
}

/** Only the invocation holding the claim may write to the delivery. */
const holder = (claim: { owner: string }): Condition => ({
  expression: '#owner = :owner',
  names: { '#owner': 'owner' },
  values: { ':owner': claim.owner },
});

/** The transaction item that records, with a connection's records, that this delivery changed them. */
export function appliedProgress(
  tableName: string,
  claim: { key: string; owner: string },
  ref: string,
): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: { state: claim.key },
      ...updateExpression({}, { add: { applied: new Set([ref]) }, condition: holder(claim) }),
    },
  };
}

async function update(
  tableName: string,
  claim: { key: string; owner: string },
  set: Record<string, unknown>,
  add?: Record<string, unknown>,
) {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { state: claim.key },
      ...updateExpression(set, { add, condition: holder(claim) }),
    }),
  );
}

/** Records that a connection's secret and event steps are done too. */
export async function recordPublished(
  tableName: string,
  claim: { key: string; owner: string },
  ref: string,
): Promise<void> {
  await update(tableName, claim, {}, { published: new Set([ref]) });
}

/** Marks the delivery processed: later copies answer 200 without effect until the TTL removes the record. */
export async function completeDelivery(
  tableName: string,
  claim: { key: string; owner: string },
  now: number,
): Promise<void> {
  await update(tableName, claim, { status: 'done', updatedAt: new Date(now).toISOString() });
}

/** Gives a failed attempt's claim up at once, so the provider's retry can finish the work (progress is kept). */
export async function releaseDelivery(
  tableName: string,
  claim: { key: string; owner: string },
): Promise<void> {
  await update(tableName, claim, { leaseUntil: 0 });
}
