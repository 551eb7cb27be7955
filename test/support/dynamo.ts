// Direct access to the test run's DynamoDB Local for seeding and inspecting records.
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { localClient } from '../../scripts/local/dynamo-local';
import { fromItem, toItem } from '../../scripts/local/items';
import { physicalTableName, type TableName } from '../../lambda/store/tables';
import { TEST_TABLE_PREFIX } from './constants';

const client = () => {
  const endpoint = process.env.TEST_DYNAMO_ENDPOINT;
  if (!endpoint)
    throw new Error('TEST_DYNAMO_ENDPOINT is not set: run through jest (globalSetup starts DynamoDB Local)');
  return localClient(endpoint);
};

let shared: ReturnType<typeof localClient> | undefined;
/** The test run's one client for DynamoDB Local (closed by closeDb). */
export const db = () => (shared ??= client());

export const tableName = (t: TableName) => physicalTableName(TEST_TABLE_PREFIX, t);

export async function putItem(table: TableName, item: object): Promise<void> {
  await db().send(new PutItemCommand({ TableName: tableName(table), Item: toItem(item) }));
}

export async function getItem<T>(table: TableName, key: object): Promise<T | undefined> {
  const out = await db().send(
    new GetItemCommand({ TableName: tableName(table), Key: toItem(key), ConsistentRead: true }),
  );
  return fromItem<T>(out.Item);
}

export async function deleteItem(table: TableName, key: object): Promise<void> {
  await db().send(new DeleteItemCommand({ TableName: tableName(table), Key: toItem(key) }));
}

/** Every item of a partition (e.g. all activity of an account). */
export async function queryPartition<T>(table: TableName, keyName: string, value: string): Promise<T[]> {
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(table),
      KeyConditionExpression: '#k = :v',
      ExpressionAttributeNames: { '#k': keyName },
      ExpressionAttributeValues: toItem({ ':v': value }),
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((i) => fromItem<T>(i) as T);
}

/** Every item of one account in a table keyed by accountId. */
export function itemsOf<T>(table: TableName, accountId: string): Promise<T[]> {
  return queryPartition<T>(table, 'accountId', accountId);
}

export function closeDb(): void {
  shared?.destroy();
  shared = undefined;
}
