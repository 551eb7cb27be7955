// Stops DynamoDB Local, so no process or port is left behind even when tests fail.
import type { DynamoLocal } from '../../scripts/local/dynamo-local';

export default async function globalTeardown(): Promise<void> {
  const dynamo = (globalThis as { __dynamoLocal?: DynamoLocal }).__dynamoLocal;
  await dynamo?.stop();
}
