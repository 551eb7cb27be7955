// Writes the source, connection and activity records in one DynamoDB transaction (all or nothing).
import {
  PutItemCommand,
  TransactWriteItemsCommand,
  type TransactWriteItem,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { ActivityItem, ConnectionItem, SourceItem } from '../records/shapes';
import { dynamo } from './clients';
import { toItem } from './item';

export interface RecordTables {
  sources: string;
  connections: string;
  activity: string;
}

/** An UpdateItem SET expression for every field of `values` (keys excluded), with optional set-if-absent fields. */
export function setExpression(
  values: Record<string, unknown>,
  keys: readonly string[],
  ifAbsent: readonly string[] = [],
): {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, AttributeValue>;
} {
  const names: Record<string, string> = {};
  const vals: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(values).forEach(([field, value], i) => {
    if (keys.includes(field)) return;
    names[`#f${i}`] = field;
    if (value === undefined) {
      removes.push(`#f${i}`);
      return;
    }
    vals[`:v${i}`] = value;
    sets.push(ifAbsent.includes(field) ? `#f${i} = if_not_exists(#f${i}, :v${i})` : `#f${i} = :v${i}`);
  });
  const expression = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
  return {
    UpdateExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: toItem(vals),
  };
}

/** A new source: source and connection must not exist yet. */
export async function writeNewConnection(
  tables: RecordTables,
  source: SourceItem,
  connection: ConnectionItem,
  entry: ActivityItem,
): Promise<void> {
  const items: TransactWriteItem[] = [
    {
      Put: {
        TableName: tables.sources,
        Item: toItem(source),
        ConditionExpression: 'attribute_not_exists(sourceId)',
      },
    },
    {
      Put: {
        TableName: tables.connections,
        Item: toItem(connection),
        ConditionExpression: 'attribute_not_exists(sourceId)',
      },
    },
    { Put: { TableName: tables.activity, Item: toItem(entry) } },
  ];
  await dynamo.send(new TransactWriteItemsCommand({ TransactItems: items }));
}

/** A reconnect: the source must exist in the account with the same provider; its connection is overwritten. */
export async function writeReconnection(
  tables: RecordTables,
  source: Pick<SourceItem, 'accountId' | 'sourceId' | 'provider' | 'externalAccount' | 'updatedAt'>,
  connection: ConnectionItem,
  entry: ActivityItem,
): Promise<void> {
  const sourceUpdate = setExpression(
    { status: 'active', externalAccount: source.externalAccount, updatedAt: source.updatedAt },
    [],
  );
  const connectionUpdate = setExpression(
    connection as unknown as Record<string, unknown>,
    ['accountId', 'sourceId'],
    ['createdAt', 'connectedBy'],
  );
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName: tables.sources,
        Key: toItem({ accountId: source.accountId, sourceId: source.sourceId }),
        ...sourceUpdate,
        ConditionExpression: 'attribute_exists(sourceId) AND #p = :p',
        ExpressionAttributeNames: { ...sourceUpdate.ExpressionAttributeNames, '#p': 'provider' },
        ExpressionAttributeValues: {
          ...sourceUpdate.ExpressionAttributeValues,
          ...toItem({ ':p': source.provider }),
        },
      },
    },
    {
      Update: {
        TableName: tables.connections,
        Key: toItem({ accountId: source.accountId, sourceId: source.sourceId }),
        ...connectionUpdate,
      },
    },
    { Put: { TableName: tables.activity, Item: toItem(entry) } },
  ];
  await dynamo.send(new TransactWriteItemsCommand({ TransactItems: items }));
}

/** Removes the records of a connection this request created (compensation after a later failure). */
export async function deleteNewConnection(
  tables: RecordTables,
  accountId: string,
  sourceId: string,
  entry: ActivityItem,
): Promise<void> {
  const key = toItem({ accountId, sourceId });
  await dynamo.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        { Delete: { TableName: tables.sources, Key: key } },
        { Delete: { TableName: tables.connections, Key: key } },
        { Put: { TableName: tables.activity, Item: toItem(entry) } },
      ],
    }),
  );
}

/** One activity record on its own (security events, webhooks). */
export async function writeActivity(tables: RecordTables, entry: ActivityItem): Promise<void> {
  await dynamo.send(new PutItemCommand({ TableName: tables.activity, Item: toItem(entry) }));
}
