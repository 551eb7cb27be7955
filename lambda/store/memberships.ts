// Membership of a user in an account, read from the core service's user-accounts table.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamo } from './clients';
import { fromItem, toItem } from './item';

interface MembershipItem {
  userId: string;
  accountId: string;
  status?: string;
}

/** True when the user-accounts table holds an active membership of `userId` in `accountId`. */
export async function isMember(tableName: string, userId: string, accountId: string): Promise<boolean> {
  const out = await dynamo.send(
    new GetItemCommand({ TableName: tableName, Key: toItem({ userId, accountId }), ConsistentRead: true }),
  );
  const item = fromItem<MembershipItem>(out.Item);
  return item !== undefined && (item.status === undefined || item.status === 'active');
}
