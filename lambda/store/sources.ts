// Reads of the sources table (owned by the sources service; item shape in lambda/records/shapes.ts).
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { SourceItem } from '../records/shapes';
import { dynamo } from './clients';
import { fromItem, toItem } from './item';

export async function getSource(
  tableName: string,
  accountId: string,
  sourceId: string,
): Promise<SourceItem | undefined> {
  const out = await dynamo.send(
    new GetItemCommand({ TableName: tableName, Key: toItem({ accountId, sourceId }), ConsistentRead: true }),
  );
  return fromItem<SourceItem>(out.Item);
}
