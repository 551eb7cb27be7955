// Stops DynamoDB Local and moto_server, so no process or port is left behind even when tests fail.
import type { DynamoLocal } from '../../scripts/local/dynamo-local';
import type { Moto } from './moto';

export default async function globalTeardown(): Promise<void> {
  const dynamo = (globalThis as { __dynamoLocal?: DynamoLocal }).__dynamoLocal;
  const moto = (globalThis as { __moto?: Moto }).__moto;
  await Promise.all([dynamo?.stop(), moto?.stop()]);
}
