// The activity table (owned by the core service): entries are only ever added, alone or with the records they describe.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityItem } from '../records/shapes';
import { documents } from './clients';
import type { TransactItem } from './expressions';

/** The entry as an item of a records transaction. */
export function addActivity(tableName: string, entry: ActivityItem): TransactItem {
  return { Put: { TableName: tableName, Item: entry } };
}

/** One entry on its own (security events, webhooks). */
export async function putActivity(tableName: string, entry: ActivityItem): Promise<void> {
  await documents.send(new PutCommand(addActivity(tableName, entry).Put!));
}
