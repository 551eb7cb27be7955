// Membership of a user in an account, read from the core service's user-accounts table.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from './clients';

interface MembershipItem {
  userId: string;
  accountId: string;
  status?: string;
}

/** True when the user-accounts table holds an active membership of `userId` in `accountId`. */
export async function isMember(tableName: string, userId: string, accountId: string): Promise<boolean> {
  const out = await documents.send(
    new GetCommand({ TableName: tableName, Key: { userId, accountId }, ConsistentRead: true }),
  );
  const item = out.Item as MembershipItem | undefined;
  return item !== undefined && (item.status === undefined || item.status === 'active');
}
