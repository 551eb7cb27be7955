// The records side of a webhook's effect on one connection, written in one transaction with the delivery's progress.
import { TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { ActivityItem } from '../records/shapes';
import { dynamo } from './clients';
import { appliedProgress } from './deliveries';
import { isConditionalFailure, toItem } from './item';
import type { RecordTables } from './records';
import { setExpression } from './records';

export interface ConnectionRef {
  accountId: string;
  sourceId: string;
}

/** What the transaction does to the connection and its source. */
export type RecordChange =
  /**
   * Status `disconnected`, off the refresh schedule; skipped when already disconnected or, given
   * `occurredAt`, (re)connected or refreshed successfully after it.
   */
  | { kind: 'disconnect'; at: string; occurredAt?: string; errorCode: string }
  /** Connection record deleted; source kept for its owner, stripped of the external identifiers. */
  | { kind: 'redact'; at: string; redactedName: string }
  /** Records untouched: the activity entry only. */
  | { kind: 'notify' };

export type ApplyOutcome = 'applied' | 'skipped';

/** Raised when the claim was taken over by another invocation mid-way (this attempt must stop). */
export class ClaimLostError extends Error {
  constructor() {
    super('the delivery claim was taken over by another invocation');
    this.name = 'ClaimLostError';
  }
}

function connectionItem(
  tables: RecordTables,
  ref: ConnectionRef,
  change: RecordChange,
): TransactWriteItem | undefined {
  const Key = toItem({ accountId: ref.accountId, sourceId: ref.sourceId });
  if (change.kind === 'disconnect') {
    const set = setExpression(
      {
        status: 'disconnected',
        updatedAt: change.at,
        lastErrorCode: change.errorCode,
        refreshPartition: undefined,
        refreshDueAt: undefined,
      },
      [],
    );
    if (change.occurredAt === undefined)
      return {
        Update: {
          TableName: tables.connections,
          Key,
          ...set,
          ConditionExpression: 'attribute_exists(#sid) AND #st <> :disconnected',
          ExpressionAttributeNames: { ...set.ExpressionAttributeNames, '#sid': 'sourceId', '#st': 'status' },
          ExpressionAttributeValues: {
            ...set.ExpressionAttributeValues,
            ...toItem({ ':disconnected': 'disconnected' }),
          },
        },
      };
    return {
      Update: {
        TableName: tables.connections,
        Key,
        ...set,
        // Out-of-order safe: only a (re)connect or a successful refresh after the provider's event is newer
        // than it (grantedAt); a failed refresh attempt moves updatedAt only. Items written before grantedAt
        // existed keep the older rule on updatedAt.
        ConditionExpression:
          'attribute_exists(#sid) AND #st <> :disconnected AND (#st <> :active OR ' +
          '(attribute_exists(#granted) AND #granted <= :occurred) OR ' +
          '(attribute_not_exists(#granted) AND #upd <= :occurred))',
        ExpressionAttributeNames: {
          ...set.ExpressionAttributeNames,
          '#sid': 'sourceId',
          '#st': 'status',
          '#upd': 'updatedAt',
          '#granted': 'grantedAt',
        },
        ExpressionAttributeValues: {
          ...set.ExpressionAttributeValues,
          ...toItem({ ':disconnected': 'disconnected', ':active': 'active', ':occurred': change.occurredAt }),
        },
      },
    };
  }
  if (change.kind === 'redact') {
    // A compliance erasure is never skipped for the connection's state: effects.ts disconnects it first.
    return {
      Delete: {
        TableName: tables.connections,
        Key,
        ConditionExpression: 'attribute_exists(#sid)',
        ExpressionAttributeNames: { '#sid': 'sourceId' },
      },
    };
  }
  return undefined;
}

function sourceItem(
  tables: RecordTables,
  ref: ConnectionRef,
  change: RecordChange,
): TransactWriteItem | undefined {
  if (change.kind === 'notify') return undefined;
  const values =
    change.kind === 'disconnect'
      ? { status: 'disconnected', updatedAt: change.at }
      : { status: 'disconnected', updatedAt: change.at, name: change.redactedName, externalAccount: {} };
  const set = setExpression(values, []);
  return {
    Update: {
      TableName: tables.sources,
      Key: toItem({ accountId: ref.accountId, sourceId: ref.sourceId }),
      ...set,
      ConditionExpression: 'attribute_exists(#sid)',
      ExpressionAttributeNames: { ...set.ExpressionAttributeNames, '#sid': 'sourceId' },
    },
  };
}

/**
 * Applies `change` to one connection, its source, an activity entry and the delivery's progress (under
 * `progressKey`), all or nothing. `skipped` when the connection's own condition says the change does not
 * apply (gone, already disconnected, or newer than the event); a source the sources service removed is
 * left out.
 */
export async function applyRecordChange(
  tables: RecordTables,
  statesTable: string,
  claim: { key: string; owner: string },
  ref: ConnectionRef,
  change: RecordChange,
  entry: ActivityItem,
  progressKey = `${ref.accountId}/${ref.sourceId}`,
): Promise<ApplyOutcome> {
  const connection = connectionItem(tables, ref, change);
  let source = sourceItem(tables, ref, change);
  for (;;) {
    const items = [
      connection,
      source,
      { Put: { TableName: tables.activity, Item: toItem(entry) } },
      appliedProgress(statesTable, claim, progressKey),
    ];
    const present = items.filter((i): i is TransactWriteItem => i !== undefined);
    try {
      await dynamo.send(new TransactWriteItemsCommand({ TransactItems: present }));
      return 'applied';
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      const failed = (item: TransactWriteItem | undefined) =>
        item !== undefined && reasons[present.indexOf(item)]?.Code === 'ConditionalCheckFailed';
      if (failed(present[present.length - 1])) throw new ClaimLostError();
      if (failed(connection)) return 'skipped';
      if (failed(source)) {
        source = undefined;
        continue;
      }
      throw error;
    }
  }
}
