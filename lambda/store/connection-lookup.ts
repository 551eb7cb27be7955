// Connections of one external account (a Shopify shop, a Stripe account, a HighLevel location) via index byExternalAccount.
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ConnectionItem } from '../records/shapes';
import { dynamo } from './clients';
import { fromItem, toItem } from './item';
import { CONNECTION_INDEX } from './tables';

/**
 * Every connection whose externalKey is `key` (`<provider>#<name>=<value>`, see externalKey() in
 * lambda/oauth/token-document.ts), across accounts: one shop can be connected by several accounts.
 * @example await connectionsByExternalKey('lbdev-platform-connections', 'shopify#shop=x.myshopify.com')
 */
export async function connectionsByExternalKey(tableName: string, key: string): Promise<ConnectionItem[]> {
  const found: ConnectionItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: CONNECTION_INDEX.byExternalAccount,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'externalKey' },
        ExpressionAttributeValues: toItem({ ':k': key }),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const connection = fromItem<ConnectionItem>(item);
      if (connection) found.push(connection);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}
